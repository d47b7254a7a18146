"""`esxcli network diag ping`: the structured ping (vmkping.md §5).

The default (human) layout is the reference's [R] reconstruction: a `Trace:` list with one item
per reply (times in microseconds, "us") and a `Summary:` structure keeping ESXi's genuine
`Recieved` spelling; nested items are split by esxcli's 6-space line ([V] DVPort convention).
When every probe fails locally with DF set, the command fails with the per-packet
`sendto() failed (Message too long)` text as its error ([P], from the SOAP fault sample).
Loss is not an error: the summary reports it and the exit status is 0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vconsole.lab.esxi.options import EsxcliError, Opt, int_option, parse_options
from vconsole.lab.esxi.output import Cell, Reply, field_lines, nested_list
from vconsole.lab.esxi.probes import (
    DEFAULT_COUNT,
    DEFAULT_INTERVAL_S,
    DEFAULT_SIZE,
    DEFAULT_WAIT_S,
    PingRequest,
    ProbeError,
    ProbeResult,
    ping_real_network,
    run_probes,
    source_vmk,
)
from vconsole.lab.esxi.state import HostState

_REPLY = re.compile(r"^\d+ bytes from [^ ]+: icmp_seq=(\d+) (?:ttl|hlim)=(\d+) time=([\d.]+) ms")

_OPTS = (
    Opt("host", "H", required=True),
    Opt("interface", "I"),
    Opt("netstack"),
    Opt("count", "c"),
    Opt("size", "s"),
    Opt("df", "d", flag=True),
    Opt("interval", "i"),
    Opt("wait", "W"),
    Opt("ttl", "t"),
    Opt("ipv4", "4", flag=True),
    Opt("ipv6", "6", flag=True),
    Opt("nexthop", "N"),
    Opt("debug", "D", flag=True),
)


def _seconds(value: str, opt: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise EsxcliError(f"Invalid value '{value}' for option {opt}: expected seconds") from None


def _request(args: Sequence[str]) -> PingRequest:
    o = parse_options(args, _OPTS)
    target = o["host"]
    return PingRequest(
        target=target,
        count=int_option(o.get("count", str(DEFAULT_COUNT)), "-c|--count"),
        size=int_option(o.get("size", str(DEFAULT_SIZE)), "-s|--size"),
        df=o.get("df") == "true",
        interval_s=_seconds(o.get("interval", str(DEFAULT_INTERVAL_S)), "-i|--interval"),
        wait_s=_seconds(o.get("wait", str(DEFAULT_WAIT_S)), "-W|--wait"),
        interface=o.get("interface", ""),
        netstack=o.get("netstack", ""),
        nexthop=o.get("nexthop", ""),
        ttl=int_option(o.get("ttl", "64"), "-t|--ttl"),
        family=6 if o.get("ipv6") == "true" or ":" in target else 4,
    )


def parse_vmkping_text(text: str, count: int) -> list[ProbeResult]:
    """Probe results from vmkping's text (what a real-network ping returns)."""
    replies: dict[int, ProbeResult] = {}
    too_long = 0
    for line in text.splitlines():
        m = _REPLY.match(line)
        if m:
            seq = int(m.group(1))
            replies[seq] = ProbeResult(seq, "reply", float(m.group(3)), int(m.group(2)))
        elif line.startswith("sendto() failed (Message too long)"):
            too_long += 1
    out = []
    for seq in range(count):
        lost = "too_long" if too_long else "lost"
        out.append(replies.get(seq, ProbeResult(seq, lost)))
    return out


def ping(state: HostState, args: Sequence[str]) -> tuple[PingRequest, list[ProbeResult]]:
    """Run `network diag ping`; a request whose every probe was refused locally is an error."""
    req = _request(args)
    try:
        vmk = source_vmk(state, req)
    except ProbeError as exc:
        raise EsxcliError(str(exc)) from None
    if state.real_network is not None:
        out, _err, _code = ping_real_network(state, req, vmk)
        results = parse_vmkping_text(out + _err, req.count)
    else:
        results = run_probes(state, req, vmk)
    replies = [r for r in results if r.outcome == "reply"]
    if not replies and any(r.outcome == "too_long" for r in results):
        raise EsxcliError("sendto() failed (Message too long)")
    return req, results


def ping_trace(req: PingRequest, results: Sequence[ProbeResult]) -> list[list[tuple[str, Cell]]]:
    """One item per reply; round trips in microseconds."""
    return [
        [
            ("Received Bytes", req.size + 8),
            ("Host", req.target),
            ("ICMP Seq", r.seq),
            ("TTL", r.ttl),
            ("Round-trip Time", round(r.rtt_ms * 1000)),
            ("Dup", False),
            ("Detail", ""),
        ]
        for r in results
        if r.outcome == "reply"
    ]


def ping_summary(req: PingRequest, results: Sequence[ProbeResult]) -> list[tuple[str, Cell]]:
    """Counts, loss percent and round trips (microseconds, 0 without a reply)."""
    sent = len(results)
    us = [round(r.rtt_ms * 1000) for r in results if r.outcome == "reply"] or [0]
    received = sum(1 for r in results if r.outcome == "reply")
    return [
        ("Host Addr", req.target),
        ("Transmitted", sent),
        ("Recieved", received),
        ("Duplicated", 0),
        ("Packet Lost", (sent - received) * 100 // sent if sent else 0),
        ("Round-trip Min", min(us)),
        ("Round-trip Avg", sum(us) // len(us)),
        ("Round-trip Max", max(us)),
    ]


def _with_unit(fields: list[tuple[str, Cell]]) -> list[tuple[str, Cell]]:
    return [(k, f"{v} us" if k.startswith("Round-trip") else v) for k, v in fields]


def diag_ping(state: HostState, args: Sequence[str]) -> Reply:
    req, results = ping(state, args)
    trace = [_with_unit(item) for item in ping_trace(req, results)]
    summary = _with_unit(ping_summary(req, results))
    lines = [*field_lines([("Trace", "")]), *nested_list(trace)]
    lines += [*field_lines([("Summary", "")]), *field_lines(summary, " " * 9)]
    return Reply("\n".join(lines) + "\n")


COMMANDS = {("network", "diag", "ping"): diag_ping}
