"""A virtual table for tens of thousands of rows: only the lines on screen are ever rendered.

The shared ResourceTable (a DataTable) keeps a widget row per data row; at 10,000 VMs adding
the rows took seconds and a filter that hid most of them took minutes. Here rows are plain
tuples in a dict: filtering is one regex search per row over a precomputed text, sorting is one
`sorted()` over the keys, and rendering touches only the visible lines (Line API).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from vconsole.textsafe import visible

HEADER_STYLE = Style(bold=True, reverse=False, underline=True)
CURSOR_STYLE = Style(reverse=True)
CELL_CURSOR_STYLE = Style(reverse=True, bold=True, underline=True)


@dataclass(frozen=True)
class TableColumn:
    key: str
    label: str
    numeric: bool = False
    max_width: int = 30


@dataclass(frozen=True)
class TableRow:
    """Display texts, raw values (for sorting), the filter text (lower case) and a Rich style."""

    cells: tuple[str, ...]
    values: tuple[object, ...]
    search: str
    style: str = ""


_REGEX_SYNTAX = frozenset(".^$*+?{}[]\\|()")


def _literal(pattern: re.Pattern[str] | None) -> str | None:
    """The lower-cased text of a case-insensitive pattern with no regex syntax in it."""
    if pattern is None or not pattern.flags & re.IGNORECASE:
        return None
    text = pattern.pattern
    if any(c in _REGEX_SYNTAX for c in text) or text.lower().upper() != text.upper():
        return None
    return text.lower()


@lru_cache(maxsize=64)
def _style(text: str) -> Style:
    return Style.parse(text) if text else Style()


def _sort_value(value: object) -> tuple[int, float | str]:
    if value is None or value == "":
        return (2, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value).lower())


class VirtualTable(ScrollView, can_focus=True):
    """Keyed rows, regex filter, scope predicate, sort by any column, row and cell cursor."""

    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        scrollbar-size: 1 1;
        overflow-y: scroll;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("left", "column(-1)", "Left", show=False),
        Binding("right", "column(1)", "Right", show=False),
        Binding(
            "enter", "select", "Details", id="inventory.details", tooltip="Details of the row."
        ),
        Binding(
            "s",
            "sort_here",
            "Sort",
            id="inventory.sort",
            show=False,
            tooltip="Sort by the column under the cursor (again: reverse).",
        ),
        Binding(
            "S",
            "reverse_sort",
            "Reverse",
            id="inventory.reverse",
            show=False,
            tooltip="Reverse the sort order.",
        ),
    ]

    class Highlighted(Message):
        def __init__(self, table: VirtualTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

    class Selected(Message):
        def __init__(self, table: VirtualTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

    def __init__(self, columns: Sequence[TableColumn], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns: tuple[TableColumn, ...] = tuple(columns)
        self.rows: dict[str, TableRow] = {}
        self.shown: list[str] = []
        self._sorted: list[tuple[str, str]] | None = None
        self._position: dict[str, int] = {}
        self.pattern: re.Pattern[str] | None = None
        self.negate = False
        self.scope: Callable[[str], bool] | None = None
        self.sort_column = 0
        self.sort_reverse = False
        self.cursor_row = 0
        self.cursor_column = 0
        self.cursor_moved_by_user = False
        """Until the admin moves, the cursor stays on the first row while pages arrive."""
        self.widths = [len(c.label) for c in self.columns]

    # -- data ---------------------------------------------------------------------------
    def set_columns(self, columns: Sequence[TableColumn]) -> None:
        """Switch to another column set (another object type); rows go with it."""
        self.columns = tuple(columns)
        self.rows = {}
        self.sort_column, self.sort_reverse, self.cursor_column = 0, False, 0
        self.cursor_moved_by_user = False
        self.widths = [len(c.label) for c in self.columns]
        self._sorted = None
        self._refilter(keep=None)

    def replace(self, rows: Mapping[str, TableRow]) -> None:
        cursor = self.cursor_key
        self.rows = dict(rows)
        self.widths = [len(c.label) for c in self.columns]
        self._widen(self.rows.values())
        self._sorted = None
        self._refilter(keep=cursor)

    def apply(self, upserts: Mapping[str, TableRow], removed: Iterable[str] = ()) -> None:
        """A keyed diff: add or replace `upserts`, drop `removed`; the cursor stays on its row."""
        cursor = self.cursor_key
        rows = self.rows
        resort = False
        column = self.sort_column
        for key in removed:
            if rows.pop(key, None) is not None:
                resort = True
        for key, row in upserts.items():
            old = rows.get(key)
            if old is None or old.values[column] != row.values[column] or old.search != row.search:
                resort = True
            rows[key] = row
        self._widen(upserts.values())
        if resort:
            self._sorted = None
        self._refilter(keep=cursor)

    def _widen(self, rows: Iterable[TableRow]) -> None:
        widths = self.widths
        caps = [c.max_width for c in self.columns]
        for row in rows:
            for i, text in enumerate(row.cells):
                if len(text) > widths[i]:
                    widths[i] = min(len(text), caps[i])

    # -- filter, scope, sort --------------------------------------------------------------
    def set_filter(self, pattern: re.Pattern[str] | None, negate: bool = False) -> None:
        """Keep rows whose search text matches `pattern` (or does not, with `negate`)."""
        self.pattern = pattern
        self.negate = negate
        self._refilter(keep=self.cursor_key)

    def set_scope(self, scope: Callable[[str], bool] | None) -> None:
        self.scope = scope
        self._refilter(keep=self.cursor_key)

    def sort_by(self, column: int, reverse: bool = False) -> None:
        self.sort_column = max(0, min(column, len(self.columns) - 1))
        self.sort_reverse = reverse
        self._sorted = None
        self._refilter(keep=self.cursor_key)

    def _sorted_pairs(self) -> list[tuple[str, str]]:
        """(key, search text) in display order, kept until the rows or the sort change."""
        if self._sorted is None:
            rows = self.rows
            column = self.sort_column
            keys = sorted(
                rows, key=lambda k: _sort_value(rows[k].values[column]), reverse=self.sort_reverse
            )
            self._sorted = [(k, rows[k].search) for k in keys]
        return self._sorted

    def _refilter(self, keep: str | None) -> None:
        pairs = self._sorted_pairs()
        scope = self.scope
        if scope is not None:
            pairs = [(k, t) for k, t in pairs if scope(k)]
        literal = _literal(self.pattern)
        if self.pattern is None:
            self.shown = [k for k, _ in pairs]
        elif literal is not None:  # plain text typed: a substring test, several times faster
            negate = self.negate
            self.shown = [k for k, t in pairs if (literal in t) != negate]
        elif self.negate:
            search = self.pattern.search
            self.shown = [k for k, t in pairs if search(t) is None]
        else:
            search = self.pattern.search
            self.shown = [k for k, t in pairs if search(t)]
        self._position = {}
        if keep is not None and self.cursor_moved_by_user:
            index = self.index_of(keep)
            if index is not None:
                self.cursor_row = index
        if not self.cursor_moved_by_user:
            self.cursor_row = 0  # still loading, nobody moved: the first row, in sight
        self.cursor_row = max(0, min(self.cursor_row, len(self.shown) - 1))
        total = sum(self.widths) + max(0, len(self.widths) - 1)
        self._set_virtual_size(Size(total, len(self.shown) + 1))
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Highlighted(self, self.cursor_key))

    def _set_virtual_size(self, size: Size) -> None:
        """A new row count needs no screen layout: the vertical scrollbar is always there
        (CSS), so only the scrollbars are updated; a width change still lays out."""
        if size.width == self.virtual_size.width and self.is_mounted:
            self.set_reactive(VirtualTable.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size

    def index_of(self, key: str) -> int | None:
        if not self._position and self.shown:
            self._position = {k: i for i, k in enumerate(self.shown)}
        return self._position.get(key)

    # -- cursor ---------------------------------------------------------------------------
    @property
    def cursor_key(self) -> str | None:
        if 0 <= self.cursor_row < len(self.shown):
            return self.shown[self.cursor_row]
        return None

    def cell_text(self) -> str:
        key = self.cursor_key
        return self.rows[key].cells[self.cursor_column] if key is not None else ""

    def row_text(self) -> str:
        key = self.cursor_key
        return "\t".join(self.rows[key].cells) if key is not None else ""

    def move_to(self, key: str) -> bool:
        index = self.index_of(key)
        if index is None:
            return False
        self.cursor_row = index
        self._cursor_moved()
        return True

    def _cursor_moved(self) -> None:
        self.cursor_moved_by_user = True
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Highlighted(self, self.cursor_key))

    def _scroll_to_cursor(self) -> None:
        # the rows under the header and above the horizontal scrollbar
        body = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + body:
            self.scroll_to(y=self.cursor_row - body + 1, animate=False, immediate=True)
        if self.cursor_column == 0 or not self.widths:
            return  # the name column stays in place
        pinned = self.widths[0] + 1
        left = sum(self.widths[: self.cursor_column]) + self.cursor_column
        right = left + self.widths[self.cursor_column]
        x = int(self.scroll_offset.x)
        if left - pinned < x:
            self.scroll_to(x=left - pinned, animate=False, immediate=True)
        elif right > x + self.size.width:
            self.scroll_to(x=right - self.size.width, animate=False, immediate=True)

    def action_cursor(self, step: int) -> None:
        self.cursor_row = max(0, min(self.cursor_row + step, len(self.shown) - 1))
        self._cursor_moved()

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 2))

    def action_edge(self, end: int) -> None:
        self.cursor_row = len(self.shown) - 1 if end else 0
        self._cursor_moved()

    def action_column(self, step: int) -> None:
        self.cursor_column = max(0, min(self.cursor_column + step, len(self.columns) - 1))
        self._cursor_moved()

    def action_select(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.Selected(self, key))

    def action_reverse_sort(self) -> None:
        self.sort_by(self.sort_column, not self.sort_reverse)

    def action_sort_here(self) -> None:
        same = self.cursor_column == self.sort_column
        self.sort_by(self.cursor_column, (not self.sort_reverse) if same else False)

    def on_click(self, event: events.Click) -> None:
        pinned = self.widths[0] + 1 if self.widths else 0
        x = event.x if event.x < pinned else event.x + int(self.scroll_offset.x)
        column = self._column_at(x)
        if event.y == 0:
            if column is not None:
                self.cursor_column = column
                self.action_sort_here()
            return
        row = int(self.scroll_offset.y) + event.y - 1
        if 0 <= row < len(self.shown):
            self.cursor_row = row
            if column is not None:
                self.cursor_column = column
            self._cursor_moved()

    def _column_at(self, x: int) -> int | None:
        edge = 0
        for i, width in enumerate(self.widths):
            edge += width + 1
            if x < edge:
                return i
        return None

    # -- rendering ------------------------------------------------------------------------
    def _cells(self, texts: Sequence[str], base: Style, cursor_cell: int | None) -> list[Segment]:
        segments = []
        columns = self.columns
        for i, width in enumerate(self.widths):
            # VM and host names come from vCenter: shown, never sent to the terminal as controls
            text = visible(texts[i]) if i < len(texts) else ""
            if len(text) > width:
                text = text[: max(0, width - 1)] + "…"
            text = text.rjust(width) if columns[i].numeric else text.ljust(width)
            style = base + CELL_CURSOR_STYLE if i == cursor_cell else base
            segments.append(Segment(text, style))
            segments.append(Segment(" ", base))
        return segments

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        x = int(self.scroll_offset.x)
        if y == 0:
            labels = []
            for i, column in enumerate(self.columns):
                mark = ("▼" if self.sort_reverse else "▲") if i == self.sort_column else ""
                labels.append(column.label + mark)
            strip = Strip(self._cells(labels, HEADER_STYLE, None))
            return self._pinned(strip, x, width)
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.shown):
            return Strip.blank(width)
        key = self.shown[index]
        row = self.rows[key]
        base = _style(row.style)
        cursor = index == self.cursor_row
        if cursor:
            base = base + CURSOR_STYLE if self.has_focus else base + Style(underline=True)
        strip = Strip(self._cells(row.cells, base, self.cursor_column if cursor else None))
        return self._pinned(strip, x, width)

    def _pinned(self, strip: Strip, x: int, width: int) -> Strip:
        """The name column stays fixed at the left; the other columns scroll under it."""
        if x <= 0 or not self.widths:
            return strip.crop(0, width).extend_cell_length(width)
        pinned = min(self.widths[0] + 1, width)
        rest = strip.crop(pinned + x, x + width)
        return Strip.join([strip.crop(0, pinned), rest]).extend_cell_length(width)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self._scroll_to_cursor()
