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
import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from vconsole import tokens
from vconsole.esx import netinventory as inv
from vconsole.models.mtu import (
    Confidence,
    HostNetwork,
    MtuResult,
    MtuTest,
    SearchOutcome,
    TestSet,
    VmkInterface,
    overhead,
)
from vconsole.services.mtu_probe import ssh_probe
from vconsole.services.mtu_search import SearchSettings, find_path_mtu
from vconsole.services.mtu_store import MtuStore
from vconsole.services.mtu_verdict import judge
from vconsole.sessions.errors import InvalidToken, VconsoleError

MTU_RANGE = (68, 9216)
IPV6_MIN_MTU = 1280


class MtuInputError(VconsoleError):
    """The request cannot run; `problems` names each bad field and what would be accepted."""

    title = "Bad MTU test"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


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


@dataclass(frozen=True)
class MtuPlan:
    """Resolved pairs ready to probe, the hosts' networks, and hosts that could not be read."""

    tests: tuple[MtuTest, ...]
    networks: dict[str, HostNetwork] = field(default_factory=dict)
    host_errors: dict[str, str] = field(default_factory=dict)


ResultCallback = Callable[[MtuResult], Any]


def expand_set(test_set: TestSet) -> list[MtuTest]:
    """A saved set's tests with `host="*"` fanned out over the set's hosts, `peer` over the others."""
    out = []
    for t in test_set.tests:
        hosts = test_set.hosts if t.host == "*" else (t.host,)
        for h in hosts:
            if t.target == "peer" or t.target.startswith("peer:"):
                vmk = t.target.partition(":")[2] or t.vmk
                out += [
                    replace(t, host=h, target=f"{other}:{vmk}", label=t.label or f"peer {vmk}")
                    for other in test_set.hosts
                    if other != h
                ]
            else:
                out.append(replace(t, host=h))
    return out


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class MtuService:
    def __init__(
        self,
        manager: Any,
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
        commands = (inv.INTERFACE_LIST, inv.IPV4_GET, inv.NETSTACK_LIST, inv.DVS_LIST)
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
        ipv4 = {i.name: i for i in inv.parse_ipv4_get(texts[1])}
        vmks = []
        for i in inv.parse_interface_list(texts[0]):
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
        stacks = tuple(n.key for n in inv.parse_netstack_list(texts[2]))
        if not stacks:
            stacks = tuple(sorted({v.netstack for v in vmks}))
        switches = tuple((d.name, d.mtu) for d in inv.parse_dvs_list(texts[3]) if d.mtu)
        return HostNetwork(host, tuple(vmks), stacks, switches)

    # -- checking the request -------------------------------------------------------------
    async def prepare(self, requests: Sequence[MtuTest]) -> MtuPlan:
        """Validate and resolve every pair; raise MtuInputError naming each problem."""
        problems: list[str] = []
        bad: set[int] = set()
        for i, t in enumerate(requests):
            found = self._check_fields(t, f"pair {i + 1} ({t.host} -> {t.target})")
            problems += found
            if found:
                bad.add(i)
        good = [t for i, t in enumerate(requests) if i not in bad]
        known = set(self.manager.profile.names("esxi", "replay"))
        hosts = {t.host for t in good}
        hosts |= {t.target.split(":")[0] for t in good if _is_vmk_ref(t.target)} & known
        hosts |= {
            h
            for t in good
            for h in self._peer_hosts(t, good)
            if t.target == "peer" or t.target.startswith("peer:")
        }
        names = sorted(hosts)
        networks = dict(
            zip(names, await asyncio.gather(*(self.discover(h) for h in names)), strict=True)
        )
        book = self.store.addresses() if self.store else {}
        resolved: list[MtuTest] = []
        host_errors = {h: n.error for h, n in networks.items() if n.error}
        for i, t in enumerate(requests):
            if i in bad:
                continue
            where = f"pair {i + 1} ({t.host} -> {t.target})"
            net = networks[t.host]
            if net.error:
                resolved.append(t)
                continue
            try:
                resolved += await self._resolve(t, net, networks, book, good)
            except InvalidToken as exc:
                problems.append(f"{where}: {exc}")
        if problems:
            raise MtuInputError(problems)
        unique = list(dict.fromkeys(resolved))
        return MtuPlan(tuple(unique), networks, host_errors)

    def _check_fields(self, t: MtuTest, where: str) -> list[str]:
        out = []
        try:
            target = self.manager.profile.target(t.host)
            if target.kind not in ("esxi", "replay"):
                out.append(
                    f"{where}: host: {t.host!r} is a {target.kind} target; expected an ESXi host"
                )
        except VconsoleError as exc:
            out.append(f"{where}: host: {exc}")
        checks: list[Callable[[], object]] = []
        if t.vmk:
            checks.append(lambda: tokens.vmk_name(t.vmk, "vmk"))
        if t.netstack:
            checks.append(lambda: tokens.netstack_name(t.netstack, "netstack"))
        if t.family not in (4, 6):
            out.append(f"{where}: family: {t.family!r} is not accepted; expected 4 or 6")
        if t.target != "peer" and not t.target.startswith("peer:"):
            ref = t.target.split(":", 1)[0] if _is_vmk_ref(t.target) else t.target
            checks.append(lambda: tokens.target_address(ref, "target"))
        low = IPV6_MIN_MTU if t.family == 6 else MTU_RANGE[0]
        for name, value in (("required MTU", t.required_mtu), ("max MTU", self.settings.max_mtu)):
            if value is not None and not low <= value <= MTU_RANGE[1]:
                out.append(
                    f"{where}: {name}: {value!r} is not accepted; expected {low} to {MTU_RANGE[1]}"
                )
        for check in checks:
            try:
                check()
            except InvalidToken as exc:
                out.append(f"{where}: {exc}")
        return out

    def _peer_hosts(self, t: MtuTest, requests: Sequence[MtuTest]) -> list[str]:
        return [r.host for r in requests if r.host != t.host]

    async def _resolve(
        self,
        t: MtuTest,
        net: HostNetwork,
        networks: dict[str, HostNetwork],
        book: dict[str, str],
        requests: Sequence[MtuTest],
    ) -> list[MtuTest]:
        vmk = net.vmk(t.vmk) if t.vmk else None
        if t.vmk and vmk is None:
            known = ", ".join(v.name for v in net.vmks) or "none"
            raise InvalidToken("vmk", t.vmk, f"a vmk that exists on {t.host} ({known})")
        if t.netstack and t.netstack not in net.netstacks:
            raise InvalidToken(
                "netstack", t.netstack, f"a netstack of {t.host} ({', '.join(net.netstacks)})"
            )
        if vmk and t.netstack and vmk.netstack != t.netstack:
            raise InvalidToken(
                "netstack",
                t.netstack,
                f"{vmk.name}'s own netstack {vmk.netstack} (or leave it out)",
            )
        targets = self._targets(t, vmk, networks, book, requests)
        out = []
        for label, name in targets:
            address = await self._address(name, t.family, book, networks)
            chosen = vmk or _pick_vmk(net, address, t.netstack)
            if chosen is None:
                raise InvalidToken("vmk", "", f"a vmk of {t.host} to send from (none found)")
            out.append(
                replace(
                    t,
                    vmk=chosen.name,
                    netstack=chosen.netstack,
                    address=address,
                    label=t.label if t.target not in ("peer",) else label,
                )
            )
        return out

    def _targets(
        self,
        t: MtuTest,
        vmk: VmkInterface | None,
        networks: dict[str, HostNetwork],
        book: dict[str, str],
        requests: Sequence[MtuTest],
    ) -> list[tuple[str, str]]:
        if t.target == "peer" or t.target.startswith("peer:"):
            peer_vmk = t.target.partition(":")[2] or (vmk.name if vmk else "")
            if not peer_vmk:
                raise InvalidToken("target", t.target, "peer:vmkN, or peer with --vmk")
            hosts = sorted({h for h in self._peer_hosts(t, requests)})
            found = [
                (f"{h}:{peer_vmk}", f"{h}:{peer_vmk}")
                for h in hosts
                if not networks[h].error and networks[h].vmk(peer_vmk)
            ]
            if not found:
                raise InvalidToken("target", t.target, f"other hosts in the run with {peer_vmk}")
            return found
        return [(t.label or t.target, t.target)]

    async def _address(
        self, name: str, family: int, book: dict[str, str], networks: dict[str, HostNetwork]
    ) -> str:
        """An IP for `name`: literal, host:vmkN, address book, profile target, then DNS."""
        accepted = "an IP address, host:vmkN, a saved target name, or a name this machine resolves"
        if _is_vmk_ref(name):
            host, _, vmk_name = name.partition(":")
            return self._vmk_address(host, vmk_name, family, networks)
        text = book.get(name, name)
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            ip = None
        if ip is None:
            try:
                configured = self.manager.profile.target(name)
                text = configured.address or text
                ip = ipaddress.ip_address(text)
            except (VconsoleError, ValueError):
                ip = None
        if ip is None:
            ip = await self._lookup(text, family)
            if ip is None:
                raise InvalidToken("target", name, accepted)
        if ip.version != family:
            raise InvalidToken(
                "target", name, f"an IPv{family} address (it is IPv{ip.version}; use -6 for IPv6)"
            )
        return str(ip)

    def _vmk_address(
        self, host: str, vmk_name: str, family: int, networks: dict[str, HostNetwork]
    ) -> str:
        ref = f"{host}:{vmk_name}"
        net = networks.get(host)
        if net is None or net.error:
            why = net.error if net else "not part of this run"
            raise InvalidToken("target", ref, f"host:vmkN of a host that can be read ({why})")
        vmk = net.vmk(vmk_name)
        if vmk is None or not vmk.ipv4:
            known = ", ".join(v.name for v in net.vmks if v.ipv4) or "none"
            raise InvalidToken("target", ref, f"a vmk of {host} with an IPv4 address ({known})")
        if family == 6:
            raise InvalidToken("target", ref, "an IPv6 address typed out (host:vmkN gives IPv4)")
        return vmk.ipv4

    async def _lookup(
        self, name: str, family: int
    ) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        loop = asyncio.get_running_loop()
        fam = socket.AF_INET if family == 4 else socket.AF_INET6
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(name, None, family=fam, type=socket.SOCK_DGRAM),
                self.resolve_timeout_s,
            )
        except (OSError, asyncio.TimeoutError, UnicodeError):
            return None
        for info in infos:
            try:
                return ipaddress.ip_address(info[4][0])
            except ValueError:
                continue
        return None

    # -- running ------------------------------------------------------------------------------
    async def run(self, plan: MtuPlan, on_result: ResultCallback | None = None) -> list[MtuResult]:
        """Search every pair of the plan concurrently; results in plan order."""
        previous = self.store.last_results() if self.store else {}

        per_host: dict[str, int] = {}
        for t in plan.tests:
            per_host[t.host] = per_host.get(t.host, 0) + 1

        gates: dict[str, asyncio.Semaphore] = {}
        for host, pairs in per_host.items():
            k = self.probes_per_pair(pairs)
            budget = self.settings.channels_per_host
            gates[host] = asyncio.Semaphore(max(1, budget // k) if budget else pairs)

        async def one(t: MtuTest) -> MtuResult:
            k = self.probes_per_pair(per_host[t.host])
            async with gates[t.host]:  # pairs beyond the host's channel budget wait their turn
                result = await self.run_pair(t, plan.networks.get(t.host), previous, parallel=k)
            if on_result is not None:
                on_result(result)
            return result

        results = list(await asyncio.gather(*(one(t) for t in plan.tests)))
        if self.store is not None:
            self.store.save_results(results)
        return results

    def probes_per_pair(self, pairs_on_host: int) -> int:
        """k for each pair when `pairs_on_host` pairs share the host's channel budget.

        Never below 6 (round 1 then still holds the vmk MTU and two common MTU pairs); when
        the budget cannot give every pair that many, pairs take turns instead.
        """
        s = self.settings
        if not s.channels_per_host:
            return s.parallel
        share = s.channels_per_host // max(1, pairs_on_host)
        return min(s.parallel, max(6, share), max(1, s.channels_per_host))

    async def run_pair(
        self,
        t: MtuTest,
        network: HostNetwork | None,
        previous: dict[str, dict[str, Any]] | None = None,
        parallel: int | None = None,
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


def _is_vmk_ref(target: str) -> bool:
    host, sep, vmk = target.partition(":")
    return bool(sep) and bool(host) and vmk.startswith("vmk") and vmk[3:].isdigit()


def _pick_vmk(net: HostNetwork, address: str, netstack: str) -> VmkInterface | None:
    """Without --vmk: the vmk on the target's subnet, else the one with a gateway, else vmk0."""
    candidates = [v for v in net.vmks if v.enabled and (not netstack or v.netstack == netstack)]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        ip = None
    for v in candidates:
        if ip is not None and v.ipv4 and v.netmask:
            try:
                if ip in ipaddress.ip_network(f"{v.ipv4}/{v.netmask}", strict=False):
                    return v
            except ValueError:
                continue
    for v in candidates:
        if v.gateway and v.gateway != "0.0.0.0" and v.netstack == "defaultTcpipStack":
            return v
    return next((v for v in candidates if v.name == "vmk0"), candidates[0] if candidates else None)


def build_result(
    t: MtuTest,
    net: HostNetwork,
    vmk: VmkInterface | None,
    search: SearchOutcome,
    duration_s: float,
    previous: dict[str, dict[str, Any]],
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


def payload_for(mtu: int, family: int) -> int:
    return mtu - overhead(family)
