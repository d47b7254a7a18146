"""A sparkline that fits in one table cell: recent samples as block characters, oldest left.

DataTable cells are text, so this renders a rich `Text` rather than a widget; the tallest bar
is the window's maximum (or `ceiling`, to draw several rows on one scale), and a value over
`alert` is coloured so a spike stands out in a column of flat lines.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

BARS = "▁▂▃▄▅▆▇█"


def sparkline(
    values: Sequence[float],
    width: int = 12,
    *,
    ceiling: float | None = None,
    alert: float | None = None,
    style: str = "cyan",
    alert_style: str = "bold red",
) -> Text:
    """The last `width` values as bars; an empty window gives an empty cell."""
    shown = list(values)[-width:] if width > 0 else []
    if not shown:
        return Text("")
    top = max(ceiling if ceiling is not None else 0.0, max(shown))
    out = Text()
    for v in shown:
        level = 0 if top <= 0 else round((len(BARS) - 1) * max(v, 0.0) / top)
        bar = BARS[min(max(level, 0), len(BARS) - 1)]
        out.append(bar, style=alert_style if alert is not None and v > alert else style)
    return out
