"""Usage bars for table cells and summary lines: how full something is, at a glance.

A bar is plain Rich text (eighth blocks for the partial cell), so it fits in a DataTable cell
and a Static alike; its colour says whether the level is fine, high or critical.
"""

from __future__ import annotations

from rich.text import Text

PARTIALS = " ▏▎▍▌▋▊▉"
HIGH_PCT = 75.0
CRITICAL_PCT = 90.0


def level_style(pct: float) -> str:
    """Green below 75 %, yellow up to 90 %, red above."""
    if pct >= CRITICAL_PCT:
        return "bold red"
    if pct >= HIGH_PCT:
        return "yellow"
    return "green"


def bar_cells(used: float, total: float, width: int) -> str:
    """`width` characters: full blocks, one partial block, then light shade for the rest."""
    width = max(1, width)
    ratio = 0.0 if total <= 0 else min(1.0, max(0.0, used / total))
    eighths = round(ratio * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (PARTIALS[part] if part and full < width else "")
    return text + "░" * (width - len(text))


def usage_bar(used: float, total: float, width: int = 10, *, label: bool = True) -> Text:
    """A coloured bar, followed by the percentage when `label` is set."""
    pct = 0.0 if total <= 0 else 100.0 * used / total
    out = Text(bar_cells(used, total, width), style=level_style(pct))
    if label:
        out.append(f" {pct:3.0f}%")
    return out
