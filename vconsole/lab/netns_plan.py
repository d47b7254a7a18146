"""The namespace layout of a scenario, worked out before anything is created.

Pure data: names, LAN segments, gateway addresses, WAN transit links and routes. `RealNetwork`
turns a plan into `ip`/`tc` commands; keeping the arithmetic here lets it be checked without root.

Layout (one namespace each):
- a host: every vmk is an interface named after it (`vmk0`, `vmk1`...), with the vmk's address,
  netmask and MTU. All netstacks of a host share its namespace: `-I vmkN` binds the probe to the
  interface, so each vmk leaves through its own default route (one per vmk, metric by order).
  Netstack isolation (a vMotion vmk not reaching a default-stack address) is the scenario
  model's rule, not the namespaces'.
- a site router: one bridge per LAN subnet at the site (the physical switch and the gateway in
  one), and a WAN veth to the core with the site's `wan_mtu` on both ends.
- the core: the HQ site's router (or a dedicated one when no site is `hq`); it routes every
  branch's subnets over that branch's WAN link.
- an extra target (vCenter, witness...): one interface `eth0` on its site's LAN.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from vconsole.lab.scenario import Scenario

TRANSIT = ipaddress.ip_network("198.18.0.0/15")  # benchmark range, used only between our routers
PREFIX_RE = re.compile(r"^[A-Za-z0-9]{1,16}$")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
_IFNAME = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")


class NetnsError(RuntimeError):
    """The lab network cannot be built or used; the message says which part and why."""


@dataclass(frozen=True)
class Segment:
    """One LAN subnet at a site: a bridge in the site router's namespace."""

    site: str
    network: ipaddress.IPv4Network
    gateways: tuple[ipaddress.IPv4Address, ...]
    mtu: int
    bridge: str


@dataclass(frozen=True)
class Port:
    """One veth pair from a host vmk or a target to its segment's bridge."""

    ns: str
    ifname: str
    address: ipaddress.IPv4Interface
    mtu: int
    gateway: ipaddress.IPv4Address
    router_ns: str
    router_ifname: str
    switch_mtu: int
    bridge: str
    metric: int
    up: bool = True


@dataclass(frozen=True)
class WanLink:
    """A branch router's link to the core; `blackhole` drops its ICMP frag-needed errors."""

    site: str
    site_ns: str
    core_ns: str
    site_ifname: str
    core_ifname: str
    site_ip: ipaddress.IPv4Interface
    core_ip: ipaddress.IPv4Interface
    mtu: int
    blackhole: bool
    networks: tuple[ipaddress.IPv4Network, ...]


@dataclass(frozen=True)
class NetnsPlan:
    prefix: str
    host_ns: dict[str, str]
    target_ns: dict[str, str]
    router_ns: dict[str, str]  # site name -> router namespace (the HQ site maps to the core)
    core_ns: str
    segments: tuple[Segment, ...]
    ports: tuple[Port, ...]
    wans: tuple[WanLink, ...]

    @property
    def namespaces(self) -> tuple[str, ...]:
        routers = dict.fromkeys([self.core_ns, *self.router_ns.values()])
        return (*routers, *self.host_ns.values(), *self.target_ns.values())


def check_prefix(prefix: str) -> str:
    if not PREFIX_RE.match(prefix):
        raise NetnsError(
            f"prefix {prefix!r} is not accepted: use 1-16 letters or digits (no '-'), "
            "so that one lab's namespaces never match another lab's prefix"
        )
    return prefix


def ns_name(prefix: str, kind: str, name: str) -> str:
    """`<prefix>-<kind>-<name>`: kind is h (host), r (router), t (target)."""
    return f"{prefix}-{kind}-{_SAFE.sub('_', name)[:48]}"


def plan_network(scenario: Scenario, prefix: str) -> NetnsPlan:
    check_prefix(prefix)
    hq = next((s for s in scenario.sites if s.hq), None)
    core_ns = ns_name(prefix, "r", hq.name if hq else "core")
    router_ns = {
        s.name: (core_ns if s is hq else ns_name(prefix, "r", s.name)) for s in scenario.sites
    }
    host_ns = {h.name: ns_name(prefix, "h", h.name) for h in scenario.hosts}
    target_ns = {t.name: ns_name(prefix, "t", t.name) for t in scenario.targets}
    for kind, table in (("site", router_ns), ("host", host_ns), ("target", target_ns)):
        if len(set(table.values())) != len(table):
            raise NetnsError(f"two {kind} names collide once made namespace-safe; rename one")
    used = _scenario_addresses(scenario)
    members = _members(scenario)
    segments = _segments(scenario, members, used, router_ns)
    by_net = {(s.site, s.network): s for s in segments}
    ports: list[Port] = []
    for hi, h in enumerate(scenario.hosts):
        for vi, v in enumerate(h.vmks):
            if ":" in v.ip:
                continue
            iface = _interface(v.ip, v.netmask, f"host {h.name} {v.name}")
            seg = by_net[(h.site, iface.network)]
            gw = ipaddress.IPv4Address(v.gateway) if v.gateway else seg.gateways[0]
            if not _IFNAME.match(v.name):
                raise NetnsError(
                    f"host {h.name}: vmk name {v.name!r} cannot name an interface "
                    "(1-15 letters, digits, '_', '.', '-')"
                )
            ports.append(
                Port(
                    ns=host_ns[h.name],
                    ifname=v.name,
                    address=iface,
                    mtu=v.mtu,
                    gateway=gw,
                    router_ns=router_ns[h.site],
                    router_ifname=f"h{hi}v{vi}",
                    switch_mtu=h.dvs_mtu,
                    bridge=seg.bridge,
                    metric=100 + vi,
                    up=not h.down,
                )
            )
    for ti, t in enumerate(scenario.targets):
        seg = _target_segment(t.ip, t.site, segments)
        ports.append(
            Port(
                ns=target_ns[t.name],
                ifname="eth0",
                address=ipaddress.IPv4Interface(f"{t.ip}/{seg.network.prefixlen}"),
                mtu=t.mtu,
                gateway=seg.gateways[0],
                router_ns=router_ns[t.site],
                router_ifname=f"t{ti}",
                switch_mtu=seg.mtu,
                bridge=seg.bridge,
                metric=100,
            )
        )
    wans = _wans(scenario, segments, router_ns, core_ns)
    return NetnsPlan(
        prefix=prefix,
        host_ns=host_ns,
        target_ns=target_ns,
        router_ns=router_ns,
        core_ns=core_ns,
        segments=tuple(segments),
        ports=tuple(ports),
        wans=tuple(wans),
    )


def _interface(ip: str, netmask: str, where: str) -> ipaddress.IPv4Interface:
    try:
        return ipaddress.IPv4Interface(f"{ip}/{netmask}")
    except ValueError as exc:
        raise NetnsError(f"{where}: {ip}/{netmask} is not an IPv4 address and netmask") from exc


def _scenario_addresses(scenario: Scenario) -> set[ipaddress.IPv4Address]:
    out = {ipaddress.IPv4Address(v.ip) for h in scenario.hosts for v in h.vmks if ":" not in v.ip}
    for t in scenario.targets:
        try:
            out.add(ipaddress.IPv4Address(t.ip))
        except ValueError as exc:
            raise NetnsError(f"target {t.name}: ip {t.ip!r} is not an IPv4 address") from exc
    return out


_Members = dict[tuple[str, ipaddress.IPv4Network], list[tuple[int, str]]]


def _members(scenario: Scenario) -> _Members:
    """(site, subnet) -> [(mtu, configured gateway)] of every vmk in it."""
    out: _Members = {}
    for h in scenario.hosts:
        for v in h.vmks:
            if ":" in v.ip:
                continue
            iface = _interface(v.ip, v.netmask, f"host {h.name} {v.name}")
            if v.gateway and ipaddress.IPv4Address(v.gateway) not in iface.network:
                raise NetnsError(
                    f"host {h.name} {v.name}: gateway {v.gateway} is outside {iface.network}"
                )
            out.setdefault((h.site, iface.network), []).append((v.mtu, v.gateway))
    return out


def _segments(
    scenario: Scenario,
    members: _Members,
    used: set[ipaddress.IPv4Address],
    router_ns: dict[str, str],
) -> list[Segment]:
    nets = dict(members)
    for t in scenario.targets:
        addr = ipaddress.IPv4Address(t.ip)
        if not any(site == t.site and addr in net for site, net in nets):
            nets[(t.site, ipaddress.IPv4Network(f"{t.ip}/24", strict=False))] = []
    keys = sorted(nets, key=lambda k: (k[0], int(k[1].network_address)))
    for i, (site_a, a) in enumerate(keys):
        for site_b, b in keys[i + 1 :]:
            if a.overlaps(b):
                raise NetnsError(
                    f"subnet {a} (site {site_a}) overlaps {b} (site {site_b}); routed sites "
                    "need distinct subnets"
                )
        if a.overlaps(TRANSIT):
            raise NetnsError(f"subnet {a} overlaps the lab's transit range {TRANSIT}")
    per_router: dict[str, int] = {}
    out = []
    for site, net in keys:
        mtus = [m for m, _ in nets[(site, net)]] + [
            t.mtu for t in scenario.targets if t.site == site and ipaddress.IPv4Address(t.ip) in net
        ]
        gws = [ipaddress.IPv4Address(g) for _, g in nets[(site, net)] if g]
        gateways = tuple(dict.fromkeys(gws)) or (_free_address(net, used),)
        idx = per_router.get(router_ns[site], 0)
        per_router[router_ns[site]] = idx + 1
        out.append(
            Segment(
                site=site, network=net, gateways=gateways, mtu=max([1500, *mtus]), bridge=f"br{idx}"
            )
        )
    return out


def _free_address(
    net: ipaddress.IPv4Network, used: set[ipaddress.IPv4Address]
) -> ipaddress.IPv4Address:
    """The highest host address nobody in the scenario uses (x.x.x.254 in a /24)."""
    top = int(net.broadcast_address) - 1
    for n in range(top, max(top - 4096, int(net.network_address)), -1):
        addr = ipaddress.IPv4Address(n)
        if addr not in used:
            return addr
    raise NetnsError(f"subnet {net} has no free address for the site router's gateway")


def _target_segment(ip: str, site: str, segments: list[Segment]) -> Segment:
    addr = ipaddress.IPv4Address(ip)
    return next(s for s in segments if s.site == site and addr in s.network)


def _wans(
    scenario: Scenario, segments: list[Segment], router_ns: dict[str, str], core_ns: str
) -> list[WanLink]:
    out = []
    for si, s in enumerate(scenario.sites):
        if router_ns[s.name] == core_ns:
            continue
        base = int(TRANSIT.network_address) + 4 * si
        out.append(
            WanLink(
                site=s.name,
                site_ns=router_ns[s.name],
                core_ns=core_ns,
                site_ifname="wan0",
                core_ifname=f"s{si}-wan"[:15],
                site_ip=ipaddress.IPv4Interface(f"{ipaddress.IPv4Address(base + 2)}/30"),
                core_ip=ipaddress.IPv4Interface(f"{ipaddress.IPv4Address(base + 1)}/30"),
                mtu=s.wan_mtu,
                blackhole=s.icmp_blackhole,
                networks=tuple(g.network for g in segments if g.site == s.name),
            )
        )
    return out
