"""`:path` - multipathing across hosts: hosts, then a host's devices, then a device's paths.

`enter` drills down (host -> devices -> paths), `a` shows the selected device's paths on every
host that sees it, `esc` goes back up. Poll, render, reschedule: a refresh runs in a worker,
each table takes a keyed diff, and the next refresh is scheduled after this one ended (every
20 s, the realtime sample interval); polling pauses while a dialog is open or when paused.
`t` changes a device's Round Robin sub-policy behind a confirmation (refused read-only).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import ContentSwitcher, DataTable, Static

from screens.base import PaletteCommand, TablePane
from screens.pane_context import PaneContext
from screens.paths_cells import (
    DEVICE_COLUMNS,
    HOST_COLUMNS,
    PATH_COLUMNS,
    device_cells,
    device_detail,
    host_cells,
    path_cells,
    path_detail,
    problem_lines,
    short_device,
)
from screens.paths_dialogs import PathsRawOutput, RoundRobinConfirm
from screens.polling import PollingPane
from vconsole.models.paths import DeviceInfo, PathRow, PathsReport, Verdict
from widgets.filter_bar import FilterBar
from widgets.resource_table import ResourceTable

if TYPE_CHECKING:
    from vconsole.services.paths import PathsService

DEFAULT_INTERVAL_S = 20.0
LEVELS = ("hosts", "devices", "paths")


class PathsScreen(PollingPane[PathsReport], TablePane):
    """Three tables in one pane; the line under them explains the selected row."""

    WRITE_ACTIONS = frozenset({"set_rr"})

    CSS_PATH = "paths.tcss"

    BINDINGS = [
        Binding("escape", "up", "Up", id="paths.up", tooltip="Back up one level (or pane)."),
        Binding(
            "a",
            "across",
            "Across",
            id="paths.across",
            tooltip="The selected device's paths on every host that sees it.",
        ),
        Binding(
            "r",
            "refresh_now",
            "Refresh",
            id="paths.refresh",
            tooltip="Ask every host and vCenter now, re-reading the multipath layout.",
        ),
        Binding(
            "p", "toggle_pause", "Pause", id="paths.pause", tooltip="Pause the automatic refresh."
        ),
        Binding(
            "o",
            "raw_output",
            "Raw",
            id="paths.raw",
            tooltip="The selected host's esxcli output, for pasting into a support case.",
        ),
        Binding(
            "t",
            "set_rr",
            "RR type",
            id="paths.rr",
            tooltip="Change the selected device's Round Robin sub-policy (asks; read-only refuses).",
        ),
    ]

    def __init__(self, context: PaneContext, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        super().__init__()
        self.context = context
        self.interval_s = interval_s
        self.service = _build_service(context)
        self.report: PathsReport | None = None
        self.level = "hosts"
        self.focus_host = ""
        self.focus_device = ""
        self.across = False

    def compose_body(self) -> ComposeResult:
        yield Static("", id="paths-crumbs", markup=False)
        with ContentSwitcher(initial="paths-hosts", id="paths-levels"):
            yield ResourceTable(HOST_COLUMNS, id="paths-hosts")
            yield ResourceTable(DEVICE_COLUMNS, id="paths-devices")
            yield ResourceTable(PATH_COLUMNS, id="paths-paths")
        yield FilterBar(id="filter")
        yield Static("", id="paths-detail", markup=False)
        yield Static("", id="paths-status", markup=False)

    @property
    def table(self) -> ResourceTable:
        return self.query_one(f"#paths-{self.level}", ResourceTable)

    def on_mount(self) -> None:
        self.table.focus()
        self._crumbs()
        if not self.service.hosts and not self.service.vcenter:
            self._status("No ESXi, replay or vCenter targets in this profile: add one with :conn.")
            return
        self._status(f"Asking {len(self.service.hosts)} host(s)...")
        self.refresh_paths()

    # -- refresh --------------------------------------------------------------------------
    @work(exclusive=True, group="paths-refresh", exit_on_error=False)
    async def refresh_paths(self, full: bool = False) -> None:
        progress = self.host_progress(len(self.service.hosts))
        self.show_report(await self.refreshed(self.service.refresh(progress, full=full)))

    def poll_refresh(self) -> None:
        self.refresh_paths()

    def show_report(self, report: PathsReport) -> None:
        self.report = report
        self.post_findings("paths", report.findings(), report.taken_at)
        self._fill()
        counts = {v: sum(1 for r in report.rows if r.verdict == v) for v in Verdict}
        paths = sum(1 for r in report.rows if r.path or r.uid)
        parts = [f"{len(report.hosts)} hosts", f"{paths} paths"]
        parts += [f"{n} {v.value}" for v, n in counts.items() if n and v != Verdict.OK]
        when = time.strftime("%H:%M:%S", time.localtime(report.taken_at))
        auto = "paused" if self.paused else f"every {self.interval_s:g} s"
        line = f"{when} in {report.duration_s:.1f} s - " + ", ".join(parts) + f" - refresh {auto}"
        for note in report.notes:
            line += f" - {note}"
        self._status(line)

    def _fill(self) -> None:
        report = self.report
        if report is None:
            return
        if self.level == "hosts":
            self.table.set_rows(host_cells(report))
        elif self.level == "devices":
            self.table.set_rows(device_cells(report.host_devices(self.focus_host)))
        else:
            self.table.set_rows(path_cells(self._path_rows()))
        self._show_detail()

    def _path_rows(self) -> list[PathRow]:
        if self.report is None:
            return []
        if self.across:
            return self.report.device_rows(self.focus_device)
        return [
            r
            for r in self.report.rows
            if r.host == self.focus_host and r.device == self.focus_device
        ]

    def _status(self, text: str) -> None:
        self.query_one("#paths-status", Static).update(text)

    def _crumbs(self) -> None:
        parts = ["hosts"]
        if self.level != "hosts" and not self.across:
            parts.append(self.focus_host)
        if self.level == "paths":
            device = short_device(self.focus_device)
            parts.append(f"{device} on every host" if self.across else device)
        hint = {"hosts": "enter: devices", "devices": "enter: paths  a: across hosts"}.get(
            self.level, "esc: up  t: RR sub-policy"
        )
        self.query_one("#paths-crumbs", Static).update(" > ".join(parts) + f"   ({hint})")

    # -- navigation -------------------------------------------------------------------------
    def _go(self, level: str) -> None:
        self.level = level
        self.query_one("#paths-levels", ContentSwitcher).current = f"paths-{level}"
        self.table.set_filter(self.query_one("#filter", FilterBar).current)
        self._crumbs()
        self._fill()
        self.table.focus()

    def selected_device(self) -> DeviceInfo | None:
        report, key = self.report, self.table.cursor_key
        if report is None or key is None:
            return None
        if self.level == "devices":
            return next((d for d in report.devices if d.key == key), None)
        row = self.selected_path()
        if row is None or not row.device:
            return None
        return next(
            (d for d in report.devices if d.host == row.host and d.device == row.device), None
        )

    def selected_path(self) -> PathRow | None:
        if self.level != "paths" or self.report is None:
            return None
        key = self.table.cursor_key
        return next((r for r in self.report.rows if r.key == key), None)

    def selected_host(self) -> str:
        if self.level == "hosts":
            return self.table.cursor_key or ""
        row = self.selected_path()
        return row.host if row is not None else self.focus_host

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = self.table.cursor_key
        if key is None:
            return
        if self.level == "hosts":
            self.focus_host = key
            self._go("devices")
        elif self.level == "devices":
            device = self.selected_device()
            if device is not None:
                self.focus_device, self.across = device.device, False
                self._go("paths")

    async def action_up(self) -> None:
        if self.level == "paths":
            self.across = False
            self._go("devices")
        elif self.level == "devices":
            self._go("hosts")
        else:
            await self.app.run_action("back")

    def action_across(self) -> None:
        device = self.selected_device()
        if device is None:
            self.notify("Select a device or a path first.", severity="warning")
            return
        self.focus_device, self.focus_host, self.across = device.device, device.host, True
        self._go("paths")

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    @on(FilterBar.FilterChanged)
    def _filtered(self) -> None:
        self.call_after_refresh(self._show_detail)  # after the base screen has applied it

    def _show_detail(self) -> None:
        detail = self.query_one("#paths-detail", Static)
        lines: list[str] = []
        if self.level == "paths":
            row = self.selected_path()
            lines = path_detail(row) if row is not None else []
        elif self.level == "devices":
            device = self.selected_device()
            lines = device_detail(device) if device is not None else []
        elif self.report is not None and self.table.cursor_key:
            host = self.report.host(self.table.cursor_key)
            rows = [r for r in self.report.rows if r.host == self.table.cursor_key]
            devices = self.report.host_devices(self.table.cursor_key)
            found = [p for r in rows for p in r.problems] + [p for d in devices for p in d.problems]
            problems = tuple({(p.code, p.text): p for p in found}.values())
            lines = problem_lines(problems)
            if host is not None and host.error and not lines:
                lines = [host.error]
        if not lines and not self.table.visible_keys:
            lines = [self._why_empty()]
        detail.update("\n".join(lines))

    def _why_empty(self) -> str:
        """An empty table says why: a filter hides every row, or there is nothing to list."""
        if self.report is None:
            return "Reading the multipath layout..."
        if self.table.all_keys:
            return "No row matches the filter (/ to change it, esc in the filter to clear it)."
        if self.level == "hosts":
            return "No ESXi host: the profile lists none and its vCenter reported none."
        if self.level == "devices":
            host = self.report.host(self.focus_host)
            why = f": {host.error}" if host is not None and host.error else ""
            return (
                f"{self.focus_host} has no storage device under native multipathing (NMP)"
                f"{why}. Local-only or unclaimed disks are not listed."
            )
        return f"No path to {short_device(self.focus_device)} was read."

    # -- actions ------------------------------------------------------------------------------
    def action_refresh_now(self) -> None:
        self._status("Refreshing (multipath layout and latency window re-read)...")
        self.refresh_paths(full=True)

    def action_raw_output(self) -> None:
        host = self.selected_host()
        if host:
            self.app.push_screen(PathsRawOutput(host, self.service.transcript(host)))

    def action_set_rr(self) -> None:
        device = self.selected_device()
        if device is None or device.psp != "VMW_PSP_RR":
            self.notify("Select a device on VMW_PSP_RR first.", severity="warning")
            return
        if self.context.read_only or getattr(self.app, "read_only", False):
            self.notify(
                "Read-only mode: deviceconfig set is refused.", title="Read-only", severity="error"
            )
            return
        host = self.report.host(device.host) if self.report else None
        commands = {t: self.service.rr_command(device.device, t).line for t in ("latency", "iops")}

        def chosen(kind: str | None) -> None:
            if kind:
                self.apply_rr(device.host, device.device, kind)

        self.app.push_screen(
            RoundRobinConfirm(
                device.host,
                device.device,
                device.rr.describe() if device.rr else "",
                commands,
                device.rr_type,
                latency_switch_off=bool(host and host.psp_latency_policy_enabled is False),
            ),
            chosen,
        )

    @work(exclusive=True, group="paths-rr", exit_on_error=False)
    async def apply_rr(self, host: str, device: str, kind: str) -> None:
        _, config = await self.service.set_rr_type(host, device, kind)
        self.notify(f"{host}: {device} now Round Robin by {config.policy or kind}", markup=False)
        self.refresh_paths()

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield from super().palette_commands()
        yield PaletteCommand("Refresh multipathing", "ask every host now", "refresh_now")
        yield PaletteCommand("Device across hosts", "its paths on every host", "across")
        yield PaletteCommand("Raw output", "the selected host's esxcli output", "raw_output")
        if not self.context.read_only:
            yield PaletteCommand("Set RR sub-policy", "deviceconfig set (asks first)", "set_rr")


def _build_service(context: PaneContext) -> PathsService:
    from vconsole.services.paths import PathsService

    hosts = context.target_names("esxi", "replay")
    vcenters = context.target_names("vcenter")
    return PathsService(context.manager, hosts, vcenters[0] if vcenters else None)
