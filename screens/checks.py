"""`:check` - the design checks: one row per check x object, the selected row's evidence, why it
matters and the fix (shown, never run) under the table.

Poll, render, reschedule as the other live panes; the checks read configuration, so the
automatic refresh is slow (five minutes). `f` shows only problems, `c` steps through the checks,
`enter` opens the selected host's raw esxcli output.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from screens.base import PaletteCommand, RowDetailPane
from screens.pane_context import PaneContext
from screens.polling import PollingPane
from screens.raw_output import RawOutputDialog
from vconsole.models.checks import CheckRow, ChecksReport
from vconsole.models.common import Verdict
from widgets.resource_table import Cell, ResourceColumn

if TYPE_CHECKING:
    from vconsole.services.checks import ChecksService
from widgets.verdict_style import VERDICT_STYLES, verdict_cell

DEFAULT_INTERVAL_S = 300.0


class ChecksRawOutput(RawOutputDialog, pane="checks"):
    """The selected host's answers to the checks' commands, for a support case."""


class ChecksScreen(PollingPane[ChecksReport], RowDetailPane[CheckRow]):
    """Every check's rows in one table, worst first within each check."""

    CSS_PATH = "checks.tcss"

    columns: ClassVar[tuple[ResourceColumn, ...]] = (
        ResourceColumn("verdict", "Verdict"),
        ResourceColumn("check", "Check"),
        ResourceColumn("object", "Object"),
        ResourceColumn("value", "Value"),
        ResourceColumn("text", "Finding"),
    )

    BINDINGS = [
        Binding("r", "refresh_now", "Refresh", id="checks.refresh",
                tooltip="Run every check now (hosts and vCenter)."),
        Binding("p", "toggle_pause", "Pause", id="checks.pause",
                tooltip="Pause or resume the automatic refresh."),
        Binding("f", "toggle_problems", "Problems", id="checks.problems",
                tooltip="Show only rows that are not ok, or every row."),
        Binding("c", "next_check", "Check", id="checks.next",
                tooltip="Show one check at a time: 1 multicast .. 6 drift, then all."),
        Binding("enter", "raw_output", "Raw", id="checks.raw",
                tooltip="The selected host's esxcli output, for pasting into a support case."),
    ]  # fmt: skip

    def __init__(self, context: PaneContext, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        super().__init__()
        self.context = context
        self.interval_s = interval_s
        self.service = _build_service(context)
        self.report: ChecksReport | None = None
        self.problems_only = False
        self.check_filter: str | None = None
        self._rows: dict[str, CheckRow] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("", id="checks-summary", markup=False)
        yield from super().compose_body()
        yield Static("", id="checks-detail", markup=False)
        yield Static("", id="checks-status", markup=False)

    def on_mount(self) -> None:
        self.table.sort_by(None)  # the service's order: check, then worst first
        self.table.focus()
        if not self.service.hosts and self.service.vcenter is None:
            self._status("No ESXi, replay or vCenter targets in this profile: add one with :conn.")
            return
        self._status(f"Checking {len(self.service.hosts)} host(s)...")
        self.run_checks()

    # -- refresh --------------------------------------------------------------------------
    @work(exclusive=True, group="checks-refresh", exit_on_error=False)
    async def run_checks(self) -> None:
        progress = self.host_progress(len(self.service.hosts))
        self.show_report(await self.refreshed(self.service.refresh(progress)))

    def poll_refresh(self) -> None:
        self.run_checks()

    def show_report(self, report: ChecksReport) -> None:
        self.report = report
        self.post_findings("checks", report.findings(), report.taken_at)
        self._fill()
        when = time.strftime("%H:%M:%S", time.localtime(report.taken_at))
        auto = "paused" if self.paused else f"auto {self.interval_s:g}s"
        line = f"{when} - {len(report.hosts)} hosts, {len(report.rows)} rows - {auto}"
        if report.vcenter_error:
            line += f" - vCenter: {report.vcenter_error}"
        self._status(line)

    def _fill(self) -> None:
        report = self.report
        if report is None:
            return
        shown = [
            r
            for r in report.rows
            if (not self.problems_only or r.verdict is not Verdict.OK)
            and (self.check_filter is None or r.check.id == self.check_filter)
        ]
        self._rows = {_key(r): r for r in shown}
        self.table.set_rows({key: _cells(r) for key, r in self._rows.items()})
        self._summary(report)
        self._show_detail()

    def _summary(self, report: ChecksReport) -> None:
        line = Text()
        for check in report.checks:
            rows = report.rows_of(check.id)
            worst = max((r.verdict for r in rows), key=lambda v: v.rank, default=Verdict.OK)
            problems = sum(1 for r in rows if r.verdict.rank >= Verdict.WARNING.rank)
            mark = f"{check.number} {check.id}" + (f" {problems}" if problems else "")
            style = VERDICT_STYLES[worst] + (" reverse" if check.id == self.check_filter else "")
            line.append(mark, style=style)
            line.append("  ")
        if self.problems_only:
            line.append("(problems only)", style="dim")
        self.query_one("#checks-summary", Static).update(line)

    def _status(self, text: str) -> None:
        self.query_one("#checks-status", Static).update(text)

    # -- selection and detail ----------------------------------------------------------------
    def _show_detail(self) -> None:
        row = self.selected_row()
        self.query_one("#checks-detail", Static).update(detail_text(row) if row else "")

    # -- actions ------------------------------------------------------------------------------
    def action_refresh_now(self) -> None:
        self._status("Checking...")
        self.run_checks()

    def action_toggle_problems(self) -> None:
        self.problems_only = not self.problems_only
        self._fill()

    def action_next_check(self) -> None:
        ids = [c.id for c in self.report.checks] if self.report else []
        if not ids:
            return
        at = ids.index(self.check_filter) + 1 if self.check_filter in ids else 0
        self.check_filter = ids[at] if at < len(ids) else None
        self._fill()

    def action_raw_output(self) -> None:
        row = self.selected_row()
        host = row.finding.subject.host if row else ""
        if not host:
            self.notify("Select a host row: vCenter rows have no esxcli output.", timeout=3)
            return
        self.app.push_screen(ChecksRawOutput(host, self.service.transcript(host)))

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield from super().palette_commands()
        yield PaletteCommand(
            "Run checks", "every check on every host and the vCenter", "refresh_now"
        )
        yield PaletteCommand("Problems only", "hide the rows that are ok", "toggle_problems")
        yield PaletteCommand("Next check", "one check at a time", "next_check")
        yield PaletteCommand("Raw output", "the selected host's esxcli output", "raw_output")


def _build_service(context: PaneContext) -> ChecksService:
    from vconsole.services.checks import ChecksService
    from vconsole.services.checks_network import DEFAULT_NLB_PATTERNS

    hosts = context.target_names("esxi", "replay")
    vcenters = context.target_names("vcenter")
    nlb = tuple(getattr(context.profile, "nlb_portgroups", ()) or ()) or DEFAULT_NLB_PATTERNS
    return ChecksService(
        context.manager, hosts, vcenters[0] if vcenters else None, nlb_patterns=nlb
    )


def _key(row: CheckRow) -> str:
    return f"{row.check.id}|{row.finding.subject.key}|{row.finding.code}"


def _cells(row: CheckRow) -> tuple[Cell, ...]:
    return (
        verdict_cell(row.verdict),
        f"{row.check.number} {row.check.id}",
        row.finding.subject.label,
        row.value,
        row.finding.text,
    )


def detail_text(row: CheckRow) -> str:
    """What the admin needs to act, most needed first: the finding, the fix, its evidence, why."""
    lines = [f"{row.verdict.value.upper()} {row.finding.subject.label}: {row.finding.text}"]
    if row.fix:
        lines.append(f"fix (shown, not run): {row.fix}")
    if row.finding.evidence:
        lines.append(f"evidence: {row.finding.evidence}")
    if row.verdict is not Verdict.OK:
        lines.append(f"why: {row.check.why}")
    return "\n".join(textwrap.shorten(line, 400, placeholder=" ...") for line in lines)
