"""`:gpu` - the Bitfusion GPU pool: how full it is, who holds what, which server is unhealthy.

Poll, render, reschedule: a refresh runs in a worker, the tables take keyed diffs, and the next
refresh is scheduled only after this one ended; polling pauses while a dialog is open or the
admin paused it. A failed refresh keeps the last good pool on screen and says why above it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from screens.base import ConsoleScreen, PaletteCommand, filter_binding
from screens.lacp_dialogs import RawOutputScreen
from screens.pane_context import PaneContext
from screens.polling import PollingPane
from vconsole.models.gpus import Allocation, Gpu, GpuProblem, PoolReport, PoolServer, ServerState
from widgets.bar import usage_bar
from widgets.filter_bar import FilterBar
from widgets.plot import UsagePlot
from widgets.resource_table import Cell, ResourceColumn, ResourceTable

if TYPE_CHECKING:
    from vconsole.services.gpus import GpuPoolService
from widgets.verdict_style import verdict_cell

DEFAULT_INTERVAL_S = 10.0
STATE_STYLES = {
    ServerState.UP: "green",
    ServerState.UNREACHABLE: "bold red",
    ServerState.GONE: "dim",
}

SERVER_COLUMNS = (
    ResourceColumn("server", "Server"),
    ResourceColumn("used", "Allocated"),
    ResourceColumn("gpus", "GPUs"),
    ResourceColumn("address", "Address"),
    ResourceColumn("version", "Version"),
    ResourceColumn("host", "Host"),
    ResourceColumn("nic", "NIC Gb/s"),
)
GPU_COLUMNS = (
    ResourceColumn("server", "Server"),
    ResourceColumn("gpu", "GPU"),
    ResourceColumn("used", "Allocated"),
    ResourceColumn("mem", "GiB used/total"),
    ResourceColumn("clients", "Clients"),
    ResourceColumn("model", "Model"),
)
ALLOCATION_COLUMNS = (
    ResourceColumn("client", "Client"),
    ResourceColumn("server", "Server"),
    ResourceColumn("gpu", "GPU"),
    ResourceColumn("mib", "MiB"),
    ResourceColumn("fraction", "Share"),
    ResourceColumn("since", "Since"),
)
CHECK_COLUMNS = (
    ResourceColumn("severity", "Severity"),
    ResourceColumn("subject", "Subject"),
    ResourceColumn("text", "Finding"),
)


class GpusScreen(PollingPane[PoolReport], ConsoleScreen):
    """Pool summary and utilisation plot on top; GPUs, allocations and checks in tabs."""

    CSS_PATH = "gpus.tcss"

    BINDINGS = [
        filter_binding("Filter the rows of every tab by regex; a leading ! excludes matches."),
        Binding("r", "refresh_now", "Refresh", id="gpus.refresh", tooltip="Ask the client now."),
        Binding(
            "p",
            "toggle_pause",
            "Pause",
            id="gpus.pause",
            tooltip="Pause or resume the automatic refresh.",
        ),
        Binding(
            "o",
            "raw_output",
            "Raw",
            id="gpus.raw",
            tooltip="The client's bitfusion output of the last refresh, for a support case.",
        ),
        Binding(
            "v",
            "show_tab('servers')",
            "Servers",
            id="gpus.tab_servers",
            show=False,  # the tab titles say where they lead; `?` lists the key
            tooltip="Servers: state, address, version, host and NIC.",
        ),
        Binding(
            "g",
            "show_tab('gpus')",
            "GPUs",
            id="gpus.tab_gpus",
            show=False,
            tooltip="GPUs per server.",
        ),
        Binding(
            "a",
            "show_tab('allocations')",
            "Allocs",
            id="gpus.tab_allocations",
            tooltip="Which client holds which GPU, how much and since when.",
        ),
        Binding(
            "c",
            "show_tab('checks')",
            "Checks",
            id="gpus.tab_checks",
            tooltip="Findings with their evidence.",
        ),
    ]

    def __init__(self, context: PaneContext, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        super().__init__()
        self.context = context
        self.interval_s = interval_s
        self.service = _build_service(context)
        self.report: PoolReport | None = None
        self.shown: PoolReport | None = None
        """The last report with a pool in it (a failed refresh does not replace it)."""
        self._servers: dict[str, PoolServer] = {}
        self._gpus: dict[str, tuple[PoolServer, Gpu | None]] = {}
        self._allocations: dict[str, Allocation] = {}
        self._problems: dict[str, GpuProblem] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("", id="gpus-summary", markup=False)
        yield UsagePlot(id="gpus-plot")
        with TabbedContent(id="gpus-tabs", initial="gpus"):
            with TabPane("Servers", id="servers"):
                yield ResourceTable(SERVER_COLUMNS, id="gpus-servers")
            with TabPane("GPUs", id="gpus"):
                yield ResourceTable(GPU_COLUMNS, id="gpus-table")
            with TabPane("Allocations", id="allocations"):
                yield ResourceTable(ALLOCATION_COLUMNS, id="gpus-allocations")
            with TabPane("Checks", id="checks"):
                yield ResourceTable(CHECK_COLUMNS, id="gpus-checks")
        yield FilterBar(id="filter")
        yield Static("", id="gpus-detail", markup=False)
        yield Static("", id="gpus-status", markup=False)

    def on_mount(self) -> None:
        self.table("gpus-table").sort_by(None)
        self.table("gpus-servers").sort_by(None)
        self.table("gpus-table").focus()
        if self.service.client is None:
            self._summary("No Bitfusion client in this profile: add a bitfusion target with :conn.")
            return
        self._status(f"Asking {self.service.client}...")
        self.refresh_pool()

    def table(self, name: str) -> ResourceTable:
        return self.query_one(f"#{name}", ResourceTable)

    def action_open_filter(self) -> None:
        self.query_one("#filter", FilterBar).open()

    @on(FilterBar.FilterChanged)
    def _filter_changed(self, event: FilterBar.FilterChanged) -> None:
        """One filter for every tab, so switching tabs keeps what the admin narrowed to."""
        for table in self.query(ResourceTable):
            table.set_filter(event.row_filter)

    @on(FilterBar.Closed)
    def _filter_closed(self) -> None:
        self.action_show_tab(str(self.query_one(TabbedContent).active or "gpus"))

    # -- refresh --------------------------------------------------------------------------
    @work(exclusive=True, group="gpus-refresh", exit_on_error=False)
    async def refresh_pool(self) -> None:
        self.show_report(await self.refreshed(self.service.refresh()))

    def poll_refresh(self) -> None:
        self.refresh_pool()

    def show_report(self, report: PoolReport) -> None:
        self.report = report
        self.post_findings("gpus", report.findings(), report.taken_at)
        if report.ok:
            self.shown = report
            self._fill(report)
        self._summary_for(report)
        self.query_one(UsagePlot).values = tuple(s.used_pct for s in report.history)
        self.query_one(UsagePlot).caption = _plot_caption(report, self.interval_s)
        when = time.strftime("%H:%M:%S", time.localtime(report.taken_at))
        auto = "paused" if self.paused else f"every {self.interval_s:g} s"
        self._status(f"{when} in {report.duration_s:.1f} s from {report.client} - refresh {auto}")
        self._show_detail()

    def _fill(self, report: PoolReport) -> None:
        self._gpus = {}
        rows: dict[str, tuple[Cell, ...]] = {}
        for server in report.servers:
            if not server.gpus:
                key = f"server|{server.address}"
                self._gpus[key] = (server, None)
                rows[key] = (_server_cell(server), "", "", "", server.reason, "")
            for gpu in server.gpus:
                self._gpus[gpu.id] = (server, gpu)
                rows[gpu.id] = _gpu_cells(server, gpu)
        self.table("gpus-table").set_rows(rows)
        self._servers = {s.address: s for s in report.servers}
        self.table("gpus-servers").set_rows({s.address: _server_cells(s) for s in report.servers})
        self._allocations = {a.key: a for a in report.allocations}
        self.table("gpus-allocations").set_rows(
            {a.key: _allocation_cells(a) for a in report.allocations}
        )
        problems = {f"{p.code}|{p.subject.label}": p for p in report.problems}
        checks = self.table("gpus-checks")
        if list(problems) != [k for k in checks.all_keys if k in problems]:
            checks.clear()  # worst first: a new finding must not land under older, milder ones
        self._problems = problems
        checks.set_rows({key: _problem_cells(p) for key, p in problems.items()})
        tabs = self.query_one(TabbedContent)
        worst = len([p for p in report.problems if p.severity.value != "info"])
        tabs.get_tab("checks").label = f"Checks ({worst})" if worst else "Checks"

    def _summary_for(self, report: PoolReport) -> None:
        shown = self.shown
        lines = []
        if not report.ok:
            lines.append(Text(f"{report.client}: {report.failure_text}", style="bold magenta"))
        if shown is not None:
            t = shown.totals
            line = Text(f"Pool {t.gpus} GPUs ")
            line.append_text(usage_bar(t.allocated_mb, t.memory_mb, 16))
            line.append(f"  {t.allocated_mb / 1024:.0f}/{t.memory_mb / 1024:.0f} GiB")
            states = [s.state for s in shown.servers]
            line.append(f"  servers {states.count(ServerState.UP)} up")
            for state in (ServerState.UNREACHABLE, ServerState.GONE):
                if states.count(state):
                    line.append(f" {states.count(state)} {state.value}", style=STATE_STYLES[state])
            if not report.ok:
                line.append("  (last good)", style="dim")
            lines.append(line)
        self._summary(Text("\n").join(lines))

    def _summary(self, text: str | Text) -> None:
        self.query_one("#gpus-summary", Static).update(text)

    def _status(self, text: str) -> None:
        self.query_one("#gpus-status", Static).update(text)

    # -- selection and detail ----------------------------------------------------------------
    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        tab = self.query_one(TabbedContent).active
        detail = ""
        if tab == "servers":
            key = self.table("gpus-servers").cursor_key
            if key in self._servers:
                detail = _gpu_detail(self._servers[key], None)
        elif tab == "gpus":
            key = self.table("gpus-table").cursor_key
            if key in self._gpus:
                detail = _gpu_detail(*self._gpus[key])
        elif tab == "allocations":
            key = self.table("gpus-allocations").cursor_key
            if key in self._allocations:
                detail = _allocation_detail(self._allocations[key])
        elif tab == "checks":
            key = self.table("gpus-checks").cursor_key
            if key in self._problems:
                p = self._problems[key]
                detail = p.text + (f"\nevidence: {p.evidence}" if p.evidence else "")
        self.query_one("#gpus-detail", Static).update(detail)

    # -- actions ------------------------------------------------------------------------------
    def action_refresh_now(self) -> None:
        self._status("Refreshing...")
        self.refresh_pool()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        table = {
            "servers": "gpus-servers",
            "gpus": "gpus-table",
            "allocations": "gpus-allocations",
            "checks": "gpus-checks",
        }
        self.table(table[tab]).focus()

    def action_raw_output(self) -> None:
        name = self.service.client or "client"
        self.app.push_screen(RawOutputScreen(name, self.service.transcript()))

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield from super().palette_commands()
        yield PaletteCommand("Refresh GPU pool", "ask the Bitfusion client now", "refresh_now")
        yield PaletteCommand("Raw output", "the client's bitfusion output", "raw_output")
        yield PaletteCommand("GPU allocations", "who holds which GPU", "show_tab('allocations')")
        yield PaletteCommand("GPU pool checks", "findings with evidence", "show_tab('checks')")


def _build_service(context: PaneContext) -> GpuPoolService:
    from vconsole.services.gpus import GpuPoolService

    clients = context.target_names("bitfusion")
    vcenters = context.target_names("vcenter")
    return GpuPoolService(
        context.manager, clients[0] if clients else None, vcenters[0] if vcenters else None
    )


def _server_cell(server: PoolServer) -> Text:
    mark = {ServerState.UP: "", ServerState.UNREACHABLE: " ✗", ServerState.GONE: " gone"}
    return Text(server.name + mark[server.state], style=STATE_STYLES[server.state])


def _server_cells(server: PoolServer) -> tuple[Cell, ...]:
    if server.reachable:
        bar: Cell = usage_bar(server.allocated_mb, server.memory_mb, 8)
    else:
        bar = Text(server.state.value, style=STATE_STYLES[server.state])
    nic = "" if server.host_nic_gbps is None else f"{server.host_nic_gbps:g}"
    return (
        _server_cell(server),
        bar,
        len(server.gpus),
        server.address,
        server.version,
        server.host,
        nic,
    )


def _gpu_cells(server: PoolServer, gpu: Gpu) -> tuple[Cell, ...]:
    if server.reachable:
        bar: Cell = usage_bar(gpu.allocated_mb, gpu.memory_mb, 8)
        clients: str | Text = ", ".join(gpu.clients) if gpu.clients_known else "?"
        if gpu.allocated_mb and gpu.clients_known and not gpu.clients:
            clients = Text("(nobody)", style="yellow")
    else:
        bar, clients = Text(server.state.value, style=STATE_STYLES[server.state]), ""
    memory = f"{gpu.allocated_mb / 1024:.1f}/{gpu.memory_mb / 1024:.1f}"
    return (_server_cell(server), gpu.index, bar, memory, clients, gpu.model)


def _allocation_cells(a: Allocation) -> tuple[Cell, ...]:
    return (a.client, a.server, a.gpu_index, a.memory_mb, f"{a.fraction:.2f}", _since(a))


def _since(a: Allocation) -> str:
    stamp = time.strftime("%H:%M:%S", time.localtime(a.since))
    return f"<= {stamp}" if a.seen_at_start else stamp


def _problem_cells(p: GpuProblem) -> tuple[Cell, ...]:
    return (
        verdict_cell(p.severity),
        p.subject.label,
        p.text,
    )


def _gpu_detail(server: PoolServer, gpu: Gpu | None) -> str:
    head = f"{server.name} {server.address} {server.state.value}"
    if server.version:
        head += f", version {server.version}"
    if server.host:
        nic = f", fastest NIC {server.host_nic_gbps:g} Gb/s" if server.host_nic_gbps else ""
        head += f" on {server.host}{nic}"
    if server.reason:
        head += f"\n{server.reason}"
    if gpu is None:
        return head
    holders = ", ".join(f"{c} {mb} MiB" for c, mb in gpu.client_memory) or "no client"
    return f"{head}\nGPU {gpu.index}: {gpu.free_mb} MiB free of {gpu.memory_mb} - {holders}"


def _allocation_detail(a: Allocation) -> str:
    when = "first seen at " + time.strftime("%H:%M:%S", time.localtime(a.since))
    if a.seen_at_start:
        when = "held before the console started watching (" + when + ")"
    return f"{a.client} holds {a.memory_mb} MiB ({a.fraction:.0%}) of GPU {a.gpu_index} on {a.server}; {when}"


def _plot_caption(report: PoolReport, interval_s: float) -> str:
    if not report.history:
        return "pool allocation over time"
    span = report.history[-1].taken_at - report.history[0].taken_at
    last = report.history[-1].used_pct
    count = len(report.history)
    if count == 1:
        return f"allocated now {last:.0f}% (first sample; the curve grows with each refresh)"
    return f"allocated now {last:.0f}%, over the last {span / 60:.0f} min ({count} samples)"
