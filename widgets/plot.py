"""A small multi-row plot of a percentage over time, on a fixed 0-100 % scale.

Textual's Sparkline scales between the data's own minimum and maximum, which makes a pool at
a steady 60 % look like noise; utilisation needs the absolute scale, hence this widget.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget

from widgets.bar import level_style

BLOCKS = " ▁▂▃▄▅▆▇█"
AXIS_WIDTH = 5


def plot_rows(values: Sequence[float], width: int, height: int) -> list[str]:
    """Rows top to bottom; the newest value is the rightmost column, older ones to its left."""
    width, height = max(1, width), max(1, height)
    shown = [min(100.0, max(0.0, v)) for v in values][-width:]
    columns = [" " * height] * (width - len(shown))
    for value in shown:
        eighths = round(value / 100.0 * height * 8)
        cells = []
        for row in range(height):  # bottom row first
            fill = min(8, max(0, eighths - row * 8))
            cells.append(BLOCKS[fill])
        columns.append("".join(reversed(cells)))
    return ["".join(col[r] for col in columns) for r in range(height)]


class UsagePlot(Widget):
    """Percentages over time with a 100 % / 0 % axis; the last value sets the colour."""

    DEFAULT_CSS = """
    UsagePlot {
        height: 4;
    }
    """

    values: reactive[tuple[float, ...]] = reactive(tuple)
    caption: reactive[str] = reactive("")

    def render(self) -> RenderResult:
        height = max(1, self.size.height - 1)
        width = max(1, self.size.width - AXIS_WIDTH)
        rows = plot_rows(self.values, width, height)
        style = level_style(self.values[-1]) if self.values else "dim"
        out = Text()
        for i, row in enumerate(rows):
            axis = "100%" if i == 0 else ("  0%" if i == height - 1 else "")
            out.append(f"{axis:>4} ", style="dim")
            out.append(row, style=style)
            out.append("\n")
        out.append(" " * AXIS_WIDTH + self.caption, style="dim")
        return out
