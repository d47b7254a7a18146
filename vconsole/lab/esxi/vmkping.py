"""`vmkping` / `ping` as the ESXi shell prints them (BSD-style output, vmkping.md §3).

[V] layouts: header `PING ip (ip): N data bytes`, reply `N+8 bytes from ip: icmp_seq=S ttl=T
time=X ms`, `sendto() failed (Message too long)` once per probe, the statistics block and the
blank line after it. [R] choices: `Unknown interface 'vmkN': Invalid argument` (reference 3e);
IPv6 replies print `hlim=` (3f); `sendto()` lines go to stdout so they stay in order with the
rest; exit 1 when nothing came back; usage errors print the help text to stderr after a
BSD-style line (`ping: illegal option -- z`, `ping: -N requires -I for IPv4`); a host name
gives `ping: cannot resolve NAME: Unknown host` (exit 68, BSD's EX_NOHOST); `-X` and `-v`
are accepted and change nothing; `-t` below the two routed hops between sites loses the probe
(replies from another site show ttl=62); `-N` must lie in the source vmk's subnet.
With a `real_network`, probes go through it (a real `ping -M do` in namespaces) instead; `-D`
always answers from the model.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from vconsole.lab.esxi.output import Reply
from vconsole.lab.esxi.probes import (
    PingRequest,
    ProbeError,
    ProbeResult,
    debug_targets,
    ping_real_network,
    run_probes,
    source_vmk,
)
from vconsole.lab.esxi.state import HostState

HELP = """ping [args] [host]
   args:
      -4               use IPv4 (default)
      -6               use IPv6
      -c <count>       set packet count
      -d               set DF bit (IPv4) or disable fragmentation (IPv6)
      -D               vmkernel TCP stack debug mode
      -i <interval>    set interval (secs)
      -I <interface>   outgoing interface - for IPv6 scope or IPv4
                       bypasses routing lookup
      -N <next_hop>    set IP*_NEXTHOP - bypasses routing lookup
                       for IPv4, -I option is required
      -s <size>        set the number of ICMP data bytes to be sent.
                       The default is 56, which translates to a 64 byte
                       ICMP frame when added to the 8 byte ICMP header.
                       (Note: these sizes does not include the IP header).
      -t <ttl>         set IPv4 Time To Live or IPv6 Hop Limit
      -v               verbose
      -W <timeout>     set timeout to wait if no responses are
                       received (secs)

      -X               XML output format for esxcli framework.
      -S               The network stack instance name. If unspecified
                       the default netstack instance is used.
   NOTE: In vmkernel TCP debug mode, vmkping traverses
         VSI and pings various configured addresses.
"""

_WITH_VALUE = "ciINstWS"
_FLAGS = "46dDvXh"
_MAX_PAYLOAD = {4: 65507, 6: 65487}


class UsageError(Exception):
    """Bad vmkping arguments; the message (if any) precedes the help text."""


def parse_args(args: Sequence[str]) -> PingRequest:
    values: dict[str, str] = {}
    flags: set[str] = set()
    targets: list[str] = []
    i = 0
    while i < len(args):
        tok = args[i]
        if tok.startswith("++netstack="):
            values["S"] = tok.split("=", 1)[1]
        elif tok.startswith("-") and len(tok) > 1:
            j = 1
            while j < len(tok):
                ch = tok[j]
                if ch in _FLAGS:
                    flags.add(ch)
                    j += 1
                    continue
                if ch not in _WITH_VALUE:
                    raise UsageError(f"ping: illegal option -- {ch}")
                rest = tok[j + 1 :]
                if not rest:
                    i += 1
                    if i >= len(args):
                        raise UsageError(f"ping: option requires an argument -- {ch}")
                    rest = args[i]
                values[ch] = rest
                break
        else:
            targets.append(tok)
        i += 1
    if "h" in flags:
        raise UsageError("")
    if "D" in flags and not targets:
        targets.append("")
    if len(targets) != 1:
        raise UsageError("")
    family = 6 if "6" in flags or ":" in targets[0] else 4
    if "N" in values and "I" not in values and family == 4:
        raise UsageError("ping: -N requires -I for IPv4")
    return PingRequest(
        target=targets[0],
        count=_number(values.get("c", "3"), int, "count of packets to transmit", 1),
        size=_number(values.get("s", "56"), int, "packet size", 0),
        df="d" in flags,
        interval_s=_number(values.get("i", "1"), float, "timing interval", 0),
        wait_s=_number(values.get("W", "1"), float, "timeout", 0),
        interface=values.get("I", ""),
        netstack=values.get("S", ""),
        nexthop=values.get("N", ""),
        ttl=_number(values.get("t", "64"), int, "TTL", 1),
        family=family,
        debug="D" in flags,
    )


def _number(text: str, kind: type[int] | type[float], what: str, minimum: float) -> Any:
    try:
        value = kind(text)
    except ValueError:
        raise UsageError(f"ping: invalid {what}: `{text}'") from None
    if value < minimum:
        raise UsageError(f"ping: invalid {what}: `{text}'")
    return value


def vmkping(state: HostState, argv: Sequence[str]) -> Reply:
    try:
        req = parse_args(argv[1:])
    except UsageError as exc:
        text = f"{exc}\n" if str(exc) else ""
        return Reply(stderr=text + HELP, exit=1 if text or "-h" not in argv else 0)
    if req.size > _MAX_PAYLOAD[req.family]:
        return Reply(
            stderr=f"ping: packet size too large: {req.size} > {_MAX_PAYLOAD[req.family]}\n", exit=1
        )
    if req.debug:
        return _debug(state, req)
    if not _is_address(req.target) or (req.family == 6) != (":" in req.target):
        return Reply(stderr=f"ping: cannot resolve {req.target}: Unknown host\n", exit=68)
    try:
        vmk = source_vmk(state, req)
    except ProbeError as exc:
        return Reply(stderr=f"{exc}\n", exit=1)
    if state.real_network is not None:
        return Reply(*ping_real_network(state, req, vmk))
    results = run_probes(state, req, vmk)
    return Reply(format_ping(req, results), exit=0 if _received(results) else 1)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _received(results: Sequence[ProbeResult]) -> int:
    return sum(1 for r in results if r.outcome == "reply")


def format_ping(req: PingRequest, results: Sequence[ProbeResult], target: str = "") -> str:
    ip = target or req.target
    lines = [f"PING {ip} ({ip}): {req.size} data bytes"]
    limit = "hlim" if req.family == 6 else "ttl"
    for r in results:
        if r.outcome == "reply":
            lines.append(
                f"{req.size + 8} bytes from {ip}: icmp_seq={r.seq} {limit}={r.ttl} time={r.rtt_ms:.3f} ms"
            )
        elif r.outcome == "too_long":
            lines.append("sendto() failed (Message too long)")
    sent, got = len(results), _received(results)
    loss = (sent - got) * 100 // sent if sent else 0
    lines += ["", f"--- {ip} ping statistics ---"]
    lines.append(f"{sent} packets transmitted, {got} packets received, {loss}% packet loss")
    rtts = [r.rtt_ms for r in results if r.outcome == "reply"]
    if rtts:
        lines.append(
            f"round-trip min/avg/max = {min(rtts):.3f}/{sum(rtts) / len(rtts):.3f}/{max(rtts):.3f} ms"
        )
    return "\n".join(lines) + "\n\n"


def _debug(state: HostState, req: PingRequest) -> Reply:
    """`-D`: one ping block per configured address of the stack ([R]: format not captured)."""
    out = []
    got_any = False
    for vmk, ip in debug_targets(state, req):
        one = PingRequest(
            target=ip,
            count=req.count,
            size=req.size,
            df=req.df,
            interval_s=req.interval_s,
            wait_s=req.wait_s,
            family=4,
        )
        results = run_probes(state, one, vmk)
        got_any = got_any or bool(_received(results))
        out.append(format_ping(one, results))
    return Reply("".join(out), exit=0 if got_any else 1)
