"""Base screens every pane builds on: header line, footer, worker-failure reporting, filter line.

A pane subclasses `ConsoleScreen` (free layout) or `TablePane` (a ResourceTable with `/`
filtering) and implements `compose_body()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from vconsole.textsafe import visible
from widgets.console_header import ConsoleHeader, HeaderInfo
from widgets.filter_bar import NO_FILTER, FilterBar
from widgets.resource_table import ResourceColumn, ResourceTable

if TYPE_CHECKING:
    from vconsole.models.findings import Finding, Subject

__all__ = [
    "ConsoleHeader",
    "ConsoleScreen",
    "Footer",
    "PaletteCommand",
    "RowDetailPane",
    "Static",
    "TablePane",
    "report_worker_failure",
]


@dataclass(frozen=True)
class PaletteCommand:
    """An entry the command palette offers while this screen is active."""

    title: str
    help: str
    action: str
    """An action string run on the screen, e.g. `"test_target"` or `"app.jump('mtu')"`."""


def error_title(error: BaseException) -> str:
    """The dialog title of a typed console error, or the exception's class name."""
    return str(getattr(error, "title", "") or type(error).__name__)


def report_worker_failure(screen: Screen[None], event: Worker.StateChanged) -> None:
    """The one place a failed background call becomes an error notification.

    Server text may contain square brackets or control characters: never markup, always shown.
    """
    if event.state != WorkerState.ERROR:
        return
    error = event.worker.error
    if error is None:
        return
    screen.notify(
        visible(str(error), keep_newlines=True),
        title=error_title(error),
        severity="error",
        markup=False,
        timeout=8,
    )


def filter_binding(
    tooltip: str = "Filter rows by regex across all columns; a leading ! excludes matches.",
    *,
    show: bool = True,
    binding_id: str = "pane.filter",
) -> Binding:
    """`/` opens the pane's filter line; one id on every pane, so one keymap entry moves it."""
    return Binding(
        "slash", "open_filter", "Filter", key_display="/", id=binding_id, show=show, tooltip=tooltip
    )


class ConsoleScreen(Screen[None]):
    """Header + body + footer; failures of this screen's workers turn into notifications."""

    BINDINGS = [
        Binding(
            "escape",
            "escape",
            "Back",
            id="app.back",
            show=False,  # the same on every pane; listed under `?`
            tooltip="Clear the filter if one is set, else go back to the previous pane.",
        ),
    ]

    pane_alias: str = ""
    """Canonical alias of the pane this screen shows; the app sets it when it opens the pane."""

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()
    """Actions that change the estate: hidden (footer, `?`) and refused in read-only mode."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITE_ACTIONS and getattr(self.app, "read_only", False):
            return False
        return True

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self._header_info())
        yield from self.compose_body()
        # compact, without the palette hint: at 80 columns the pane's own keys come first;
        # `?` lists every key, ctrl+p still opens the palette
        yield Footer(compact=True, show_command_palette=False)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def _header_info(self) -> HeaderInfo:
        info = getattr(self.app, "header_info", None)
        return info if isinstance(info, HeaderInfo) else HeaderInfo()

    def palette_commands(self) -> Iterable[PaletteCommand]:
        """Commands that make sense on this screen; panes override to offer their actions."""
        return ()

    async def action_escape(self) -> None:
        """Esc clears an active filter first; only then does it leave the pane."""
        for bar in self.query(FilterBar):
            if bar.current != NO_FILTER or bar.has_class("-open"):
                bar.action_clear()
                return
        await self.app.run_action("back")

    def focus_subject(self, subject: Subject, tries: int = 50) -> None:
        """Put the cursor on a finding's object (the triage pane's `enter`), once this pane is
        mounted and its tables have rows; panes with their own levels override this."""
        tables = list(self.query(ResourceTable)) if self.is_mounted else []
        if not tables:
            if tries:
                self.set_timer(0.1, lambda: self.focus_subject(subject, tries - 1))
            return
        words = [subject.name, *(value for _, value in subject.fields)]
        for table in tables:
            table.focus_best(subject.host, words)

    def post_findings(self, source: str, findings: Iterable[Finding], taken_at: float) -> None:
        """Hand this pane's latest findings to the app's findings board (the triage pane)."""
        board = getattr(self.app, "findings_board", None)
        if board is not None:
            from vconsole.services.triage import SourceReading

            board.post(SourceReading(source, tuple(findings), taken_at))

    def target_states_changed(self) -> None:
        """Called by the app when a target's health changed (the header is already updated)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)


class TablePane(ConsoleScreen):
    """A pane whose body is one ResourceTable with the `/` filter line under it."""

    BINDINGS = [filter_binding()]

    columns: ClassVar[tuple[ResourceColumn, ...]] = ()

    def compose_body(self) -> ComposeResult:
        yield ResourceTable(self.columns, id="resources")
        yield FilterBar(id="filter")

    @property
    def table(self) -> ResourceTable:
        return self.query_one("#resources", ResourceTable)

    def action_open_filter(self) -> None:
        self.query_one("#filter", FilterBar).open()

    @on(FilterBar.FilterChanged)
    def _filter_changed(self, event: FilterBar.FilterChanged) -> None:
        self.table.set_filter(event.row_filter)
        event.filter_bar.show_matches(len(self.table.visible_keys), len(self.table.all_keys))

    @on(FilterBar.Closed)
    def _filter_closed(self) -> None:
        self.table.focus()

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield PaletteCommand(
            "Filter rows", "regex over all columns, !regex excludes", "open_filter"
        )


RowT = TypeVar("RowT")


class RowDetailPane(TablePane, Generic[RowT]):
    """A TablePane whose table rows stand for report rows (`_rows`, by table key): the row
    under the cursor is explained under the table, and `enter` opens its host's raw output."""

    _rows: dict[str, RowT]

    def selected_row(self) -> RowT | None:
        key = self.table.cursor_key
        return self._rows.get(key) if key else None

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    @on(FilterBar.FilterChanged)
    def _refiltered(self) -> None:
        # a filter that hides every row highlights none: the detail must not explain a hidden row
        self.call_after_refresh(self._show_detail)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_raw_output()

    def _show_detail(self) -> None:
        """Explain `selected_row()` in the pane's detail line."""
        raise NotImplementedError

    def action_raw_output(self) -> None:
        """Show the selected row's host output as sent."""
        raise NotImplementedError
