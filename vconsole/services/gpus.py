"""The Bitfusion pane's service: the GPU pool as one client VM sees it, placed on vCenter hosts.

Each refresh runs `bitfusion list_gpus` (servers, free memory: the accounting) and `bitfusion
smi` (models and the clients holding memory) on the client VM, concurrently on its one SSH
connection. Servers are remembered between refreshes: one the client reports it cannot reach
is shown unreachable, one that is no longer mentioned at all is shown gone, never dropped.
Allocation times are when this console first saw them (the CLI prints none). Server VMs and
their hosts' NIC speeds come from vCenter (cached for `placement_ttl_s`), or from an explicit
`server_hosts` map (address or name -> ESXi host) where vCenter does not know the VMs.
The same object backs `vconsole gpus` and the Bitfusion screen.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from vconsole.errors import VconsoleError
from vconsole.esx.bitfusion import (
    ClientLog,
    ListedServer,
    SmiServer,
    list_gpus_command,
    parse_list_gpus,
    parse_log,
    parse_smi,
    parse_version,
    server_key,
    smi_command,
    version_command,
)
from vconsole.kept import kept_if_equal
from vconsole.models.gpus import (
    Allocation,
    ClientFailure,
    GpuProblem,
    PoolReport,
    PoolServer,
    PoolTotals,
    RawOutput,
    ServerState,
    Severity,
    UsageSample,
)
from vconsole.services.answers import error_text, raw_output
from vconsole.services.gpus_checks import DEFAULT_FREE_THRESHOLD_PCT, judge_pool
from vconsole.services.gpus_merge import client_failure, gpus_of, holders
from vconsole.services.gpus_vcenter import Placement

if TYPE_CHECKING:
    from vconsole.sessions.protocols import Sessions

SEVERITY_ORDER = (Severity.ERROR, Severity.CRITICAL, Severity.WARNING, Severity.INFO)


class GpuPoolService:
    def __init__(
        self,
        manager: Sessions,
        client: str | None,
        vcenter: str | None = None,
        *,
        server_hosts: Mapping[str, str] | None = None,
        free_threshold_pct: float = DEFAULT_FREE_THRESHOLD_PCT,
        history_size: int = 120,
        placement_ttl_s: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.manager = manager
        self.client = client
        self.vcenter = vcenter
        self.server_hosts = {k.lower(): v for k, v in (server_hosts or {}).items()}
        self.free_threshold_pct = free_threshold_pct
        self.placement_ttl_s = placement_ttl_s
        self.clock = clock
        self.last: PoolReport | None = None
        self.history: deque[UsageSample] = deque(maxlen=history_size)
        self._known: dict[str, PoolServer] = {}
        self._first_seen: dict[str, float] = {}
        self._at_start: set[str] = set()
        self._refreshed = False
        self._version = ""
        self._placement: tuple[float, Placement] | None = None

    async def refresh(self) -> PoolReport:
        """Ask the client VM (and vCenter) now; never raises for a target's failure."""
        started = time.monotonic()
        now = self.clock()
        if not self.client:
            return self._failed(
                now, ClientFailure.UNREACHABLE, "no bitfusion target in this profile", (), started
            )
        placement_task = asyncio.ensure_future(self._read_placement(now))
        commands = [list_gpus_command(), smi_command()]
        if not self._version:
            commands.append(version_command())
        answers = await asyncio.gather(
            *(self.manager.run(self.client, c) for c in commands), return_exceptions=True
        )
        outputs = tuple(raw_output(c, a) for c, a in zip(commands, answers, strict=True))
        listing = answers[0]
        if isinstance(listing, BaseException):
            placement_task.cancel()
            return self._failed(
                now, ClientFailure.UNREACHABLE, error_text(listing), outputs, started
            )
        log = parse_log(listing.stdout + "\n" + listing.stderr)
        listed = parse_list_gpus(listing.stdout)
        failure = client_failure(log, listed, listing.exit, listing.stderr, listing.stdout)
        if failure is not None:
            placement_task.cancel()
            return self._failed(now, failure[0], failure[1], outputs, started)
        smi_answer = answers[1]
        smi = () if isinstance(smi_answer, BaseException) else parse_smi(smi_answer.stdout)
        if len(answers) > 2 and not isinstance(answers[2], BaseException):
            self._version = parse_version(answers[2].stdout)
        placement, vcenter_error = await placement_task
        servers = self._merge(listed, smi, log, placement, now)
        allocations = self._allocations(servers, now)
        up = [s for s in servers if s.reachable]
        totals = PoolTotals(
            gpus=sum(len(s.gpus) for s in up),
            memory_mb=sum(s.memory_mb for s in up),
            allocated_mb=sum(s.allocated_mb for s in up),
        )
        if totals.memory_mb:
            self.history.append(UsageSample(now, totals.used_pct))
        problems = judge_pool(
            servers,
            totals,
            free_threshold_pct=self.free_threshold_pct,
            placement_known=self.vcenter is not None or bool(self.server_hosts),
        )
        if vcenter_error:
            problems += (
                GpuProblem(
                    "vcenter-unreadable",
                    Severity.INFO,
                    self.vcenter or "vcenter",
                    f"server hosts not read from vCenter: {vcenter_error}",
                ),
            )
        self._refreshed = True
        problems = tuple(sorted(problems, key=lambda p: SEVERITY_ORDER.index(p.severity)))
        return self._report(
            now,
            outputs,
            started,
            PoolReport(
                "",
                now,
                servers=servers,
                totals=totals,
                allocations=allocations,
                problems=problems,
                vcenter_error=vcenter_error,
            ),
        )

    def _failed(
        self,
        now: float,
        failure: ClientFailure,
        text: str,
        outputs: tuple[RawOutput, ...],
        started: float,
    ) -> PoolReport:
        problem = GpuProblem(failure.value, Severity.ERROR, self.client or "client", text)
        return self._report(
            now,
            outputs,
            started,
            PoolReport("", now, problems=(problem,), failure=failure, failure_text=text),
        )

    def _report(
        self, now: float, outputs: tuple[RawOutput, ...], started: float, found: PoolReport
    ) -> PoolReport:
        """This refresh's report (kept as `last`): what was `found`, with the client, the
        history and the outputs so far."""
        report = replace(
            found,
            client=self.client or "",
            taken_at=now,
            client_version=self._version,
            history=tuple(self.history),
            outputs=outputs,
            duration_s=time.monotonic() - started,
        )
        self.last = report
        return report

    # -- vCenter ----------------------------------------------------------------------------
    async def _read_placement(self, now: float) -> tuple[Placement | None, str]:
        if self.vcenter is None:
            return None, ""
        if self._placement is not None and now - self._placement[0] < self.placement_ttl_s:
            return self._placement[1], ""
        from vconsole.services.gpus_vcenter import read_placement

        try:
            vim = await self.manager.vim(self.vcenter)
            placement: Placement = await vim.call(read_placement, vim.content)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return (self._placement[1] if self._placement else None), error_text(exc)
        placement = kept_if_equal(self._placement[1] if self._placement else None, placement)
        self._placement = (now, placement)
        return placement, ""

    def _host_of(self, address: str, name: str, placement: Placement | None) -> str:
        vm = placement.find_vm(server_key(address), [name]) if placement else None
        if vm is not None and vm.host:
            return vm.host
        for key in (address, server_key(address), name):
            host = self.server_hosts.get(key.lower())
            if host:
                return host
        return ""

    # -- merge ------------------------------------------------------------------------------
    def _merge(
        self,
        listed: tuple[ListedServer, ...],
        smi: tuple[SmiServer, ...],
        log: ClientLog,
        placement: Placement | None,
        now: float,
    ) -> tuple[PoolServer, ...]:
        smi_by_key = {server_key(s.address): s for s in smi}
        seen: dict[str, PoolServer] = {}
        for entry in listed:
            key = server_key(entry.address)
            info = smi_by_key.get(key)
            previous = self._known.get(key)
            name = (info.name if info else "") or (previous.name if previous else "") or key
            host = self._host_of(entry.address, name, placement)
            nics = placement.host_nics(host) if placement and host else None
            seen[key] = PoolServer(
                name=name,
                address=entry.address,
                state=ServerState.UP,
                gpus=gpus_of(entry, info),
                version=(info.version if info else "") or (previous.version if previous else ""),
                tasks=entry.tasks,
                host=host,
                host_nic_gbps=nics.fastest_gbps if nics else None,
                last_seen=now,
            )
        for failure in log.claim_failures:
            key = server_key(failure.address)
            if key in seen:
                continue
            previous = self._known.get(key)
            if previous is None:
                host = self._host_of(failure.address, key, placement)
                previous = PoolServer(key, failure.address, ServerState.UNREACHABLE, host=host)
            seen[key] = replace(
                previous,
                address=failure.address,
                state=ServerState.UNREACHABLE,
                tasks=None,
                reason=failure.reason,
            )
        for key, previous in self._known.items():
            if key not in seen:
                reason = "no longer listed by the client"
                seen[key] = replace(previous, state=ServerState.GONE, tasks=None, reason=reason)
        self._known = dict(seen)
        return tuple(sorted(seen.values(), key=lambda s: (s.name, s.address)))

    def _allocations(self, servers: tuple[PoolServer, ...], now: float) -> tuple[Allocation, ...]:
        out: list[Allocation] = []
        current: set[str] = set()
        for server in servers:
            if not server.reachable:
                continue
            for gpu in server.gpus:
                for client, memory in holders(gpu):
                    key = f"{client}|{gpu.id}"
                    current.add(key)
                    if key not in self._first_seen:
                        self._first_seen[key] = now
                        if not self._refreshed:
                            self._at_start.add(key)
                    out.append(
                        Allocation(
                            client=client,
                            server=server.name,
                            gpu_id=gpu.id,
                            gpu_index=gpu.index,
                            memory_mb=memory,
                            fraction=memory / gpu.memory_mb if gpu.memory_mb else 0.0,
                            since=self._first_seen[key],
                            seen_at_start=key in self._at_start,
                        )
                    )
        for key in set(self._first_seen) - current:
            del self._first_seen[key]
            self._at_start.discard(key)
        return tuple(sorted(out, key=lambda a: (a.client, a.server, a.gpu_index)))

    def transcript(self) -> str:
        return self.last.transcript() if self.last else f"# {self.client}: not refreshed yet\n"


def report_json(report: PoolReport) -> dict[str, object]:
    """`vconsole gpus --json`."""
    return report.as_json()


async def analyze_targets(
    manager: Sessions, targets: list[str] | tuple[str, ...]
) -> dict[str, object]:
    """The `analyze` entry: the pool of every capture that holds `bitfusion list_gpus`."""
    from vconsole.errors import CommandNotCaptured

    out = []
    for target in targets:
        try:
            await manager.run(target, list_gpus_command())
        except CommandNotCaptured:
            continue  # an ESXi host's capture: not a Bitfusion client
        except VconsoleError:
            pass  # the refresh below reports it
        out.append((await GpuPoolService(manager, target).refresh()).as_json())
    return {"clients": out}
