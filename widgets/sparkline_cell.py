"""A sparkline that fits in one table cell: recent samples as block characters, oldest left.

DataTable cells are text, so this renders a rich `Text` rather than a widget. Bars span the
row's own range (lowest to highest sample), so a flat 1 ms is a flat low line and a spike
stands out; `ceiling` draws several rows on one scale from zero instead. A value over `alert`
is coloured.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

BARS = "▁▂▃▄▅▆▇█"
FLAT = 0.05
"""Values within 5 % of each other are drawn as a flat low line, not as full bars."""


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
    low = 0.0 if ceiling is not None else min(shown)
    span = top - low
    flat = span <= FLAT * max(abs(top), 1e-9)
    out = Text()
    for v in shown:
        level = 0 if flat else round((len(BARS) - 1) * (max(v, low) - low) / span)
        bar = BARS[min(max(level, 0), len(BARS) - 1)]
        out.append(bar, style=alert_style if alert is not None and v > alert else style)
    return out
