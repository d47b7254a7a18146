"""The ICMP probe model behind `vmkping` and `esxcli network diag ping`.

Source interface: `-I vmkN` must be a vmk of the chosen netstack (default `defaultTcpipStack`,
else `-S`/`++netstack`); a vmk on another netstack is unknown to that stack, which is why plain
vmkping "fails" for a vMotion-stack vmk (reference, Hyperflex issue #28). Without `-I` the stack
picks the vmk whose subnet holds the target, else one with a gateway, else its first vmk.

Each probe meets `PathInfo.outcome`: `too_long` when payload + header exceeds the local vmk MTU
with DF set; `lost` when the target is unreachable or a link beyond the vmk is smaller. Where a
smaller link is a routed WAN without an ICMP black hole, its router answers "fragmentation
needed": vmkping prints no line for it (the reference shows only echo replies), but the stack
learns the path MTU for ten minutes, so later DF probes above it fail locally with
`sendto() failed (Message too long)` [R: FreeBSD's PMTU behaviour, the same choice the
real-network mode makes]. An ICMP black hole stays silent: every oversize probe is `lost`.
Without DF an oversize probe is fragmented and answered.

Timing: probes are `-i` apart (default 1 s); after the last probe a lost one waits `-W`.
The default `-W` is not in the reference; 1 s is used here [R] (FreeBSD's own ping waits up
to 10 s). All sleeps go through the lab clock (`time_scale`).
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass

from vconsole.lab.esxi.state import DEFAULT_NETSTACK, HostState
from vconsole.lab.scenario import IPV4_HEADER, IPV6_HEADER, PathInfo, ScenarioError, Vmk

DEFAULT_COUNT = 3
DEFAULT_SIZE = 56
DEFAULT_INTERVAL_S = 1.0
DEFAULT_WAIT_S = 1.0
ROUTED_HOPS_BETWEEN_SITES = 2
PMTU_EXPIRY_S = 600.0  # how long a learned path MTU holds (FreeBSD and Linux default)


@dataclass(frozen=True)
class PingRequest:
    target: str
    count: int = DEFAULT_COUNT
    size: int = DEFAULT_SIZE
    df: bool = False
    interval_s: float = DEFAULT_INTERVAL_S
    wait_s: float = DEFAULT_WAIT_S
    interface: str = ""
    netstack: str = ""
    nexthop: str = ""
    ttl: int = 64
    family: int = 4
    debug: bool = False


@dataclass(frozen=True)
class ProbeResult:
    seq: int
    outcome: str  # reply | too_long | lost
    rtt_ms: float = 0.0
    ttl: int = 64


class ProbeError(Exception):
    """A request the stack refuses before sending anything (bad interface, netstack...)."""


def unknown_interface(name: str) -> ProbeError:
    return ProbeError(f"Unknown interface '{name}': Invalid argument")


def source_vmk(state: HostState, req: PingRequest) -> Vmk:
    stack = req.netstack or DEFAULT_NETSTACK
    if stack not in state.netstacks():
        raise ProbeError(f"Invalid netstack instance name '{stack}'")
    candidates = [v for v in state.host.vmks if v.netstack == stack]
    if req.interface:
        vmk = next((v for v in candidates if v.name == req.interface), None)
        if vmk is None:
            raise unknown_interface(req.interface)
        return vmk
    if not candidates:
        raise ProbeError("sendto() failed (Network is unreachable)")
    for v in candidates:
        if _in_subnet(v, req.target):
            return v
    return next((v for v in candidates if v.gateway), candidates[0])


def _in_subnet(vmk: Vmk, ip: str) -> bool:
    try:
        net = ipaddress.ip_network(f"{vmk.ip}/{vmk.netmask}", strict=False)
        return ipaddress.ip_address(ip) in net
    except ValueError:
        return False


def ping_real_network(state: HostState, req: PingRequest, vmk: Vmk) -> tuple[str, str, int]:
    """`req` as a real `ping` from `vmk` in the host's network namespace: (stdout, stderr, exit)."""
    out, err, code = state.real_network.ping(
        state.name,
        vmk.name,
        req.target,
        req.size,
        df=req.df,
        count=req.count,
        wait_s=req.wait_s,
        interval_s=req.interval_s,
        family=req.family,
    )
    return out, err, code


def run_probes(state: HostState, req: PingRequest, vmk: Vmk) -> list[ProbeResult]:
    """Send `req.count` probes from `vmk` through the modelled path, sleeping like the real tool."""
    scenario, clock = state.scenario, state.clock
    try:
        path = scenario.path(state.name, vmk.name, req.target)
    except ScenarioError:
        path = None
    dst = scenario.endpoint(req.target)
    hops = 0 if dst is None or dst.site == state.host.site else ROUTED_HOPS_BETWEEN_SITES
    rng = random.Random(f"{state.name}/{vmk.name}/{req.target}/{req.size}")
    results = []
    for seq in range(req.count):
        if path is None:
            outcome = "lost"
        elif req.df:
            outcome = _df_outcome(state, path, req, vmk)
        else:
            outcome = "reply" if path.reachable else "lost"
        if outcome == "reply" and (req.ttl <= hops or not _nexthop_ok(vmk, req)):
            outcome = "lost"
        rtt = 0.0
        if outcome == "reply" and path is not None:
            rtt = path.latency_ms * rng.uniform(0.8, 1.25) + req.size / 125000.0
            clock.sleep(rtt / 1000.0)
        results.append(ProbeResult(seq, outcome, round(rtt, 3), 64 - hops))
        if seq + 1 < req.count:
            clock.sleep(max(0.0, req.interval_s - rtt / 1000.0))
    if results and results[-1].outcome == "lost":
        clock.sleep(req.wait_s)
    return results


def _df_outcome(state: HostState, path: PathInfo, req: PingRequest, vmk: Vmk) -> str:
    """One DF probe, with the path MTU the stack learned from earlier "fragmentation needed"."""
    header = IPV4_HEADER if req.family == 4 else IPV6_HEADER
    key = (vmk.netstack, req.target)
    now = state.clock.now()
    with state.lock:
        learned = state.learned_pmtu.get(key)
        if learned and learned[1] > now and req.size + header > learned[0]:
            return "too_long"
        outcome = path.outcome(req.size, req.family)
        if outcome == "lost" and _refused_by_router(path):
            state.learned_pmtu[key] = (path.mtu, now + PMTU_EXPIRY_S)
    return outcome


def _refused_by_router(path: PathInfo) -> bool:
    """A WAN router is the narrowest hop and answers "fragmentation needed" (no black hole)."""
    if not path.reachable or path.blackhole or len(path.hops) < 2:
        return False
    label, _ = min(path.hops[1:], key=lambda hop: hop[1])
    return label.endswith("/wan")


def _nexthop_ok(vmk: Vmk, req: PingRequest) -> bool:
    return not req.nexthop or _in_subnet(vmk, req.nexthop)


def debug_targets(state: HostState, req: PingRequest) -> list[tuple[Vmk, str]]:
    """`-D`: the stack pings its own configured addresses and gateways ([R] list)."""
    stack = req.netstack or DEFAULT_NETSTACK
    out: list[tuple[Vmk, str]] = []
    for v in state.host.vmks:
        if v.netstack != stack:
            continue
        out.append((v, v.ip))
        if v.gateway:
            out.append((v, v.gateway))
    return out
