"""Checking and resolving MTU pairs before anything is probed.

Every field is validated (names, vmks, netstacks, sizes), each host is read once (its vmks,
netstacks and switches), and targets become addresses: an IP, `host:vmkN`, `peer`, a saved
name, a profile target or a name this machine resolves. All problems come back at once.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from vconsole import tokens
from vconsole.errors import InvalidToken, VconsoleError
from vconsole.models.mtu import HostNetwork, MtuTest, TestSet, VmkInterface

if TYPE_CHECKING:
    from vconsole.services.mtu_store import MtuStore
    from vconsole.sessions.protocols import Sessions

MTU_RANGE = (68, 9216)
IPV6_MIN_MTU = 1280


class MtuInputError(VconsoleError):
    """The request cannot run; `problems` names each bad field and what would be accepted."""

    title = "Bad MTU test"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class MtuPlan:
    """Resolved pairs ready to probe, the hosts' networks, and hosts that could not be read."""

    tests: tuple[MtuTest, ...]
    networks: dict[str, HostNetwork] = field(default_factory=dict)
    host_errors: dict[str, str] = field(default_factory=dict)


def expand_set(test_set: TestSet) -> list[MtuTest]:
    """A saved set's tests with `host="*"` fanned out over the set's hosts, `peer` over the others."""
    out = []
    members = test_set.hosts or tuple(
        dict.fromkeys(t.host for t in test_set.tests if t.host != "*")
    )
    for t in test_set.tests:
        hosts = members if t.host == "*" else (t.host,)
        for h in hosts:
            if t.target == "peer" or t.target.startswith("peer:"):
                vmk = t.target.partition(":")[2] or t.vmk
                out += [
                    replace(t, host=h, target=f"{other}:{vmk}", label=t.label or "peer")
                    for other in members
                    if other != h
                ]
            else:
                out.append(replace(t, host=h))
    return out


class PairResolver:
    """Turns what the admin asked for into pairs vmkping can run, or a list of problems."""

    def __init__(
        self,
        manager: Sessions,
        store: MtuStore | None,
        max_mtu: int | None,
        resolve_timeout_s: float,
    ) -> None:
        self.manager = manager
        self.store = store
        self.max_mtu = max_mtu
        self.resolve_timeout_s = resolve_timeout_s

    async def prepare(
        self, requests: Sequence[MtuTest], discover: Callable[[str], Awaitable[HostNetwork]]
    ) -> MtuPlan:
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
            zip(names, await asyncio.gather(*(discover(h) for h in names)), strict=True)
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
        for name, value in (("required MTU", t.required_mtu), ("max MTU", self.max_mtu)):
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
        if t.label == "peer" and _is_vmk_ref(t.target):
            other, _, other_vmk = t.target.partition(":")
            if other in networks and not _same_network(vmk, networks[other], other_vmk):
                return []  # a set's peer on another netstack is no peer (vMotion vs vSAN)
        targets = self._targets(t, vmk, networks, book, requests)
        out = []
        peer = t.target == "peer" or t.target.startswith("peer:")
        for _, name in targets:
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
                    target=name if peer else t.target,
                    label=(t.label or "peer") if peer else t.label,
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
                if _same_network(vmk, networks[h], peer_vmk)
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


def _same_network(vmk: VmkInterface | None, other: HostNetwork, name: str) -> bool:
    """A peer is the same vmk on another host, on the same netstack (vMotion talks to vMotion)."""
    theirs = None if other.error else other.vmk(name)
    return theirs is not None and (vmk is None or theirs.netstack == vmk.netstack)
