"""Table columns and cells of the multipathing pane's three levels: hosts, devices, paths."""

from __future__ import annotations

from rich.text import Text

from vconsole.models.paths import (
    DeviceInfo,
    LatencyWindow,
    PathProblem,
    PathRow,
    PathsReport,
    worst,
)
from widgets.resource_table import Cell, ResourceColumn
from widgets.sparkline_cell import sparkline
from widgets.verdict_style import verdict_cell

HOST_COLUMNS = (
    ResourceColumn("host", "Host"),
    ResourceColumn("verdict", "Verdict"),
    ResourceColumn("devices", "Dev"),
    ResourceColumn("paths", "Paths"),
    ResourceColumn("dead", "Dead"),
    ResourceColumn("latency_rr", "LatRR"),
    ResourceColumn("why", "Why"),
)
DEVICE_COLUMNS = (
    ResourceColumn("device", "Device"),
    ResourceColumn("datastore", "Datastore"),
    ResourceColumn("verdict", "Verdict"),
    ResourceColumn("psp", "PSP"),
    ResourceColumn("rr", "RR"),
    ResourceColumn("paths", "Paths"),
    ResourceColumn("davg", "DAVG95"),
    ResourceColumn("kavg", "KAVG95"),
    ResourceColumn("why", "Why"),
)
PATH_COLUMNS = (
    ResourceColumn("host", "Host"),
    ResourceColumn("path", "Path"),
    ResourceColumn("state", "State"),
    ResourceColumn("verdict", "Verdict"),
    ResourceColumn("read", "Rd p50/95"),
    ResourceColumn("trend", "Read trend"),
    ResourceColumn("write", "Wr p50/95"),
    ResourceColumn("why", "Why"),
)


def short_device(device: str) -> str:
    """`naa.600a0980...684a52` -> `naa..684a52`: the tail is what differs between LUNs."""
    return device if len(device) <= 14 else f"{device[:4]}..{device[-8:]}"


def ms(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def window_cell(window: LatencyWindow | None) -> str:
    return "" if window is None else f"{window.p50:g}/{window.p95:g}"


def _why(problems: tuple[PathProblem, ...], error: str = "") -> str:
    if error:
        return error
    shown = sorted(problems, key=lambda p: -p.severity.rank)
    return shown[0].text if shown else ""


def host_cells(report: PathsReport) -> dict[str, tuple[Cell, ...]]:
    out: dict[str, tuple[Cell, ...]] = {}
    for h in report.hosts:
        rows = [r for r in report.rows if r.host == h.host]
        devices = report.host_devices(h.host)
        verdict = worst([r.verdict for r in rows] + [d.verdict for d in devices])
        problems = tuple(p for r in rows for p in r.problems)
        problems += tuple(p for d in devices for p in d.problems)
        switch = {True: "on", False: "off"}.get(h.psp_latency_policy_enabled, "?")  # type: ignore[arg-type]
        out[h.host] = (
            h.host,
            verdict_cell(verdict),
            len(devices),
            sum(1 for r in rows if r.path or r.uid),
            sum(1 for r in rows if r.state == "dead"),
            switch,
            _why(problems, h.error if not rows or rows[0].error else "")
            or (h.perf_note if devices else "no NMP devices"),
        )
    return out


def device_cells(devices: list[DeviceInfo]) -> dict[str, tuple[Cell, ...]]:
    out: dict[str, tuple[Cell, ...]] = {}
    for d in devices:
        live = d.paths - d.dead_paths
        out[d.key] = (
            short_device(d.device),
            d.datastore,
            verdict_cell(d.verdict),
            d.psp.removeprefix("VMW_PSP_"),
            d.rr.describe() if d.rr else "",
            f"{live}/{d.paths}",
            ms(d.device_latency.p95 if d.device_latency else None),
            ms(d.kernel_latency.p95 if d.kernel_latency else None),
            _why(d.problems),
        )
    return out


def path_cells(rows: list[PathRow], ceiling: float | None = None) -> dict[str, tuple[Cell, ...]]:
    out: dict[str, tuple[Cell, ...]] = {}
    for r in rows:
        state = r.state
        if r.group_state and r.group_state not in (r.state, "active"):
            state = r.group_state
        if r.working is False and state == "active":
            state = "active (idle)"
        dead = r.dead  # no I/O: zeros would read as "fast"
        out[r.key] = (
            r.host,
            r.path or r.uid,
            state,
            verdict_cell(r.verdict),
            "-" if dead else window_cell(r.read),
            sparkline(r.read.samples, 10, ceiling=ceiling) if r.read and not dead else Text(""),
            "-" if dead else window_cell(r.write),
            _why(r.problems, r.error),
        )
    return out


def path_detail(row: PathRow) -> list[str]:
    """Lines under the table for one path: what is wrong first, then where it goes and numbers."""
    title = " ".join(
        x
        for x in (
            row.host,
            row.path or row.uid,
            f"[{row.datastore}]" if row.datastore else "",
            row.rr.describe() if row.rr else row.psp,
        )
        if x
    )
    lines = [title, *problem_lines(row.problems)]
    if row.error and not row.problems:
        lines.append(row.error)
    for label, window in (("read", row.read), ("write", row.write)):
        if window is not None:
            lines.append(
                f"{label} p50/p95/max {ms(window.p50)}/{ms(window.p95)}/{ms(window.max)} ms"
                f" over {len(window.samples)} samples"
            )
    where = " ".join(
        x
        for x in (
            row.device,
            f"adapter {row.adapter}" if row.adapter else "",
            f"target {row.target}" if row.target else "",
            f"LUN {row.lun}" if row.lun is not None else "",
        )
        if x
    )
    return [*lines, where]


def device_detail(d: DeviceInfo) -> list[str]:
    lines = [f"{d.host} {d.device} [{d.datastore}]" if d.datastore else f"{d.host} {d.device}"]
    lines += problem_lines(d.problems)
    for label, window in (("DAVG", d.device_latency), ("KAVG", d.kernel_latency)):
        if window is not None:
            lines.append(
                f"{label} p50/p95/max {ms(window.p50)}/{ms(window.p95)}/{ms(window.max)} ms"
            )
    bits = [d.satp, d.psp, d.rr.describe() if d.rr else ""]
    if d.working_paths:
        bits.append("working: " + ", ".join(d.working_paths))
    return [*lines, " ".join(b for b in bits if b)]


def problem_lines(problems: tuple[PathProblem, ...]) -> list[str]:
    out = []
    for p in sorted(problems, key=lambda p: -p.severity.rank):
        out.append(f"{p.severity.value.upper()}: {p.text}")
        if p.evidence:
            out.append(f"  evidence: {p.evidence}")
    return out
