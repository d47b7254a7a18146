"""`:mtu` - the path MTU matrix: hosts x (vmk -> target), one searched path MTU per cell.

A saved test set (one per site) fills the matrix; `r` runs it, `R` runs every set, `enter`
runs the pair under the cursor and `h` the selected host's row. Cells fill in as pairs finish,
coloured by verdict; the line under the table explains the selected cell with its probes.
The last results are shown on opening, with their time, so a new run shows what changed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Static

from screens.base import ConsoleScreen, PaletteCommand
from screens.panes import PaneContext
from vconsole.models.mtu import MtuResult, MtuTest, Severity, TestSet
from vconsole.sessions.errors import VconsoleError
from vconsole.textsafe import visible
from widgets.safe_text import field_text

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


@dataclass(frozen=True)
class CellState:
    """What a matrix cell shows: the worst pair in it (a column may hold several peers)."""

    text: str
    severity: str
    lines: tuple[str, ...]


def cell_for(results: list[dict[str, Any]]) -> CellState:
    """Fold the JSON results of one (host, column) into the cell text and the detail lines."""
    order = ("pending", "ok", "info", "warning", "unreachable", "critical", "error")
    worst = max(results, key=lambda r: order.index(r.get("severity", "error")))
    mtu = worst.get("path_mtu")
    unreachable = worst.get("verdict") == "unreachable" or worst.get("severity") == "unreachable"
    text = str(mtu) if mtu is not None else ("unreach" if unreachable else "error")
    if any(r.get("changed") for r in results):
        text += " *"
    lines = []
    for r in results:
        head = f"{r['host']} {r['vmk']} -> {r.get('label') or r['target']} ({r.get('address', '')})"
        found = r.get("path_mtu")
        path = f"path MTU {found}" if found is not None else "no path MTU found"
        vmk = f"vmk MTU {r['vmk_mtu']}" if r.get("vmk_mtu") is not None else "vmk MTU unknown"
        lines.append(f"{head}: {path}, {vmk}, {r.get('confidence', 'unknown')} confidence")
        lines += [f"  {f['severity'].upper()}: {f['message']}" for f in r.get("findings", [])]
        if r.get("changed"):
            lines.append(
                f"  CHANGED: was {r.get('previous_path_mtu')} at {r.get('previous_checked_at')}"
            )
        steps = sorted(r.get("evidence", []), key=lambda e: (e.get("round", 0), e["size"]))
        shown = ", ".join(f"{e['size']}:{e['outcome']}" for e in steps[:12])
        more = f" (+{len(steps) - 12})" if len(steps) > 12 else ""
        lines.append(
            f"  {r.get('probes', 0)} probes in {r.get('rounds', 0)} rounds, "
            f"{r.get('duration_s', 0)} s at {r.get('checked_at', '')}: {shown}{more}"
        )
    return CellState(text, worst.get("severity", "error"), tuple(lines))


class MtuScreen(ConsoleScreen):
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
    ]

    def __init__(self, context: PaneContext, store: Any = None) -> None:
        super().__init__()
        from vconsole.services.mtu import MtuService, RunSettings
        from vconsole.services.mtu_store import MtuStore

        self.context = context
        self.store = store or MtuStore()
        channels = getattr(context.manager, "per_host_limit", None)
        settings = RunSettings(channels_per_host=channels if isinstance(channels, int) else None)
        self.service = MtuService(context.manager, self.store, settings)
        self.sets: list[TestSet] = []
        self.scope = ALL_SETS
        self.cells: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self.running = False
        self.done = 0
        self.total = 0
        self.started = 0.0

    def compose_body(self) -> ComposeResult:
        yield Static("", id="mtu-scope", markup=False)
        yield DataTable(id="mtu-matrix", cursor_type="cell", zebra_stripes=False)
        with VerticalScroll(id="mtu-detail-box"):  # tab to it, then up/down: the evidence
            yield Static("", id="mtu-detail", markup=False)
        yield Input(
            placeholder="HOST VMK TARGET [netstack]  (enter adds, esc closes)", id="mtu-add"
        )
        yield Static("", id="mtu-status", markup=False)

    @property
    def matrix(self) -> DataTable[Any]:
        return self.query_one("#mtu-matrix", DataTable)

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
        self.cells = {}
        columns = list(dict.fromkeys(_column(t) for t in tests))
        table.add_column("Host", key="host")
        for c in columns:
            table.add_column(field_text(_short(c)), key=c)
        for host in dict.fromkeys(t.host for t in tests):
            table.add_row(field_text(host), *(Text("·", style="dim") for _ in columns), key=host)
        last = self.store.last_results()
        for t in tests:
            for r in last.values():
                if r.get("host") == t.host and _json_column(r) == _column(t) and _same_pair(r, t):
                    self._put(r)
        if not tests:
            self._status(
                "No saved test sets: press a to add HOST VMK TARGET, or save one with "
                "`vconsole mtu --host H --target T --save-set NAME`."
            )

    def _put(self, result: dict[str, Any]) -> None:
        host, column = result["host"], _json_column(result)
        table = self.matrix
        if column not in {str(k.value) for k in table.columns}:
            table.add_column(field_text(_short(column)), key=column, default=Text("·", style="dim"))
        if host not in {str(k.value) for k in table.rows}:
            table.add_row(
                field_text(host),
                *(Text("·", style="dim") for _ in range(len(table.columns) - 1)),
                key=host,
            )
        pairs = self.cells.setdefault((host, column), {})
        pairs[result.get("address") or result["target"]] = result
        cell = cell_for(list(pairs.values()))
        table.update_cell(
            host, column, field_text(cell.text, style=SEVERITY_STYLES.get(cell.severity, ""))
        )
        self._show_detail()

    def _pending(self, tests: list[MtuTest]) -> None:
        for t in tests:
            key = (t.host, _column(t))
            if key[1] in {str(k.value) for k in self.matrix.columns}:
                self.cells.pop(key, None)
                self.matrix.update_cell(t.host, key[1], Text("...", style="dim"))

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
            f"{changed} changed - {time.strftime('%H:%M:%S')}"
        )

    def _progress(self, what: str) -> None:
        took = time.monotonic() - self.started
        self._status(f"{what}: {self.done}/{self.total} pairs done, {took:.1f} s")

    def _status(self, text: str) -> None:
        self.query_one("#mtu-status", Static).update(text)

    # -- selection ----------------------------------------------------------------------------
    def selected(self) -> tuple[str, str] | None:
        table = self.matrix
        if not table.row_count:
            return None
        try:
            row_key, col_key = table.coordinate_to_cell_key(table.cursor_coordinate)
        except Exception:
            return None
        return str(row_key.value), str(col_key.value)

    @on(DataTable.CellHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    @on(DataTable.CellSelected)
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.action_run_cell()

    def _show_detail(self) -> None:
        chosen = self.selected()
        detail = self.query_one("#mtu-detail", Static)
        pairs = self.cells.get(chosen) if chosen else None
        if not pairs:
            detail.update(f"{chosen[0]}: press enter to run this pair" if chosen else "")
            return
        detail.update("\n".join(cell_for(list(pairs.values())).lines))

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
        words = event.value.split()
        if len(words) not in (3, 4):
            self.notify("Type HOST VMK TARGET [netstack]", severity="warning")
            return
        test = MtuTest(
            host=words[0],
            vmk=words[1],
            target=words[2],
            netstack=words[3] if len(words) == 4 else "",
        )
        name = self.scope if self.scope != ALL_SETS else "adhoc"
        self.add_pair(test, name, event.input)

    @work(exclusive=True, group="mtu-add", exit_on_error=False)
    async def add_pair(self, test: MtuTest, name: str, box: Input) -> None:
        """Check the pair (host, vmk, netstack, target) before saving it: a pair the checks
        refuse is never saved, so it cannot stop its whole set from running later."""
        from vconsole.services.mtu import MtuInputError

        self._status(f"Checking {test.host} {_column(test)}...")
        try:
            await self.service.prepare([test])
        except MtuInputError as exc:
            self._status("Not saved. Nothing was sent: " + "; ".join(exc.problems))
            box.focus()
            return
        current = next((s for s in self.sets if s.name == name), TestSet(name))
        try:
            self.store.save_set(
                TestSet(name, (*current.tests, test), current.hosts, current.description)
            )
        except VconsoleError as exc:  # the pair is refused before it is saved, named
            self.notify(visible(str(exc)), title=exc.title, severity="error", markup=False)
            return
        box.value = ""
        box.display = False
        self.scope = name
        self._load_sets()
        self.matrix.focus()
        self.run_tests([test], f"{test.host} {_column(test)}")

    async def action_close_add(self) -> None:
        """Esc closes the add line when it is open, else goes back like everywhere else."""
        box = self.query_one("#mtu-add", Input)
        if box.display:
            box.display = False
            self.matrix.focus()
            return
        await self.app.run_action("back")

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield PaletteCommand("Run MTU set", "search every pair of this set", "run_scope")
        yield PaletteCommand("Run all MTU sets", "search every saved pair", "run_all")
        yield PaletteCommand("Add MTU pair", "HOST VMK TARGET to this set", "add_pair")


def _short(column: str) -> str:
    """Header text: `vmk1→peer` rather than `vmk1 -> peer`, so more columns fit in 80."""
    return column.replace(" -> ", "→")


def _column(t: MtuTest) -> str:
    return t.column


def _json_column(r: dict[str, Any]) -> str:
    label = r.get("label") or r.get("target", "")
    return f"{r.get('vmk') or 'auto'} -> {label}" + (" (v6)" if r.get("family") == "ipv6" else "")


def _same_pair(r: dict[str, Any], t: MtuTest) -> bool:
    return r.get("target") == t.target or r.get("label") == (t.label or t.target)
