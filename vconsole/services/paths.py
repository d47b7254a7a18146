"""The multipathing pane's service: policies and path states from the hosts, latency from vCenter.

Per refresh, vCenter is read once (one PropertyCollector call for every host's multipath info,
then QueryPerf for all paths and devices, a batch of hosts per call, several calls at a time) while the
hosts are asked over SSH through the session manager's fan-out: `core path list` every time, the
other three commands (the path layout) when something says it changed or its turn comes round
(`paths_layout`), read together in one exec on each host's one connection (`batch=False`: an
exec per command, in parallel). The two halves run at the same time; either may fail alone: no
vCenter or no perf counters leaves what SSH can tell (states, policies, no latency), a host
that SSH cannot reach keeps what vCenter knows, a host nobody can read gets one row saying why.
Once vCenter's half is in, each host is joined as it answers, while the others are still being
waited for; verdicts, which compare hosts, are judged when the last one is in. A host whose
answers, vCenter facts and samples equal the last refresh's keeps its rows (no new sample: a
refresh within 20 s of the last); they are judged again with the rest and copied only if their
verdict changed, as the last report still holds them. One whose samples alone are new (the 20 s
cadence) keeps its layout and gets new windows (`paths_rejoin`); while no host's devices
changed, the findings that compare policies across hosts are kept too (`PolicyMemo`).
The same object backs `vconsole paths`, `vconsole analyze` (replay targets) and the screen.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from operator import attrgetter
from typing import TYPE_CHECKING

from vconsole.errors import VconsoleError
from vconsole.esx.api_map import decode
from vconsole.esx.storage import (
    READ_COMMANDS,
    OutputKind,
    RoundRobinDeviceConfig,
    parse_rr_device_config,
    rr_get_command,
    rr_set_command,
)
from vconsole.models.common import last_transcript
from vconsole.models.paths import (
    DeviceInfo,
    HostPaths,
    PathProblem,
    PathRow,
    PathsReport,
    RawOutput,
    Thresholds,
)
from vconsole.services.answers import error_text
from vconsole.services.paths_join import HostInputs, SshHostData, join_host
from vconsole.services.paths_layout import DEFAULT_LAYOUT_EVERY, HostLayouts, answer_text
from vconsole.services.paths_perf import (
    PERF_BATCH,
    PERF_CONCURRENCY,
    VcenterReader,
    VcenterView,
)
from vconsole.services.paths_rejoin import Kept, kept_for_next, rejoin_latency
from vconsole.services.paths_vcenter import PSP_LATENCY_KEY, VcHost
from vconsole.services.paths_verdicts import PolicyMemo, judge
from vconsole.tokens import Command
from vconsole.vim.gc_pause import defer_full_collection, full_collections_postponed, gc_paused

if TYPE_CHECKING:
    from vconsole.sessions.protocols import Sessions
    from vconsole.sessions.results import FanOutResult

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
DEFAULT_SAMPLES = 15  # 15 realtime samples of 20 s: the last five minutes


class PathsService:
    """Refreshes multipathing of `hosts` (esxi or replay targets), optionally with vCenter.

    `only_hosts` limits both sides (by name; vCenter and SSH use the same names); without it
    every host vCenter knows is shown too, with or without an SSH target.
    """

    def __init__(
        self,
        manager: Sessions,
        hosts: Sequence[str],
        vcenter: str | None = None,
        *,
        only_hosts: Sequence[str] | None = None,
        thresholds: Thresholds | None = None,
        samples: int = DEFAULT_SAMPLES,
        concurrency: int | None = None,
        perf_concurrency: int = PERF_CONCURRENCY,
        perf_batch: int = PERF_BATCH,
        multipath_max_age_s: float = 300.0,
        layout_every: int = DEFAULT_LAYOUT_EVERY,
        batch: bool = True,
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
        self.layouts = HostLayouts(manager, layout_every, batch=batch)
        self.reader = (
            VcenterReader(
                manager,
                vcenter,
                samples=samples,
                perf_concurrency=perf_concurrency,
                perf_batch=perf_batch,
                multipath_max_age_s=multipath_max_age_s,
                clock=clock,
            )
            if vcenter
            else None
        )
        self._vcenter_dependent = True  # some host's paths came from vCenter alone last time
        self._joins: dict[str, Kept] = {}  # each host's last join, by what it was joined from
        self._policy = PolicyMemo()  # judge's cross-host policy findings, while no device changed

    async def refresh(
        self, on_progress: Progress | None = None, *, full: bool = False
    ) -> PathsReport:
        """Ask every host and vCenter now; never raises for one host's or vCenter's failure.

        `full` re-reads vCenter's multipath layout and the whole latency window.
        """
        started = self.clock()
        vc_task = None
        if self.reader is not None:
            vc_task = asyncio.ensure_future(
                self.reader.read(self._wanted, full_layout=full or self._vcenter_dependent)
            )

        joined: dict[str, Kept] = {}
        early: list[FanOutResult[SshHostData]] = []  # answered before vCenter's view was in

        def progress(done: int, total: int, result: FanOutResult[SshHostData]) -> None:
            if on_progress is not None:
                on_progress(done, total)
            # a host is joined as soon as it answers and vCenter's view is in: the join runs
            # while other hosts are still being waited for, not all of it after the last one
            if vc_task is not None and not vc_task.done():
                early.append(result)
                return
            view, vc_error = _outcome(vc_task)
            with gc_paused():  # no await inside
                for one in (*early, result):
                    if one.error is None:  # a host SSH did not answer waits for its switch
                        joined[one.target] = self._join(one.target, one, view, vc_error, None)
            early.clear()

        async def fetch(host: str) -> SshHostData:
            return await self.layouts.fetch(host, full=full)

        self.layouts.begin()
        with full_collections_postponed():
            results = await self.manager.fan_out(
                fetch, self.hosts, limit=self.concurrency, on_progress=progress
            )
            if vc_task is not None:
                await asyncio.wait([vc_task])
            view, vc_error = _outcome(vc_task)
            ssh = {r.target: r for r in results}
            names = list(dict.fromkeys([*self.hosts, *sorted(view.hosts)]))
            switches = await self._switches_from_vcenter(ssh, view)
        defer_full_collection(self.clock)  # the one the new rows would set off: not meanwhile
        with gc_paused():  # no await inside: the rows are built in one go
            rows: list[PathRow] = []
            bases: list[tuple[PathProblem, ...]] = []
            devices: list[DeviceInfo] = []
            outcomes: list[HostPaths] = []
            kept: set[str] = set()
            for host in names:
                one = joined.get(host)
                if one is None:
                    one = joined[host] = self._join(
                        host, ssh.get(host), view, vc_error, switches.get(host)
                    )
                if one.reused:
                    kept.add(host)
                rows.extend(one.joined.rows)
                bases.extend(one.bases)
                devices.extend(one.joined.devices)
                outcomes.append(one.joined.outcome)
            self._vcenter_dependent = any(
                _needs_layout(ssh.get(name), view.hosts.get(name)) for name in names
            )
            if set(names) != self._joins.keys() or not all(joined[h].same_devices for h in names):
                self._policy.clear()  # some host's devices are not the last refresh's
            judged_rows, judged_devices = judge(  # rows just joined: nobody else holds them
                rows,
                devices,
                outcomes,
                self.thresholds,
                in_place=True,
                kept=kept,
                bases=bases,
                memo=self._policy,
            )
            self._joins = kept_for_next(joined, rows, judged_rows, devices, judged_devices)
            notes = []
            if vc_error:
                notes.append(
                    f"vCenter not read ({vc_error}): no latency; states and policies from SSH"
                )
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

    def _join(
        self,
        host: str,
        result: FanOutResult[SshHostData] | None,
        view: VcenterView,
        vc_error: str,
        switch: int | None,
    ) -> Kept:
        """One host's rows from its SSH answer (or error), vCenter's view and its samples; the
        last refresh's rows again if it had all the same (only the time the host took differs)."""
        vc = view.hosts.get(host)
        note = view.perf_notes.get(host, "")
        if not note and vc is None:
            note = (
                f"vCenter not read: {vc_error}" if vc_error
                else ("the host is not in vCenter" if self.vcenter else "no vCenter target")
            )  # fmt: skip
        ssh = result.value if result is not None and result.error is None else None
        inputs = HostInputs(  # the raw outputs left out: the rows are made from what they say
            host=host,
            ssh=replace(ssh, outputs=()) if ssh is not None else None,
            ssh_error=error_text(result.error) if result and result.error else "",
            vcenter=vc,
            latency=view.latency.get(host),
            perf_note=note,
            psp_latency_vcenter=switch,
        )
        took = result.duration_s if result else 0.0
        last = self._joins.get(host)
        if last is not None and _but_latency(last.inputs) == _but_latency(inputs):
            outputs = ssh.outputs if ssh is not None else ()
            if last.inputs.latency == inputs.latency:
                outcome = replace(last.joined.outcome, duration_s=took, outputs=outputs)
                return replace(last, joined=replace(last.joined, outcome=outcome))
            again = rejoin_latency(last.joined, last.bases, inputs.latency)  # a new sample only
            if again is not None:
                outcome = replace(again.outcome, duration_s=took, outputs=outputs)
                again = replace(again, outcome=outcome)
                return Kept(inputs, again, last.bases, reused=False, same_devices=True)
        joined = join_host(replace(inputs, ssh=ssh, duration_s=took))
        return Kept(inputs, joined, tuple(r.problems for r in joined.rows), reused=False)

    # -- vCenter ------------------------------------------------------------------------------
    def _wanted(self, name: str) -> bool:
        return self.only_hosts is None or name in self.only_hosts

    async def _switches_from_vcenter(
        self, ssh: dict[str, FanOutResult[SshHostData]], view: VcenterView
    ) -> dict[str, int | None]:
        """EnablePSPLatencyPolicy from vCenter for connected hosts SSH did not answer (SSH is
        off by default on ESXi); asked only for those, one small call each."""
        if self.reader is None:
            return {}
        need = [
            name
            for name, host in view.hosts.items()
            if host.connection_state in ("", "connected")
            and (ssh.get(name) is None or ssh[name].error is not None)
        ]
        if not need:
            return {}
        try:
            return await self.reader.advanced_int(need, PSP_LATENCY_KEY)
        except Exception as exc:  # the setting shows as unknown for those hosts
            log.info("%s not read from vCenter: %s: %s", PSP_LATENCY_KEY, type(exc).__name__, exc)
            return {}

    # -- actions --------------------------------------------------------------------------
    def transcript(self, host: str) -> str:
        """The last raw output of one host, ready to paste into a support case."""
        return last_transcript(self.last, host)

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
        self.layouts.forget(host)  # the next refresh shows the new policy, not the kept one
        if result.exit != 0:
            detail = (result.stderr or result.stdout).strip() or f"exit status {result.exit}"
            raise VconsoleError(f"{host}: {command.line} failed: {detail}", target=host)
        check = await self.manager.run(host, rr_get_command(device))
        config = decode(check, parse_rr_device_config, answer_text(check))
        if config.kind == OutputKind.OK and config.policy != rr_type:
            raise VconsoleError(
                f"{host}: {device} still reports Limit Type {config.limit_type} after the change",
                target=host,
            )
        return RawOutput(command.line, result.stdout, result.stderr, result.exit), config


def _outcome(task: asyncio.Future[VcenterView] | None) -> tuple[VcenterView, str]:
    """vCenter's half of a refresh once it is over: its view, or an empty one and why."""
    if task is None:
        return _NO_VIEW, ""
    try:
        return task.result(), ""
    except VconsoleError as exc:
        return _NO_VIEW, exc.message
    except Exception as exc:
        return _NO_VIEW, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


_NO_VIEW = VcenterView({}, {}, {})
_but_latency = attrgetter(  # what a host's rows are joined from, its latency samples aside
    "host", "ssh", "ssh_error", "vcenter", "perf_note", "duration_s", "psp_latency_vcenter"
)


def _needs_layout(result: FanOutResult[SshHostData] | None, vc: VcHost | None) -> bool:
    """True when vCenter's layout must be fresh for this host on the next refresh: SSH gave
    nothing (vCenter is the only source of its paths) or SSH sees a device vCenter lacks."""
    if vc is None or not vc.devices and (result is None or result.error is not None):
        return False
    if result is None or result.error is not None:
        return True
    known = {d.device for d in vc.devices}
    ssh = result.value
    return ssh is not None and any(d.device not in known for d in ssh.devices.devices)


def report_json(report: PathsReport) -> list[dict[str, object]]:
    """`vconsole paths --json`: the list of per-path rows."""
    return [row.as_json() for row in report.rows]


def capture_commands() -> tuple[Command, ...]:
    """The read-only commands `vconsole capture` should record for this pane."""
    return READ_COMMANDS


async def analyze_targets(manager: Sessions, targets: Sequence[str]) -> list[dict[str, object]]:
    """The `analyze` entry for this pane: the same rows from captured (replay) hosts."""
    report = await PathsService(manager, targets).refresh()
    return report_json(report)
