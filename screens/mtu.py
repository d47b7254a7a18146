"""`:mtu` - the path MTU matrix: hosts x (vmk -> target), one searched path MTU per cell.

A saved test set (one per site) fills the matrix; `r` runs it, `R` runs every set, `enter`
runs the pair under the cursor and `h` the selected host's row. Cells fill in as pairs finish,
coloured by verdict; the line under the table explains the selected cell with its probes.
The last results are shown on opening, with their time, so a new run shows what changed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Static

from screens.base import PaletteCommand, filter_binding
from screens.mtu_cells import (
    _column,
)
from screens.mtu_dialogs import DeleteConfirm, saved_entry
from screens.mtu_matrix import ALL_SETS, MtuMatrix
from screens.pane_context import PaneContext
from vconsole.errors import VconsoleError
from vconsole.models.mtu import MtuResult, MtuTest, Severity, TestSet
from vconsole.textsafe import visible
from widgets.filter_bar import FilterBar
from widgets.lean_table import LeanDataTable

if TYPE_CHECKING:
    from vconsole.services.mtu_store import MtuStore

ADD_HINT = "HOST VMK TARGET [netstack]  (enter adds, esc closes)"


class MtuScreen(MtuMatrix):
    """The matrix for one saved set (or all of them), with progress while a run is going."""

    CSS_PATH = "mtu.tcss"

    BINDINGS = [
        Binding("r", "run_scope", "Run", id="mtu.run", tooltip="Run every pair of this set."),
        Binding("R", "run_all", "Run all", id="mtu.run_all", tooltip="Run every saved set."),
        Binding(
            "enter",
            "run_cell",
            "Run pair",
            id="mtu.run_pair",
            tooltip="Run the pair under the cursor.",
        ),
        Binding(
            "h", "run_host", "Run host", id="mtu.run_host", tooltip="Run the selected host's row."
        ),
        Binding("right_square_bracket", "next_set", "Next set", key_display="]", id="mtu.next"),
        Binding("left_square_bracket", "prev_set", "Prev set", key_display="[", id="mtu.prev"),
        Binding(
            "a", "add_pair", "Add pair", id="mtu.add", tooltip="Add HOST VMK TARGET to this set."
        ),
        Binding(
            "d",
            "delete_pair",
            "Delete pair",
            id="mtu.delete",
            show=False,
            tooltip="Delete the saved pair under the cursor from this set (asks first).",
        ),
        Binding(
            "e",
            "edit_pair",
            "Edit pair",
            id="mtu.edit",
            show=False,
            tooltip="Edit the saved pair under the cursor (checked before it is saved).",
        ),
        Binding("n", "rename_set", "Rename set", id="mtu.rename", show=False),
        Binding("D", "delete_set", "Delete set", id="mtu.delete_set", show=False),
        filter_binding(
            "Filter matrix rows by regex over host and cells; a leading ! excludes.", show=False
        ),
    ]
    WRITE_ACTIONS = frozenset({"add_pair", "delete_pair", "rename_set", "delete_set", "edit_pair"})

    def __init__(self, context: PaneContext, store: MtuStore | None = None) -> None:
        super().__init__()
        from vconsole.services.mtu import MtuService, RunSettings
        from vconsole.services.mtu_store import MtuStore

        self.context = context
        self.store = store or MtuStore()
        channels = getattr(context.manager, "per_host_limit", None)
        settings = RunSettings(channels_per_host=channels if isinstance(channels, int) else None)
        self.service = MtuService(context.manager, self.store, settings)
        self.sets = []
        self.scope = ALL_SETS
        self.cells = {}
        self.skipped = set()
        self.renaming = ""
        self.editing: tuple[TestSet, MtuTest] | None = None
        """The set the input line renames; empty while it adds a pair."""
        self.running = False
        self.done = 0
        self.total = 0
        self.started = 0.0

    def compose_body(self) -> ComposeResult:
        yield Static("", id="mtu-scope", markup=False)
        yield LeanDataTable(id="mtu-matrix", cursor_type="cell", zebra_stripes=False)
        yield FilterBar(id="filter")
        with VerticalScroll(id="mtu-detail-box"):  # tab to it, then up/down: the evidence
            yield Static("", id="mtu-detail", markup=False)
        yield Input(placeholder=ADD_HINT, id="mtu-add")
        yield Static("", id="mtu-status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#mtu-add", Input).display = False
        self._load_sets()
        self.matrix.focus()

    def _load_sets(self) -> None:
        try:
            self.sets = self.store.sets()
        except Exception as exc:  # a damaged file: say so, keep the pane usable
            self.sets = []
            self._status(str(exc))
        if self.sets and self.scope == ALL_SETS:
            self.scope = self.sets[0].name
        self._rebuild()

    # -- running ----------------------------------------------------------------------------
    @work(exclusive=True, group="mtu-run", exit_on_error=False)
    async def run_tests(self, tests: list[MtuTest], what: str) -> None:
        from vconsole.services.mtu import MtuInputError

        if not tests:
            self._status("Nothing to run here.")
            return
        self.running, self.done, self.total, self.started = True, 0, 0, time.monotonic()
        self._status(f"{what}: reading hosts...")
        try:
            plan = await self.service.prepare(tests)
        except MtuInputError as exc:
            self.running = False
            self._status("Nothing was sent: " + "; ".join(exc.problems))
            return
        self.total = len(plan.tests)
        self._pending(list(plan.tests))
        skipped = self._skip(tests, plan.tests)
        self._progress(what)

        def arrived(result: MtuResult) -> None:
            self.done += 1
            self._put(result.to_json())
            self._progress(what)

        try:
            results = await self.service.run(plan, on_result=arrived)
        finally:
            self.running = False
        if self.store is not None:
            from vconsole.services.triage_sources import mtu_findings

            saved = self.store.last_results().values()
            self.post_findings(
                "mtu", [f for data in saved for f in mtu_findings(data)], time.time()
            )
        bad = sum(1 for r in results if r.verdict.severity not in (Severity.OK, Severity.INFO))
        changed = sum(1 for r in results if r.changed)
        took = time.monotonic() - self.started
        self._status(
            f"{what}: {len(results)} pairs in {took:.1f} s, {bad} with findings, "
            f"{changed} changed"
            + (f", {skipped} skipped (peer on another netstack)" if skipped else "")
            + f" - {time.strftime('%H:%M:%S')}"
        )

    def _progress(self, what: str) -> None:
        took = time.monotonic() - self.started
        self._status(f"{what}: {self.done}/{self.total} pairs done, {took:.1f} s")

    @on(DataTable.CellSelected)
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.action_run_cell()

    # -- actions ------------------------------------------------------------------------------
    def action_run_scope(self) -> None:
        self.run_tests(self.scope_tests(), f"set {self.scope}" if self.scope != ALL_SETS else "all")

    def action_run_all(self) -> None:
        self.scope = ALL_SETS
        self._rebuild()
        self.run_tests(self.scope_tests(), "all sets")

    def action_run_cell(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        host, column = chosen
        tests = [
            t
            for t in self.scope_tests()
            if t.host == host and (column == "host" or _column(t) == column)
        ]
        self.run_tests(tests, f"{host} {column}" if column != "host" else host)

    def action_run_host(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.run_tests([t for t in self.scope_tests() if t.host == chosen[0]], chosen[0])

    def _cycle(self, step: int) -> None:
        names = [s.name for s in self.sets] + [ALL_SETS]
        self.scope = (
            names[(names.index(self.scope) + step) % len(names)]
            if self.scope in names
            else names[0]
        )
        self._rebuild()

    def action_next_set(self) -> None:
        self._cycle(1)

    def action_prev_set(self) -> None:
        self._cycle(-1)

    def action_add_pair(self) -> None:
        box = self.query_one("#mtu-add", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#mtu-add")
    def _add_submitted(self, event: Input.Submitted) -> None:
        if self.renaming:
            self._rename(self.renaming, event.value.strip(), event.input)
            return
        words = event.value.split()
        if len(words) not in (3, 4):
            self.notify("Type HOST VMK TARGET [netstack]", severity="warning")
            return
        test = MtuTest(
            host=words[0],
            vmk="" if words[1] == "auto" else words[1],
            target=words[2],
            netstack=words[3] if len(words) == 4 else "",
        )
        if self.editing:
            old_set, old = self.editing
            label = old.label if test.target == old.target else ""
            new = replace(test, family=old.family, label=label, required_mtu=old.required_mtu)
            self.add_pair(new, old_set.name, event.input, old)
            return
        name = self.scope if self.scope != ALL_SETS else "adhoc"
        self.add_pair(test, name, event.input)

    def action_edit_pair(self) -> None:
        chosen = self.selected()
        sets = [s for s in self.sets if self.scope in (ALL_SETS, s.name)]
        found = saved_entry(sets, *chosen) if chosen and chosen[1] != "host" else None
        if found is None:
            self._status("Put the cursor on a saved pair's cell to edit it.")
            return
        test_set, entry, _ = found
        self.editing = (test_set, entry)
        box = self.query_one("#mtu-add", Input)
        words = (entry.host, entry.vmk or "auto", entry.target, entry.netstack)
        box.value = " ".join(w for w in words if w)
        box.placeholder = f"edit pair of set {test_set.name}: HOST VMK TARGET [netstack]"
        box.display = True
        box.focus()

    @work(exclusive=True, group="mtu-add", exit_on_error=False)
    async def add_pair(
        self, test: MtuTest, name: str, box: Input, old: MtuTest | None = None
    ) -> None:
        """Check the pair (host, vmk, netstack, target) before saving it: a pair the checks
        refuse is never saved, so it cannot stop its whole set from running later. With
        `old`, the pair replaces that saved entry in place (an edit)."""
        from vconsole.services.mtu import MtuInputError, expand_set

        current = next((s for s in self.sets if s.name == name), TestSet(name))
        asked = expand_set(TestSet(name, (test,), current.hosts)) if old else [test]
        self._status(f"Checking {test.host} {_column(test)}...")
        try:
            await self.service.prepare(asked)
        except MtuInputError as exc:
            self._status("Not saved. Nothing was sent: " + "; ".join(exc.problems))
            box.focus()
            return
        tests = (
            (*current.tests, test)
            if old is None
            else tuple(test if t == old else t for t in current.tests)
        )
        try:
            self.store.save_set(TestSet(name, tests, current.hosts, current.description))
        except VconsoleError as exc:  # the pair is refused before it is saved, named
            self.notify(visible(str(exc)), title=exc.title, severity="error", markup=False)
            return
        self._close_box()
        self.scope = name
        self._load_sets()
        self.run_tests(asked, f"{test.host} {_column(test)}")

    def action_delete_pair(self) -> None:
        """Ask, then remove the saved entry behind the cell under the cursor from its set."""
        chosen = self.selected()
        sets = [s for s in self.sets if self.scope in (ALL_SETS, s.name)]
        found = saved_entry(sets, *chosen) if chosen and chosen[1] != "host" else None
        if chosen is None or found is None:
            self._status("Put the cursor on a saved pair's cell to delete it.")
            return
        test_set, entry, pairs = found
        what = f"{entry.host} {entry.vmk or 'auto'} -> {entry.label or entry.target}"

        def done(answer: str | None) -> None:
            if answer == "delete":
                self._drop(test_set, entry, what)

        question = f"Delete {what} from set {test_set.name}?"
        self.app.push_screen(DeleteConfirm(question, pairs), done)

    def _drop(self, test_set: TestSet, entry: MtuTest, what: str) -> None:
        kept = tuple(t for t in test_set.tests if t != entry)
        try:
            self.store.save_set(TestSet(test_set.name, kept, test_set.hosts, test_set.description))
        except VconsoleError as exc:
            self.notify(visible(str(exc)), title=exc.title, severity="error", markup=False)
            return
        self._load_sets()
        self._status(f"Deleted {what} from set {test_set.name}.")

    def _scope_set(self) -> TestSet | None:
        found = next((s for s in self.sets if s.name == self.scope), None)
        if found is None:
            self._status("Choose one set with [ or ] first.")
        return found

    def action_rename_set(self) -> None:
        current = self._scope_set()
        if current is not None:
            self.renaming = current.name
            box = self.query_one("#mtu-add", Input)
            box.placeholder = f"new name for set {current.name}  (enter renames, esc closes)"
            box.value = current.name
            box.display = True
            box.focus()

    def _rename(self, old: str, new: str, box: Input) -> None:
        try:
            self.store.rename_set(old, new)
        except VconsoleError as exc:  # the name is refused, named; nothing changed
            self._status(visible(str(exc)))
            return
        self._close_box()
        self.scope = new
        self._load_sets()
        self._status(f"Set {old} is now {new}.")

    def action_delete_set(self) -> None:
        from vconsole.services.mtu import expand_set

        current = self._scope_set()
        if current is None:
            return
        pairs = [f"{t.host} {_column(t)}" for t in expand_set(current)]

        def done(answer: str | None) -> None:
            if answer == "delete":
                self.store.delete_set(current.name)
                self.scope = ALL_SETS
                self._load_sets()
                self._status(f"Deleted set {current.name}.")

        self.app.push_screen(DeleteConfirm(f"Delete set {current.name}?", pairs), done)

    def _close_box(self) -> None:
        box = self.query_one("#mtu-add", Input)
        box.value, box.display, self.renaming, self.editing = "", False, "", None
        box.placeholder = ADD_HINT
        self.matrix.focus()

    async def action_escape(self) -> None:
        """Esc closes the add/rename line when it is open, else clears the filter or goes back."""
        if self.query_one("#mtu-add", Input).display:
            self._close_box()
            return
        await super().action_escape()

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield PaletteCommand("Run MTU set", "search every pair of this set", "run_scope")
        yield PaletteCommand("Run all MTU sets", "search every saved pair", "run_all")
        yield PaletteCommand("Add MTU pair", "HOST VMK TARGET to this set", "add_pair")
