"""`:lag` - LACP state of every host x LAG x vmnic, with verdicts and the evidence behind them.

Poll, render, reschedule: a refresh runs in a worker, the table takes a keyed diff, and the
next refresh is scheduled only after this one ended; polling pauses while a dialog is open or
the admin paused it. `enter` shows one host's raw output for a support case; `t` offers
`lacp timeout set` behind a confirmation (refused in read-only mode).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.base import PaletteCommand, RowDetailPane
from screens.lacp_dialogs import RawOutputScreen, TimeoutConfirm
from screens.pane_context import PaneContext
from screens.polling import PollingPane
from vconsole.models.lacp import LacpReport, LagPortRow, Verdict
from vconsole.textsafe import visible
from widgets.resource_table import Cell, ResourceColumn

if TYPE_CHECKING:
    from vconsole.services.lacp import LacpService
from widgets.verdict_style import verdict_cell

DEFAULT_INTERVAL_S = 30.0


class LacpScreen(PollingPane[LacpReport], RowDetailPane[LagPortRow]):
    """The estate's LAGs in one table; the line under it explains the selected row."""

    WRITE_ACTIONS = frozenset({"set_timeout"})

    CSS_PATH = "lacp.tcss"

    columns: ClassVar[tuple[ResourceColumn, ...]] = (
        ResourceColumn("host", "Host"),
        ResourceColumn("lag", "LAG"),
        ResourceColumn("vmnic", "NIC"),
        ResourceColumn("verdict", "Verdict"),
        ResourceColumn("state", "State"),
        ResourceColumn("flags", "L/P"),
        ResourceColumn("partner", "Partner"),
        ResourceColumn("key", "Key"),
        ResourceColumn("rx", "Rx"),
        ResourceColumn("tx", "Tx"),
        ResourceColumn("why", "Why"),
    )

    BINDINGS = [
        Binding(
            "r",
            "refresh_now",
            "Refresh",
            id="lacp.refresh",
            tooltip="Ask every host now, re-reading each host's LAG config too.",
        ),
        Binding(
            "p",
            "toggle_pause",
            "Pause",
            id="lacp.pause",
            tooltip="Pause or resume the automatic refresh.",
        ),
        Binding(
            "enter",
            "raw_output",
            "Raw",
            id="lacp.raw",
            tooltip="The selected host's esxcli output, for pasting into a support case.",
        ),
        Binding(
            "t",
            "set_timeout",
            "Timeout",
            id="lacp.timeout",
            tooltip="lacp timeout set on the selected LAG (asks first; refused in read-only).",
        ),
    ]

    def __init__(self, context: PaneContext, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        super().__init__()
        self.context = context
        self.interval_s = interval_s
        self.service = _build_service(context)
        self.report: LacpReport | None = None
        self._rows: dict[str, LagPortRow] = {}

    def compose_body(self) -> ComposeResult:
        yield from super().compose_body()
        with VerticalScroll(id="lacp-detail-box"):  # tab to it, then up/down
            yield Static("", id="lacp-detail", markup=False)
        yield Static("", id="lacp-status", markup=False)

    def on_mount(self) -> None:
        self.table.focus()
        if not self.service.hosts:
            self._status("No ESXi or replay targets in this profile: add one with :conn.")
            return
        self._status(f"Asking {len(self.service.hosts)} host(s)...")
        self.refresh_lacp()

    # -- refresh --------------------------------------------------------------------------
    @work(exclusive=True, group="lacp-refresh", exit_on_error=False)
    async def refresh_lacp(self, full: bool = False) -> None:
        progress = self.host_progress(len(self.service.hosts))
        self.show_report(await self.refreshed(self.service.refresh(progress, full=full)))

    def poll_refresh(self) -> None:
        self.refresh_lacp()

    def show_report(self, report: LacpReport) -> None:
        self.report = report
        self.post_findings("lacp", report.findings(), report.taken_at)
        self._rows = {row.key: row for row in report.rows}
        self.table.set_rows({row.key: _cells(row) for row in report.rows})
        self._show_detail()
        counts = {v: sum(1 for r in report.rows if r.verdict == v) for v in Verdict}
        parts = [f"{len(report.hosts)} hosts", f"{len(report.rows)} rows"]
        parts += [f"{n} {v.value}" for v, n in counts.items() if n and v != Verdict.OK]
        when = time.strftime("%H:%M:%S", time.localtime(report.taken_at))
        auto = "paused" if self.paused else f"auto {self.interval_s:g}s"
        line = f"{when} {report.duration_s:.1f}s - " + ", ".join(parts) + f" - {auto}"
        if report.vcenter_error:
            line += f" - vCenter: {report.vcenter_error}"
        self._status(line)

    def _status(self, text: str) -> None:
        self.query_one("#lacp-status", Static).update(text)

    # -- selection and detail ----------------------------------------------------------------
    def _show_detail(self) -> None:
        row = self.selected_row()
        detail = self.query_one("#lacp-detail", Static)
        if row is None:
            detail.update("")
            return
        lines = [" - ".join(x for x in (_row_title(row), self._lag_line(row)) if x)]
        for problem in row.problems:
            lines.append(f"{problem.severity.value.upper()}: {problem.text}")
            if problem.evidence:
                lines.append(f"  evidence: {problem.evidence}")
        if not row.problems:
            lines.append(row.summary)
        if row.port_state or row.partner_age:
            lines.append(
                f"port state {','.join(row.port_state) or '-'}; partner port state "
                f"{','.join(row.partner_port_state) or '-'}; partner age {row.partner_age or '-'}"
            )
        detail.update("\n".join(lines))

    def _lag_line(self, row: LagPortRow) -> str:
        """This LAG on this host (links bundled) and what vCenter configures for it."""
        if self.report is None or not row.lag_id:
            return ""
        parts = []
        health = next(
            (
                h
                for h in self.report.lags
                if (h.host, h.dvs, h.lag_id) == (row.host, row.dvs, row.lag_id)
            ),
            None,
        )
        if health is not None:
            parts.append(f"{health.bundled_links} of {health.configured_links} links bundled")
        vc = next(
            (v for v in self.report.vcenter_lags if (v.dvs, v.key) == (row.dvs, row.lag_id)), None
        )
        if vc is not None:
            bits = [
                vc.mode,
                f"{vc.uplink_count} ports" if vc.uplink_count else "",
                vc.load_balancing,
            ]
            if vc.timeout_mode:
                bits.append(f"timeout {vc.timeout_mode}")
            parts.append("vCenter: " + ", ".join(b for b in bits if b))
        return "; ".join(parts)

    # -- actions ------------------------------------------------------------------------------
    def action_refresh_now(self) -> None:
        self._status("Refreshing...")
        self.refresh_lacp(full=True)

    def action_raw_output(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self.app.push_screen(RawOutputScreen(row.host, self.service.transcript(row.host)))

    def action_set_timeout(self) -> None:
        row = self.selected_row()
        if row is None or not row.vmnic or not row.lag_id:
            self.notify("Select a LAG port row first.", severity="warning")
            return
        if self.context.read_only or getattr(self.app, "read_only", False):
            self.notify(
                "Read-only mode: lacp timeout set is refused.", title="Read-only", severity="error"
            )
            return
        suggested = "fast" if row.partner_flags.upper().startswith("F") else "slow"
        vc_lag = next(
            (
                v
                for v in (self.report.vcenter_lags if self.report else ())
                if v.dvs == row.dvs and v.key == row.lag_id
            ),
            None,
        )
        commands = {
            t: self.service.timeout_command(row.dvs, row.lag_id, t).line for t in ("slow", "fast")
        }

        def chosen(timeout: str | None) -> None:
            if timeout:
                self.apply_timeout(row, timeout)

        self.app.push_screen(
            TimeoutConfirm(
                row.host,
                row.lag or f"LAG {row.lag_id}",
                commands,
                suggested,
                vcenter_owns_timeout=bool(vc_lag and vc_lag.timeout_in_vcenter),
            ),
            chosen,
        )

    @work(exclusive=True, group="lacp-timeout", exit_on_error=False)
    async def apply_timeout(self, row: LagPortRow, timeout: str) -> None:
        await self.service.set_timeout(row.host, row.dvs, row.lag_id, timeout)
        self.notify(
            visible(f"{row.host}: LACP timeout of {row.lag or row.lag_id} set to {timeout}"),
            markup=False,
        )
        self.refresh_lacp(full=True)

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield from super().palette_commands()
        yield PaletteCommand("Refresh LACP", "ask every host now", "refresh_now")
        yield PaletteCommand("Raw output", "the selected host's esxcli output", "raw_output")
        if not self.context.read_only:
            yield PaletteCommand("Set LACP timeout", "lacp timeout set (asks first)", "set_timeout")


def _build_service(context: PaneContext) -> LacpService:
    from vconsole.services.lacp import LacpService

    hosts = context.target_names("esxi", "replay")
    vcenters = context.target_names("vcenter")
    return LacpService(context.manager, hosts, vcenters[0] if vcenters else None)


def _row_title(row: LagPortRow) -> str:
    return "/".join(x for x in (row.host, row.dvs, row.lag or row.lag_id, row.vmnic) if x)


def _count(value: int | None, delta: int | None) -> str | int:
    if value is None:
        return ""
    return f"{value} +{delta}" if delta else value


def _cells(row: LagPortRow) -> tuple[Cell, ...]:
    flags = f"{row.local_flags}/{row.partner_flags}" if row.local_flags or row.partner_flags else ""
    return (
        row.host,
        row.lag or row.lag_id,
        row.vmnic,
        verdict_cell(row.verdict),
        row.state,
        flags,
        row.partner_device_id,
        "" if row.partner_oper_key is None else row.partner_oper_key,
        _count(row.rx_lacpdus, row.rx_delta),
        _count(row.tx_lacpdus, row.tx_delta),
        row.summary,
    )
