"""The MTU pane's service: discover vmks, check the request, search every pair, judge it.

Used the same way by `vconsole mtu` and the MTU screen:
    service = MtuService(manager)
    plan = await service.prepare([MtuTest(host="esx01", vmk="vmk1", target="10.0.0.2")])
    results = await service.run(plan, on_result=...)
`prepare` reads each host's vmks, netstacks and switches (read-only esxcli) and raises
`MtuInputError` listing every bad field before a single probe is sent. `run` never raises for
one pair: a host that is down or refuses SSH gives that row an error and the rest carry on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from vconsole.errors import UnknownTarget
from vconsole.esx import netinventory as inv
from vconsole.esx.api_map import decode
from vconsole.esx.pasted import UnrecognisedOutput
from vconsole.models.mtu import (
    Confidence,
    HostNetwork,
    MtuResult,
    MtuTest,
    SearchOutcome,
    VmkInterface,
)
from vconsole.services.mtu_batch import HostBatcher
from vconsole.services.mtu_plan import (
    IPV6_MIN_MTU,
    MTU_RANGE,
    MtuInputError,
    MtuPlan,
    PairResolver,
    expand_set,
)
from vconsole.services.mtu_probe import ssh_probe
from vconsole.services.mtu_search import SearchSettings, find_path_mtu
from vconsole.services.mtu_store import MtuStore
from vconsole.services.mtu_verdict import judge
from vconsole.vim.gc_pause import full_collections_postponed

if TYPE_CHECKING:
    from vconsole.config import TargetConfig
    from vconsole.sessions.protocols import Sessions
    from vconsole.sessions.results import Answer
    from vconsole.untyped import Json

DEFAULT_CHANNELS = 8  # default SSH sessions per host: below OpenSSH's default MaxSessions (10)

__all__ = ["MtuInputError", "MtuPlan", "MtuService", "RunSettings", "build_result", "expand_set"]


@dataclass(frozen=True)
class RunSettings:
    """How probes are sent: k in flight per pair, packets per probe, per-probe timeout."""

    parallel: int = 8
    channels_per_host: int | None = None  # when set, pairs on one host share this many probes
    count: int = 2
    timeout_s: float = 1.0
    interval_s: float = 0.2
    max_mtu: int | None = None  # search no higher than this even if the vmk allows more
    confirm_lost: int = 2
    # over SSH several probes per exec (`mtu_batch`), over the API every pair's pings at once;
    # False: one probe per exec, pairs taking turns for the host's channels
    batch: bool = True
    # a host's whole round (4 pairs x k=8) in one exec: the host runs as many probes at once
    # as with two execs of 16, over one session instead of two, and each exec saved is a
    # channel's set-up and close on both ends (the lab matrix's CPU, bench_mtu)
    probes_per_exec: int = 32


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


ResultCallback = Callable[[MtuResult], object]


class MtuService:
    def __init__(
        self,
        manager: Sessions,
        store: MtuStore | None = None,
        settings: RunSettings | None = None,
        resolve_timeout_s: float = 3.0,
    ) -> None:
        self.manager = manager
        self.store = store
        self.settings = settings or RunSettings()
        self.resolve_timeout_s = resolve_timeout_s

    # -- discovery ---------------------------------------------------------------------------
    async def discover(self, host: str) -> HostNetwork:
        """vmks (MTU, netstack, IPv4), netstacks and switch MTUs of one host; never raises."""
        commands = (inv.INTERFACE_LIST, inv.IPV4_GET, inv.NETSTACK_LIST, inv.DVS_LIST, inv.NIC_LIST)
        answers = await asyncio.gather(
            *(self.manager.run(host, c) for c in commands), return_exceptions=True
        )
        first = answers[0]
        if isinstance(first, BaseException):
            return HostNetwork(host, error=str(first) or type(first).__name__)
        if first.exit != 0:
            return HostNetwork(host, error=f"interface list failed: {first.stderr.strip()[:200]}")
        texts = [
            a.stdout if not isinstance(a, BaseException) and a.exit == 0 else "" for a in answers
        ]
        try:
            return _host_network(host, answers, texts)
        except UnrecognisedOutput as exc:
            return HostNetwork(host, error=f"could not read {exc.command} on {host}: {exc.reason}")

    # -- checking the request -------------------------------------------------------------
    async def prepare(self, requests: Sequence[MtuTest]) -> MtuPlan:
        """Validate and resolve every pair; raise MtuInputError naming each problem."""
        resolver = PairResolver(
            self.manager, self.store, self.settings.max_mtu, self.resolve_timeout_s
        )
        return await resolver.prepare(requests, self.discover)

    # -- running ------------------------------------------------------------------------------
    async def run(self, plan: MtuPlan, on_result: ResultCallback | None = None) -> list[MtuResult]:
        """Search every pair of the plan concurrently; results in plan order."""
        previous = self.store.last_results() if self.store else {}

        per_host: dict[str, int] = {}
        for t in plan.tests:
            per_host[t.host] = per_host.get(t.host, 0) + 1

        batchers = {h: self._batcher(h) for h in per_host}
        shared = {h: batchers[h] is not None or self._pings_over_api(h) for h in per_host}
        gates: dict[str, asyncio.Semaphore] = {}
        for host, pairs in per_host.items():
            k = self.probes_per_pair(pairs, shared[host])
            budget = self.settings.channels_per_host
            gates[host] = asyncio.Semaphore(
                max(1, budget // k) if budget and not shared[host] else pairs
            )

        async def one(t: MtuTest) -> MtuResult:
            batcher = batchers[t.host]
            k = self.probes_per_pair(per_host[t.host], shared[t.host])
            async with gates[t.host]:  # pairs beyond the host's channel budget wait their turn
                result = await self.run_pair(
                    t, plan.networks.get(t.host), previous, parallel=k, batcher=batcher
                )
            if on_result is not None:
                on_result(result)
            return result

        try:
            # a full collection walks the whole heap with every thread stopped (30-110 ms
            # measured mid-matrix, bench_mtu) while a round's probes are all in flight; what
            # a run makes is freed as it goes, so the first one after the run does the work
            with full_collections_postponed():
                results = list(await asyncio.gather(*(one(t) for t in plan.tests)))
        except BaseException:
            await asyncio.gather(*(b.aclose(cancel=True) for b in batchers.values() if b))
            raise
        await asyncio.gather(*(b.aclose() for b in batchers.values() if b))
        if self.store is not None:
            self.store.save_results(results)
        return results

    def _target(self, host: str) -> TargetConfig | None:
        try:
            return self.manager.target(host)
        except UnknownTarget:  # a host outside the profile gets the one-probe-per-exec way
            return None

    def _pings_over_api(self, host: str) -> bool:
        """Pings through vCenter hold no SSH channel: every pair's probes go out at once,
        bounded by the session layer's own limits on concurrent `network diag ping` calls."""
        target = self._target(host)
        return self.settings.batch and getattr(target, "via", "") == "api"

    def _batcher(self, host: str) -> HostBatcher | None:
        """A batcher for a host reached over SSH; the API and replay answer one call per probe."""
        target = self._target(host)
        if not self.settings.batch or target is None:
            return None
        if getattr(target, "kind", "") != "esxi" or getattr(target, "via", "ssh") == "api":
            return None
        channels = self.settings.channels_per_host or getattr(target, "concurrency", None)
        return HostBatcher(
            self.manager,
            host,
            channels=channels or DEFAULT_CHANNELS,
            per_exec=self.settings.probes_per_exec,
        )

    def probes_per_pair(self, pairs_on_host: int, shared: bool = False) -> int:
        """k for each pair when `pairs_on_host` pairs share the host's channel budget.

        Never below 6 (round 1 then still holds the vmk MTU and two common MTU pairs); when
        the budget cannot give every pair that many, pairs take turns instead. Batched probes
        (and pings over the API) need no channel each, so every pair keeps its full k.
        """
        s = self.settings
        if not s.channels_per_host or shared:
            return s.parallel
        share = s.channels_per_host // max(1, pairs_on_host)
        return min(s.parallel, max(6, share), max(1, s.channels_per_host))

    async def run_pair(
        self,
        t: MtuTest,
        network: HostNetwork | None,
        previous: dict[str, dict[str, Json]] | None = None,
        parallel: int | None = None,
        batcher: HostBatcher | None = None,
    ) -> MtuResult:
        started = time.monotonic()
        net = network or HostNetwork(t.host, error="not discovered")
        vmk = net.vmk(t.vmk)
        if net.error or vmk is None:
            search = SearchOutcome(
                reachable=False,
                max_payload=None,
                path_mtu=None,
                confidence=Confidence.LOW,
                confidence_note="",
                evidence=(),
                rounds=0,
                error=f"host {t.host}: {net.error or 'vmk not found'}",
            )
        else:
            s = self.settings
            probe = ssh_probe(
                self.manager,
                t.host,
                t.address,
                vmk=vmk.name,
                netstack=t.netstack or vmk.netstack,
                family=t.family,
                count=s.count,
                wait_s=s.timeout_s,
                interval_s=s.interval_s,
                batcher=batcher,
            )
            settings = SearchSettings(
                family=t.family,
                parallel=parallel or s.parallel,
                max_mtu=s.max_mtu or MTU_RANGE[1],
                min_mtu=IPV6_MIN_MTU if t.family == 6 else MTU_RANGE[0],
                confirm_lost=s.confirm_lost,
            )
            search = await find_path_mtu(probe, settings, vmk_mtu=vmk.mtu)
        return build_result(t, net, vmk, search, time.monotonic() - started, previous or {})


def build_result(
    t: MtuTest,
    net: HostNetwork,
    vmk: VmkInterface | None,
    search: SearchOutcome,
    duration_s: float,
    previous: dict[str, dict[str, Json]],
) -> MtuResult:
    """Judge one search and compare it with the pair's last result."""
    vmk_mtu = vmk.mtu if vmk else None
    switch_mtu = net.switch_mtu(vmk) if vmk else None
    headline, findings = judge(
        search,
        vmk=t.vmk,
        target=t.label or t.target,
        family=t.family,
        vmk_mtu=vmk_mtu,
        switch_mtu=switch_mtu,
        required_mtu=t.required_mtu,
        uplink_mtus=net.uplink_mtus(vmk) if vmk else (),
    )
    result = MtuResult(
        host=t.host,
        vmk=t.vmk,
        netstack=t.netstack or (vmk.netstack if vmk else ""),
        target=t.target,
        address=t.address,
        family=t.family,
        label=t.label,
        vmk_mtu=vmk_mtu,
        switch_mtu=switch_mtu,
        path_mtu=search.path_mtu,
        max_payload=search.max_payload,
        verdict=headline,
        verdicts=findings,
        confidence=search.confidence,
        confidence_note=search.confidence_note,
        probes=search.probes,
        rounds=search.rounds,
        duration_s=duration_s,
        evidence=search.evidence,
        checked_at=_now(),
        error=search.error,
        required_mtu=t.required_mtu,
        cancelled=search.cancelled,
    )
    before = previous.get(result.key)
    if before:
        result = replace(
            result,
            previous_path_mtu=before.get("path_mtu"),
            previous_checked_at=before.get("checked_at"),
            changed=before.get("path_mtu") != result.path_mtu
            or before.get("verdict") != result.verdict.code,
        )
    return result


def _host_network(host: str, answers: Sequence[Answer], texts: list[str]) -> HostNetwork:
    """HostNetwork from the five inventory answers; UnrecognisedOutput when one cannot be read."""
    ipv4 = {i.name: i for i in decode(answers[1], inv.parse_ipv4_get, texts[1])}
    vmks = []
    for i in decode(answers[0], inv.parse_interface_list, texts[0]):
        addr = ipv4.get(i.name)
        vmks.append(
            VmkInterface(
                name=i.name,
                mtu=i.mtu or 1500,
                netstack=i.netstack,
                enabled=i.enabled,
                portset=i.portset,
                portgroup=i.portgroup,
                vds_name=i.vds_name,
                ipv4=addr.address if addr else "",
                netmask=addr.netmask if addr else "",
                gateway=addr.gateway if addr else "",
            )
        )
    stacks = tuple(n.key for n in decode(answers[2], inv.parse_netstack_list, texts[2]))
    if not stacks:
        stacks = tuple(sorted({v.netstack for v in vmks}))
    dvs = decode(answers[3], inv.parse_dvs_list, texts[3])
    switches = tuple((d.name, d.mtu) for d in dvs if d.mtu)
    uplinks = tuple((d.name, d.uplinks) for d in dvs)
    nics = tuple((n.name, n.mtu) for n in decode(answers[4], inv.parse_nic_list, texts[4]) if n.mtu)
    return HostNetwork(host, tuple(vmks), stacks, switches, "", uplinks, nics)
