"""The multipathing pane's service: policies and path states from the hosts, latency from vCenter.

Per refresh, vCenter is read once (one PropertyCollector call for every host's multipath info,
then one QueryPerf per host for all its paths and devices, several hosts at a time) while the
hosts are asked over SSH through the session manager's fan-out, four commands in parallel on
each host's one connection. The two halves run at the same time; either may fail alone: no
vCenter or no perf counters leaves what SSH can tell (states, policies, no latency), a host
that SSH cannot reach keeps what vCenter knows, a host nobody can read gets one row saying why.
The same object backs `vconsole paths`, `vconsole analyze` (replay targets) and the screen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from vconsole.esx.storage import (
    READ_COMMANDS,
    OutputKind,
    RoundRobinDeviceConfig,
    parse_advanced_value,
    parse_core_path_list,
    parse_nmp_device_list,
    parse_nmp_path_list,
    parse_rr_device_config,
    rr_get_command,
    rr_set_command,
)
from vconsole.models.paths import (
    DeviceInfo,
    HostPaths,
    PathRow,
    PathsReport,
    RawOutput,
    Thresholds,
)
from vconsole.services.paths_join import HostInputs, SshHostData, join_host
from vconsole.services.paths_vcenter import (
    PATH_READ,
    PATH_WRITE,
    HostLatency,
    VcHost,
    counter_ids,
    query_host_latency,
    read_multipath,
)
from vconsole.services.paths_verdicts import judge
from vconsole.sessions.errors import VconsoleError
from vconsole.tokens import Command

Progress = Callable[[int, int], None]
DEFAULT_SAMPLES = 15  # 15 realtime samples of 20 s: the last five minutes


@dataclass(frozen=True)
class VcenterView:
    hosts: dict[str, VcHost]
    latency: dict[str, HostLatency]
    perf_notes: dict[str, str]


class PathsService:
    """Refreshes multipathing of `hosts` (esxi or replay targets), optionally with vCenter.

    `only_hosts` limits both sides (by name; vCenter and SSH use the same names); without it
    every host vCenter knows is shown too, with or without an SSH target.
    """

    def __init__(
        self,
        manager: Any,
        hosts: Sequence[str],
        vcenter: str | None = None,
        *,
        only_hosts: Sequence[str] | None = None,
        thresholds: Thresholds | None = None,
        samples: int = DEFAULT_SAMPLES,
        concurrency: int | None = None,
        perf_concurrency: int = 16,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.manager = manager
        self.only_hosts = set(only_hosts) if only_hosts is not None else None
        self.hosts = [h for h in hosts if self._wanted(h)]
        self.vcenter = vcenter
        self.thresholds = thresholds or Thresholds()
        self.samples = samples
        self.concurrency = concurrency
        self.perf_concurrency = perf_concurrency
        self.clock = clock
        self.last: PathsReport | None = None
        self._counter_ids: dict[str, int] | None = None

    async def refresh(self, on_progress: Progress | None = None) -> PathsReport:
        """Ask every host and vCenter now; never raises for one host's or vCenter's failure."""
        started = self.clock()
        vc_task = asyncio.ensure_future(self._read_vcenter()) if self.vcenter else None

        def progress(done: int, total: int, _result: Any) -> None:
            if on_progress is not None:
                on_progress(done, total)

        results = await self.manager.fan_out(
            self._fetch_host, self.hosts, limit=self.concurrency, on_progress=progress
        )
        view = VcenterView({}, {}, {})
        vc_error = ""
        if vc_task is not None:
            try:
                view = await vc_task
            except VconsoleError as exc:
                vc_error = exc.message
            except Exception as exc:
                vc_error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        ssh = {r.target: r for r in results}
        names = list(dict.fromkeys([*self.hosts, *sorted(view.hosts)]))
        rows: list[PathRow] = []
        devices: list[DeviceInfo] = []
        outcomes: list[HostPaths] = []
        for host in names:
            result = ssh.get(host)
            vc = view.hosts.get(host)
            note = view.perf_notes.get(host, "")
            if not note and vc is None:
                note = (
                    f"vCenter not read: {vc_error}" if vc_error
                    else ("the host is not in vCenter" if self.vcenter else "no vCenter target")
                )  # fmt: skip
            joined = join_host(
                HostInputs(
                    host=host,
                    ssh=result.value if result is not None and result.error is None else None,
                    ssh_error=_error_text(result.error) if result and result.error else "",
                    vcenter=vc,
                    latency=view.latency.get(host),
                    perf_note=note,
                    duration_s=result.duration_s if result else 0.0,
                )
            )
            rows.extend(joined.rows)
            devices.extend(joined.devices)
            outcomes.append(joined.outcome)
        judged_rows, judged_devices = judge(rows, devices, outcomes, self.thresholds)
        notes = []
        if vc_error:
            notes.append(f"vCenter not read ({vc_error}): no latency; states and policies from SSH")
        elif not self.vcenter:
            notes.append("no vCenter target: no latency; states and policies from SSH")
        report = PathsReport(
            rows=tuple(sorted(judged_rows, key=lambda r: (r.host, r.device, r.path))),
            devices=judged_devices,
            hosts=tuple(outcomes),
            thresholds=self.thresholds,
            vcenter_error=vc_error,
            notes=tuple(notes),
            taken_at=time.time(),
            duration_s=self.clock() - started,
        )
        self.last = report
        return report

    # -- SSH ----------------------------------------------------------------------------------
    async def _fetch_host(self, host: str) -> SshHostData:
        answers = await asyncio.gather(
            *(self.manager.run(host, c) for c in READ_COMMANDS), return_exceptions=True
        )
        if all(isinstance(a, BaseException) for a in answers):
            first = answers[0]
            assert isinstance(first, BaseException)
            raise first
        outputs = tuple(_raw(c, a) for c, a in zip(READ_COMMANDS, answers, strict=True))
        devices, paths, nmp_paths, psp = (_text(a) for a in answers)
        return SshHostData(
            devices=parse_nmp_device_list(devices),
            paths=parse_core_path_list(paths),
            nmp_paths=parse_nmp_path_list(nmp_paths),
            psp_latency=parse_advanced_value(psp),
            outputs=outputs,
        )

    # -- vCenter ------------------------------------------------------------------------------
    def _wanted(self, name: str) -> bool:
        return self.only_hosts is None or name in self.only_hosts

    async def _read_vcenter(self) -> VcenterView:
        assert self.vcenter is not None
        vim = await self.manager.vim(self.vcenter)
        vc_hosts, refs = await vim.call(read_multipath, vim.content)
        hosts = {h.name: h for h in vc_hosts if self._wanted(h.name)}
        if self._counter_ids is None:
            self._counter_ids = await vim.call(counter_ids, vim.content)
        ids = self._counter_ids
        notes: dict[str, str] = {}
        latency: dict[str, HostLatency] = {}
        if PATH_READ not in ids and PATH_WRITE not in ids:
            note = "vCenter has no storagePath latency counters"
            return VcenterView(hosts, {}, dict.fromkeys(hosts, note))
        gate = asyncio.Semaphore(max(1, self.perf_concurrency))

        async def one(host: VcHost) -> None:
            if host.connection_state not in ("", "connected"):
                notes[host.name] = f"host is {host.connection_state} in vCenter"
                return
            if not host.devices:
                return
            async with gate:
                try:
                    found = await vim.call(
                        query_host_latency, vim.content, refs[host.name], ids, self.samples
                    )
                except VconsoleError as exc:
                    notes[host.name] = f"QueryPerf failed: {exc.message}"
                    return
                except Exception as exc:
                    notes[host.name] = f"QueryPerf failed: {type(exc).__name__}: {exc}"
                    return
            if not any(_has_samples(found, c) for c in (PATH_READ, PATH_WRITE)):
                notes[host.name] = (
                    "vCenter returned no storagePath samples (statistics level below 3, "
                    "or the host sends no realtime data)"
                )
                return
            latency[host.name] = found

        await asyncio.gather(*(one(h) for h in hosts.values()))
        return VcenterView(hosts, latency, notes)

    # -- actions --------------------------------------------------------------------------
    def transcript(self, host: str) -> str:
        """The last raw output of one host, ready to paste into a support case."""
        outcome = self.last.host(host) if self.last else None
        if outcome is None:
            return f"# {host}: not refreshed yet\n"
        return outcome.transcript()

    def rr_command(self, device: str, rr_type: str, iops: int | None = None) -> Command:
        """The exact command `set_rr_type` would run (shown in the confirmation)."""
        return rr_set_command(device, rr_type, iops=iops)

    async def set_rr_type(
        self, host: str, device: str, rr_type: str, iops: int | None = None
    ) -> tuple[RawOutput, RoundRobinDeviceConfig]:
        """`deviceconfig set --type=...` on one host, then `get` to show what the host now runs.

        The session manager refuses it in read-only mode before any I/O, and audits it.
        """
        command = rr_set_command(device, rr_type, iops=iops)
        result = await self.manager.run(host, command)
        if result.exit != 0:
            detail = (result.stderr or result.stdout).strip() or f"exit status {result.exit}"
            raise VconsoleError(f"{host}: {command.line} failed: {detail}", target=host)
        check = await self.manager.run(host, rr_get_command(device))
        config = parse_rr_device_config(_text(check))
        if config.kind == OutputKind.OK and config.policy != rr_type:
            raise VconsoleError(
                f"{host}: {device} still reports Limit Type {config.limit_type} after the change",
                target=host,
            )
        return RawOutput(command.line, result.stdout, result.stderr, result.exit), config


def _has_samples(found: HostLatency, counter: str) -> bool:
    return any(any(v >= 0 for v in values) for values in found.series.get(counter, {}).values())


def _text(answer: Any) -> str:
    if isinstance(answer, BaseException):
        return f"Error: {_error_text(answer)}"
    stdout = str(getattr(answer, "stdout", ""))
    stderr = str(getattr(answer, "stderr", ""))
    if getattr(answer, "exit", 0) and not stdout.strip():
        return stderr if stderr.strip().lower().startswith("error") else f"Error: {stderr.strip()}"
    return stdout


def _raw(command: Command, answer: Any) -> RawOutput:
    if isinstance(answer, BaseException):
        return RawOutput(command.line, error=_error_text(answer))
    return RawOutput(command.line, answer.stdout, answer.stderr, answer.exit)


def _error_text(error: BaseException) -> str:
    if isinstance(error, VconsoleError):
        return error.message
    if isinstance(error, asyncio.TimeoutError):
        return "no answer in time"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def report_json(report: PathsReport) -> list[dict[str, Any]]:
    """`vconsole paths --json`: the list of per-path rows."""
    return [row.as_json() for row in report.rows]


def capture_commands() -> tuple[Command, ...]:
    """The read-only commands `vconsole capture` should record for this pane."""
    return READ_COMMANDS


async def analyze_targets(manager: Any, targets: Sequence[str]) -> list[dict[str, Any]]:
    """The `analyze` entry for this pane: the same rows from captured (replay) hosts."""
    report = await PathsService(manager, targets).refresh()
    return report_json(report)
