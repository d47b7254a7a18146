"""`:triage` - what is wrong, and where: every pane's findings, worst first, then newest.

Each registered source is read in the background at its own cadence and posted to the app's
findings board (the panes post to it too when they refresh), so rows appear and clear live.
Rows are grouped by site / cluster / host with counts; a target that could not be read is one
line. `enter` opens the pane that shows the object, with the cursor on it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import DataTable, Static

from screens.base import ConsoleScreen, filter_binding
from screens.pane_context import PaneContext
from vconsole.models.common import Verdict
from vconsole.models.findings import Finding, SubjectKind
from vconsole.services.triage import (
    SOURCES,
    FindingsBoard,
    FindingSource,
    SourceReader,
    Triage,
    read_with,
    source_named,
)
from vconsole.text_fit import clip_words
from widgets.filter_bar import FilterBar, RowFilter
from widgets.lean_table import LeanDataTable
from widgets.resource_table import cursor_cell_keys
from widgets.verdict_style import verdict_cell

if TYPE_CHECKING:
    from vconsole.models.findings import Finding as _Finding
    from vconsole.services.triage import Group, Unreadable

    TriageItem = Unreadable | Group | _Finding  # what a row of the table stands for
    from widgets.resource_table import Cell


FIXED = (("sev", "Sev", 8), ("object", "Object", 20))
OBJECT_WIDTH = 20


def object_name(f: Finding) -> str:
    """The object in the admin's words: `vmnic3`, `LAG lag1`, `naa..684a52`, `vmk0 -> witness`."""
    s = f.subject
    if s.kind is SubjectKind.LAG:
        return f"LAG {s.name}"
    if s.kind is SubjectKind.DEVICE and len(s.name) > 14:
        return f"{s.name[:4]}..{s.name[-8:]}"
    return s.name or s.label


def _fit(text: str) -> str:
    """An object cell: a long single word keeps its tail, where names differ."""
    if len(text) <= OBJECT_WIDTH or " " in text.strip():
        return clip_words(text, OBJECT_WIDTH)
    return "…" + text[-(OBJECT_WIDTH - 1) :]


def app_board(app: object) -> FindingsBoard:
    """The app's one findings board, made on first use."""
    board = getattr(app, "findings_board", None)
    if not isinstance(board, FindingsBoard):
        board = FindingsBoard()
        setattr(app, "findings_board", board)  # noqa: B010 (any App: only the console has one)
    return board


class TriageScreen(ConsoleScreen):
    """The home pane: one list of findings across every pane, worst first."""

    CSS_PATH = "triage.tcss"

    BINDINGS = [
        Binding("enter", "open_object", "Open", id="triage.open",
                tooltip="Open the pane that shows this object, with the cursor on it."),
        filter_binding("Filter findings by regex (severity, host, object, pane, text)."),
        Binding("r", "refresh_now", "Refresh", id="triage.refresh",
                tooltip="Read every source now."),
        Binding("p", "toggle_pause", "Pause", id="triage.pause",
                tooltip="Pause or resume the background reads."),
        Binding("a", "toggle_ok", "All", id="triage.all",
                tooltip="Show ok findings too (hidden by default)."),
    ]  # fmt: skip

    def __init__(self, context: PaneContext, sources: tuple[FindingSource, ...] = SOURCES):
        super().__init__()
        self.context = context
        self.sources = sources
        self.readers: dict[str, SourceReader] = {}
        self.timers: dict[str, Timer] = {}
        self.paused = False
        self.show_ok = False
        self.pattern: re.Pattern[str] | None = None
        self.negate = False
        self.triage: Triage | None = None
        self.rows: dict[str, tuple[TriageItem, tuple[Cell, ...]]] = {}
        self.board = FindingsBoard()
        self.shown: dict[str, str] = {}  # widget id -> text it shows

    def compose_body(self) -> ComposeResult:
        table: LeanDataTable[Cell] = LeanDataTable(id="triage-table", cursor_type="row")
        yield table
        yield Static("", id="triage-detail", markup=False)
        yield Static("", id="triage-status", markup=False)
        yield FilterBar(id="filter")

    @property
    def table(self) -> DataTable[Cell]:
        return self.query_one("#triage-table", DataTable)

    def on_mount(self) -> None:
        self.board = app_board(self.app)
        self.board.listeners.append(self.show_board)
        for key, label, width in FIXED:
            self.table.add_column(label, key=key, width=width)
        self.table.add_column("Finding", key="text", width=self._text_width())
        self.table.focus()
        self.show_board()
        for source in self.sources:
            self._read_later(source, 0.0)

    def on_unmount(self) -> None:
        if self.show_board in self.board.listeners:
            self.board.listeners.remove(self.show_board)

    def _text_width(self) -> int:
        fixed = sum(w + 2 for _, _, w in FIXED)
        return max(20, (self.size.width or self.app.size.width) - fixed - 4)

    def on_resize(self) -> None:
        column = self.table.columns.get("text")  # type: ignore[call-overload]
        if column is not None and column.width != self._text_width():
            column.width = self._text_width()
            self.show_board()

    # -- background reads -------------------------------------------------------------------
    def _read_later(self, source: FindingSource, delay: float) -> None:
        old = self.timers.pop(source.name, None)
        if old is not None:
            old.stop()
        self.timers[source.name] = self.set_timer(max(delay, 0.05), lambda: self._due(source))

    def _due(self, source: FindingSource) -> None:
        if self.paused:
            self._read_later(source, source.interval_s)
            return
        self.read_source(source)

    @work(group="triage-read", exit_on_error=False)
    async def read_source(self, source: FindingSource) -> None:
        reader = self.readers.get(source.name)
        try:
            if reader is None:
                reader = source.reader(self.context.manager, self.context.profile)
                self.readers[source.name] = reader
            reading = await read_with(source, reader)
            self.board.post(reading)
        finally:
            self._read_later(source, source.interval_s)

    def action_refresh_now(self) -> None:
        for source in self.sources:
            self._read_later(source, 0.0)
        self.notify("Reading every source now", timeout=2)

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self.notify("Background reads paused" if self.paused else "Background reads resumed")
        self.show_board()

    def action_toggle_ok(self) -> None:
        self.show_ok = not self.show_ok
        self.show_board()

    # -- showing ----------------------------------------------------------------------------
    def show_board(self) -> None:
        if not self.is_mounted:
            return
        triage = self.board.triage(self.pattern, show_ok=self.show_ok, negate=self.negate)
        self.triage = triage
        self._fill(triage)
        self._status(triage)
        self._show_detail()

    def _fill(self, triage: Triage) -> None:
        width = self._text_width()
        rows: dict[str, tuple[TriageItem, tuple[Cell, ...]]] = {}
        for u in triage.unreadable:
            sev = verdict_cell(Verdict.ERROR)
            n = len(u.sources)
            why = f"{n} pane{'s' if n != 1 else ''} ha{'ve' if n != 1 else 's'} no data: {u.text}"
            rows[f"u|{u.target}"] = (u, (sev, _fit(u.target), clip_words(why, width)))
        for g in triage.groups:
            worst = verdict_cell(g.worst, extra="reverse")
            label = Text(_fit(g.host or g.cluster or g.site or "(no host)"), style="bold")
            where = " / ".join(x for x in (g.cluster if g.host else "", g.site) if x)
            counts = g.count_text() + (f" — {where}" if where else "")
            rows[f"g|{g.label}"] = (g, (worst, label, clip_words(counts, width)))
            for f in g.findings:
                sev = verdict_cell(f.severity)
                obj = _fit(" " + object_name(f))
                rows[f"f|{f.key}"] = (f, (sev, obj, clip_words(f.text, width)))
        if list(rows) == list(self.rows):
            self._update_cells(rows)
            return
        cursor = self._cursor_key()
        table = self.table
        with self.app.batch_update():
            table.clear()
            for key, (_, cells) in rows.items():
                table.add_row(*cells, key=key)
            self.rows = rows
            if cursor in rows:
                table.move_cursor(row=list(rows).index(cursor), animate=False)
            elif rows:
                table.move_cursor(row=0, animate=False)

    def _update_cells(self, rows: dict[str, tuple[TriageItem, tuple[Cell, ...]]]) -> None:
        """Same rows in the same order: change only the cells whose text moved. Clearing and
        refilling would drop every row object on each read, garbage the console then carries
        until a full collection."""
        columns = [key for key, _, _ in FIXED] + ["text"]
        table = self.table
        with self.app.batch_update():
            for key, (_, cells) in rows.items():
                for column, old, new in zip(columns, self.rows[key][1], cells, strict=True):
                    if old != new:
                        table.update_cell(key, column, new)
        self.rows = rows

    def _cursor_key(self) -> str | None:
        keys = cursor_cell_keys(self.table)
        return None if keys is None or keys[0].value is None else str(keys[0].value)

    def _status(self, triage: Triage) -> None:
        counts: dict[str, int] = {}
        for f in triage.findings:
            counts[f.severity.value] = counts.get(f.severity.value, 0) + 1
        order = ("error", "critical", "warning", "info", "ok")
        parts = [f"{counts[s]} {s}" for s in order if s in counts] or ["nothing to report"]
        read = len(self.board.readings)
        parts.append(f"{read}/{len(self.sources)} sources read")
        if triage.hidden_ok:
            parts.append(f"{triage.hidden_ok} ok hidden (a)")
        if self.paused:
            parts.append("paused")
        self._show_text("triage-status", ", ".join(parts))

    def _show_text(self, widget_id: str, text: str) -> None:
        """Update a line only when its text changes: a board read again unchanged repaints nothing."""
        if self.shown.get(widget_id) != text:
            self.shown[widget_id] = text
            self.query_one(f"#{widget_id}", Static).update(text)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        item = self.rows.get(self._cursor_key() or "", (None,))[0]
        text = ""
        if isinstance(item, Finding):
            where = " ".join(x for x in (item.subject.site, item.subject.cluster) if x)
            lines = [f"{item.severity.value.upper()} {item.subject.label} [{item.source}]: "
                     f"{item.text}"]  # fmt: skip
            if item.evidence:
                lines.append(f"evidence: {item.evidence}")
            if where:
                lines.append(f"in {where}; code {item.code}")
            text = "\n".join(lines)
        elif item is not None and hasattr(item, "line"):
            text = item.line
        elif item is not None:
            text = f"{item.label}: {item.count_text()}"
        self._show_text("triage-detail", text)

    # -- jumping ------------------------------------------------------------------------------
    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_object()

    def action_open_object(self) -> None:
        item = self.rows.get(self._cursor_key() or "", (None,))[0]
        finding: Finding | None = None
        if isinstance(item, Finding):
            finding = item
        elif item is not None:
            found = getattr(item, "findings", ())
            finding = found[0] if found else None
        if finding is None:
            return
        source = source_named(finding.source)
        alias = source.pane if source is not None and source.pane else ""
        if not alias:
            self.notify(f"No pane shows {finding.source} findings.", severity="warning")
            return
        opened = getattr(self.app, "open_on", None)
        if callable(opened):
            opened(alias, finding.subject)
        else:
            self.app.call_later(self.app.jump, alias)  # type: ignore[attr-defined]

    # -- filter -------------------------------------------------------------------------------
    def action_open_filter(self) -> None:
        self.query_one("#filter", FilterBar).open()

    @on(FilterBar.FilterChanged)
    def _filter_changed(self, event: FilterBar.FilterChanged) -> None:
        self.pattern, self.negate = event.pattern, event.negate
        self.show_board()

    @on(FilterBar.Closed)
    def _filter_closed(self) -> None:
        self.table.focus()

    def filter_active(self) -> RowFilter:
        return self.query_one("#filter", FilterBar).current
