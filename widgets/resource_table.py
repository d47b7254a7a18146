"""A DataTable of resources keyed by id, refreshed by keyed diffs so the cursor stays put.

Panes hand it the full desired set of rows on every poll; only what changed is touched
(stale keys removed, changed cells updated, new rows added), all inside one batch_update().
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowDoesNotExist, RowKey

from vconsole.models.common import Verdict
from widgets.filter_bar import NO_FILTER, RowFilter
from widgets.lean_table import LeanDataTable
from widgets.safe_text import safe_cell

_SEVERITY_ORDER = {v.value: -v.rank for v in Verdict}

Cell = object
"""A cell value: str, rich Text, int or float (numbers sort numerically)."""

AnyCell = TypeVar("AnyCell")


def cursor_cell_keys(table: DataTable[AnyCell]) -> tuple[RowKey, ColumnKey] | None:
    """Row and column keys under the cursor; None on an empty table, or while the table
    refills and the cursor is past its rows."""
    if not table.row_count:
        return None
    try:
        return table.coordinate_to_cell_key(table.cursor_coordinate)
    except CellDoesNotExist:
        return None


@dataclass(frozen=True)
class ResourceColumn:
    """One column: a stable key (used for updates and sort) and the header label."""

    key: str
    label: str
    width: int | None = None


def cell_text(value: Cell) -> str:
    """Plain text of a cell, used by the filter."""
    if isinstance(value, Text):
        return value.plain
    return "" if value is None else str(value)


SEVERITY_COLUMNS = ("verdict", "severity")
"""A table with one of these columns opens sorted by it, worst first."""


def sort_key(value: Cell) -> tuple[int, float | str]:
    """Severities worst first, then numbers numerically, then text case-insensitively."""
    text = cell_text(value).strip().lower()
    if text in _SEVERITY_ORDER:
        return (-1, _SEVERITY_ORDER[text])
    if isinstance(value, bool):
        return (1, str(value).lower())
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, cell_text(value).lower())


class ResourceTable(LeanDataTable[Cell]):
    """Keyed, filterable, sortable table; the shared body of every resource pane."""

    DEFAULT_CSS = """
    ResourceTable {
        height: 1fr;
    }
    """

    BINDINGS = [
        Binding(
            "less_than_sign",
            "column(-1)",
            "Column left",
            key_display="<",
            id="table.column_left",
            show=False,  # listed under `?`: every table sorts the same way
            tooltip="Move the sort column cursor left (marked in the header).",
        ),
        Binding(
            "greater_than_sign",
            "column(1)",
            "Column right",
            key_display=">",
            id="table.column_right",
            show=False,
            tooltip="Move the sort column cursor right (marked in the header).",
        ),
        Binding(
            "s",
            "sort_here",
            "Sort",
            id="table.sort",
            show=False,
            tooltip="Sort by the column marked in the header, < > move it (again: reverse).",
        ),
        Binding(
            "S",
            "reverse_sort",
            "Reverse",
            id="table.reverse",
            show=False,
            tooltip="Reverse the sort order.",
        ),
    ]

    def __init__(
        self,
        columns: Sequence[ResourceColumn],
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=False)
        self.resource_columns: tuple[ResourceColumn, ...] = tuple(columns)
        self._rows: dict[str, tuple[Cell, ...]] = {}
        self.row_filter: RowFilter = NO_FILTER
        keys = [c.key for c in self.resource_columns]
        worst_first = next((k for k in SEVERITY_COLUMNS if k in keys), None)
        self.sort_column: str | None = worst_first or (keys[0] if keys else None)
        self.sort_reverse = False
        self.sort_cursor: str | None = self.sort_column
        self._marks_shown = False  # header marks appear once the user sorts or moves the column
        self._pending_focus: tuple[str, tuple[str, ...]] | None = None

    def on_mount(self) -> None:
        for column in self.resource_columns:
            self.add_column(column.label, key=column.key, width=column.width)

    @property
    def all_keys(self) -> list[str]:
        """Keys of every row handed in, filtered out or not."""
        return list(self._rows)

    @property
    def visible_keys(self) -> list[str]:
        """Keys of the rows on screen, in display order."""
        return [str(row.key.value) for row in self.ordered_rows]

    @property
    def cursor_key(self) -> str | None:
        """Key of the row under the cursor, or None on an empty table."""
        keys = cursor_cell_keys(self)
        return None if keys is None or keys[0].value is None else str(keys[0].value)

    def set_rows(self, rows: Mapping[str, Sequence[Cell]]) -> None:
        """Replace the table's contents with `rows` (key -> cells), touching only what changed."""
        width = len(self.resource_columns)
        for key, cells in rows.items():
            if len(cells) != width:
                raise ValueError(f"row {key!r}: {len(cells)} cells for {width} columns")
        # cells may hold server text: never markup, control characters shown
        self._rows = {key: tuple(safe_cell(c) for c in cells) for key, cells in rows.items()}
        self._apply()

    def focus_best(self, host: str, words: Sequence[str]) -> None:
        """Put the cursor on the row that best names `host` and `words` (a finding's object):
        now if its row is here, else on the first refresh that brings rows."""
        self._pending_focus = (host, tuple(w for w in words if w))
        self._apply_focus()

    def _apply_focus(self) -> None:
        if self._pending_focus is None or not self.row_count:
            return
        host, words = self._pending_focus
        best, best_score = None, 0
        for index, key in enumerate(self.visible_keys):
            parts = set(key.split("|"))
            cells = {cell_text(c) for c in self._rows.get(key, ())}
            if host and host not in parts and host not in cells:
                continue
            score = 1 + sum(1 for w in words if w in parts or w in cells)
            if score > best_score:
                best, best_score = index, score
        self._pending_focus = None
        if best is not None:
            self.move_cursor(row=best, animate=False)

    def set_filter(self, row_filter: RowFilter) -> None:
        """Show only rows passing `row_filter` (any column may match)."""
        self.row_filter = row_filter
        self._apply()

    def sort_by(self, column_key: str | None, reverse: bool = False) -> None:
        """Sort by a column key (the first column by default; None appends new rows at the end)."""
        if column_key is not None and column_key not in {c.key for c in self.resource_columns}:
            raise ValueError(f"sort: no column {column_key!r}")
        self.sort_column = column_key
        self.sort_reverse = reverse
        self._apply(force_sort=True)
        if self._marks_shown:
            self._show_marks()

    def action_column(self, step: int) -> None:
        """Move the column cursor (the column `s` sorts by), as inventory's left/right do."""
        keys = [c.key for c in self.resource_columns]
        if not keys:
            return
        at = keys.index(self.sort_cursor) if self.sort_cursor in keys else 0
        self.sort_cursor = keys[max(0, min(at + step, len(keys) - 1))]
        self._show_marks()

    def action_sort_here(self) -> None:
        """Sort by the column under the column cursor; on the sorted column, reverse."""
        key = self.sort_cursor or (self.resource_columns[0].key if self.resource_columns else None)
        if key is None:
            return
        same = key == self.sort_column
        self._marks_shown = True
        self.sort_by(key, (not self.sort_reverse) if same else False)
        order = "descending" if self.sort_reverse else "ascending"
        self.notify(f"sorted by {self._label(key)}, {order}", timeout=2)

    def action_reverse_sort(self) -> None:
        self._marks_shown = True
        self.sort_by(self.sort_column or self.resource_columns[0].key, not self.sort_reverse)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        key = str(event.column_key.value)
        reverse = (not self.sort_reverse) if key == self.sort_column else False
        self.sort_cursor = key
        self._marks_shown = True
        self.sort_by(key, reverse)

    def header_label(self, key: str) -> str:
        """The header text of column `key` as shown (with the sort arrow once marks show)."""
        label = self._label(key)
        if self._marks_shown and key == self.sort_column:
            label += "▼" if self.sort_reverse else "▲"
        return label

    def _show_marks(self) -> None:
        """Mark the sort column (▲/▼) and the column cursor (reverse video) in the header."""
        self._marks_shown = True
        for column in self.resource_columns:
            current = self.columns.get(ColumnKey(column.key))
            if current is None:
                continue
            style = "reverse" if column.key == self.sort_cursor else ""
            label = Text(self.header_label(column.key), style=style)
            current.label = label
            if current.auto_width:
                current.content_width = max(current.content_width, label.cell_len)
        self._require_update_dimensions = True
        self._clear_caches()
        self.refresh()

    def _label(self, key: str) -> str:
        return next((c.label for c in self.resource_columns if c.key == key), key)

    def _wanted(self) -> dict[str, tuple[Cell, ...]]:
        keep = self.row_filter.keeps
        return {k: cells for k, cells in self._rows.items() if keep([cell_text(c) for c in cells])}

    def _apply(self, force_sort: bool = False) -> None:
        """The keyed diff: remove stale, update changed cells, add new, then restore the cursor."""
        wanted = self._wanted()
        cursor_key = self.cursor_key
        changed = force_sort
        column_keys = [c.key for c in self.resource_columns]
        with self.app.batch_update():
            for key in [k for k in self.visible_keys if k not in wanted]:
                self.remove_row(key)
                changed = True
            for key, cells in wanted.items():
                try:
                    current = self.get_row(key)
                except RowDoesNotExist:
                    self.add_row(*cells, key=key)
                    changed = True
                    continue
                for column_key, old, new in zip(column_keys, current, cells, strict=True):
                    if old != new:
                        self.update_cell(key, column_key, new)
                        changed = changed or column_key == self.sort_column
            if changed and self.sort_column is not None and self.row_count:
                self.sort(self.sort_column, key=sort_key, reverse=self.sort_reverse)
            if cursor_key is not None and cursor_key in wanted:
                self.move_cursor(row=self.get_row_index(cursor_key), animate=False)
            self._apply_focus()
