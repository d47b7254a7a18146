"""The MTU matrix itself: columns per vmk -> target (each peer its own), rows per host,
the `/` row filter and the selected cell's story. `MtuScreen` adds the runs and the edits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.widgets import DataTable, Static

from screens.base import ConsoleScreen
from screens.mtu_cells import _column, _json_column, _same_pair, _short, cell_for
from vconsole.models.mtu import MtuTest, TestSet
from widgets.filter_bar import NO_FILTER, FilterBar, RowFilter
from widgets.resource_table import cursor_cell_keys
from widgets.safe_text import field_text

if TYPE_CHECKING:
    from vconsole.services.mtu_store import MtuStore
    from vconsole.untyped import Json
    from widgets.resource_table import Cell

SEVERITY_STYLES = {
    "ok": "green",
    "info": "cyan",
    "warning": "yellow",
    "critical": "bold red",
    "unreachable": "magenta",
    "error": "bold magenta",
    "pending": "dim",
}
ALL_SETS = "all sets"
SKIPPED = "not run: the peer's vmk is on another netstack or network, so it is no peer"


class MtuMatrix(ConsoleScreen):
    """What the matrix shows for the chosen set (or all of them)."""

    store: MtuStore
    sets: list[TestSet]
    scope: str
    cells: dict[tuple[str, str], dict[str, dict[str, Json]]]
    skipped: set[tuple[str, str]]
    row_filter: RowFilter = NO_FILTER

    @property
    def matrix(self) -> DataTable[Cell]:
        return self.query_one("#mtu-matrix", DataTable)

    # -- what the matrix holds --------------------------------------------------------------
    def scope_tests(self) -> list[MtuTest]:
        from vconsole.services.mtu import expand_set

        chosen = (
            self.sets if self.scope == ALL_SETS else [s for s in self.sets if s.name == self.scope]
        )
        return [t for s in chosen for t in expand_set(s)]

    def _rebuild(self) -> None:
        tests = self.scope_tests()
        names = [s.name for s in self.sets]
        where = f"set {self.scope}" if self.scope != ALL_SETS else "all sets"
        self.query_one("#mtu-scope", Static).update(
            f"MTU matrix - {where} ({len(tests)} pairs) - sets: {', '.join(names) or 'none saved'}"
        )
        table = self.matrix
        table.clear(columns=True)
        self.cells, self.skipped = {}, set()
        columns = list(dict.fromkeys(_column(t) for t in tests))
        pairs = {(t.host, _column(t)) for t in tests}
        table.add_column("Host", key="host")
        for c in columns:
            table.add_column(field_text(_short(c)), key=c)
        for host in dict.fromkeys(t.host for t in tests):
            table.add_row(
                field_text(host),
                *(Text("·" if (host, c) in pairs else "", style="dim") for c in columns),
                key=host,
            )
        last = self.store.last_results()
        for t in tests:
            for r in last.values():
                if r.get("host") == t.host and _json_column(r) == _column(t) and _same_pair(r, t):
                    self._put(r)
        self._apply_filter()
        if not tests:
            self._status(
                "No saved test sets: press a to add HOST VMK TARGET, or save one with "
                "`vconsole mtu --host H --target T --save-set NAME`."
            )

    def _put(self, result: dict[str, Json]) -> None:
        host, column = result["host"], _json_column(result)
        table = self.matrix
        pairs = self.cells.setdefault((host, column), {})
        pairs[result.get("address") or result["target"]] = result
        self.skipped.discard((host, column))
        if host not in {str(k.value) for k in table.rows} and not self.row_filter.keeps([host]):
            return  # filtered out: kept for when the filter changes
        if column not in {str(k.value) for k in table.columns}:
            table.add_column(field_text(_short(column)), key=column, default=Text("·", style="dim"))
        if host not in {str(k.value) for k in table.rows}:
            table.add_row(
                field_text(host),
                *(Text("·", style="dim") for _ in range(len(table.columns) - 1)),
                key=host,
            )
        cell = cell_for(list(pairs.values()))
        table.update_cell(
            host, column, field_text(cell.text, style=SEVERITY_STYLES.get(cell.severity, ""))
        )
        self._show_detail()

    def _pending(self, tests: list[MtuTest]) -> None:
        for t in tests:
            self._mark((t.host, _column(t)), Text("...", style="dim"))

    def _mark(self, key: tuple[str, str], text: Text) -> None:
        self.cells.pop(key, None)
        table = self.matrix
        if key[1] in {str(k.value) for k in table.columns} and key[0] in {
            str(k.value) for k in table.rows
        }:
            table.update_cell(key[0], key[1], text)

    def _skip(self, asked: list[MtuTest], planned: tuple[MtuTest, ...]) -> int:
        """Mark the peer pairs the plan left out (another netstack), so every pair the header
        counts is either run or shown as skipped with its reason; returns how many."""
        kept = {(t.host, _column(t)) for t in planned}
        left = {(t.host, _column(t)) for t in asked if t.label == "peer"} - kept
        for key in left:
            self._mark(key, Text("skip", style="dim"))
        self.skipped |= left
        return len(left)

    # -- filter -------------------------------------------------------------------------------
    def action_open_filter(self) -> None:
        self.query_one("#filter", FilterBar).open()

    @on(FilterBar.FilterChanged)
    def _filter_changed(self, event: FilterBar.FilterChanged) -> None:
        self.row_filter = event.row_filter
        self._rebuild()

    @on(FilterBar.Closed)
    def _filter_closed(self) -> None:
        self.matrix.focus()

    def _apply_filter(self) -> None:
        """Drop the rows whose host and cell texts do not pass the `/` filter."""
        table = self.matrix
        for key in list(table.rows):
            texts = [
                str(cell.plain if isinstance(cell, Text) else cell) for cell in table.get_row(key)
            ]
            if not self.row_filter.keeps(texts):
                table.remove_row(key)

    def _status(self, text: str) -> None:
        self.query_one("#mtu-status", Static).update(text)

    # -- selection ----------------------------------------------------------------------------
    def selected(self) -> tuple[str, str] | None:
        keys = cursor_cell_keys(self.matrix)
        return None if keys is None else (str(keys[0].value), str(keys[1].value))

    @on(DataTable.CellHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        chosen = self.selected()
        detail = self.query_one("#mtu-detail", Static)
        pairs = self.cells.get(chosen) if chosen else None
        if chosen in self.skipped:
            detail.update(f"{chosen[0]} {chosen[1]}: {SKIPPED}")
            return
        if not pairs:
            detail.update(f"{chosen[0]}: press enter to run this pair" if chosen else "")
            return
        detail.update("\n".join(cell_for(list(pairs.values())).lines))
