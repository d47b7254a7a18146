"""`vmkping` command lines and a tolerant parser of what ESXi prints back.

Formats come from the reference (vmkping.md): the header, reply, `sendto() failed (...)` and
statistics lines are verbatim ESXi output [V]. The "Unknown interface" wording, IPv6 `hlim=`
and ICMP "frag needed" lines are not verified on a host [R], so they are matched loosely. The
Linux iputils forms (`From X icmp_seq=1 Frag needed and DF set (mtu = 1280)`, `ping: local
error: message too long, mtu=1280`, `1 received, +1 errors`) are accepted too, because the
lab's namespaced hosts run a real `ping -M do` and a capture may come from anywhere.
The parser never raises: arbitrary text gives an "unrecognised" result, not a crash.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from vconsole import tokens
from vconsole.models.mtu import ProbeKind, ProbeOutcome
from vconsole.tokens import Command

MAX_PAYLOAD = 65507 - 20  # what an IPv4 packet can carry beyond the ICMP header, ESXi refuses more
DEFAULT_NETSTACK = "defaultTcpipStack"


def vmkping_command(
    target: str,
    *,
    size: int,
    vmk: str = "",
    netstack: str = "",
    family: int = 4,
    count: int = 2,
    wait_s: float = 1.0,
    interval_s: float = 0.2,
    df: bool = True,
) -> Command:
    """A validated `vmkping` line: `vmkping [-6] -I vmkN [-S stack] -d -s SIZE -c N -i I -W W T`.

    `-S` is given only for a non-default netstack (a vMotion vmk needs it, per the reference).
    """
    if family not in (4, 6):
        raise tokens.InvalidToken("family", family, "4 (IPv4) or 6 (IPv6)")
    address = tokens.target_address(target, "target")
    words: list[object] = ["vmkping"]
    if family == 6:
        words.append("-6")
    if vmk:
        words += ["-I", tokens.vmk_name(vmk)]
    if netstack and netstack != DEFAULT_NETSTACK:
        words += ["-S", tokens.netstack_name(netstack)]
    if df:
        words.append("-d")
    words += ["-s", tokens.payload_size(size, "size", minimum=0, maximum=MAX_PAYLOAD)]
    words += ["-c", tokens.payload_size(count, "count", minimum=1, maximum=100)]
    if count > 1:
        words += ["-i", _seconds(interval_s, "interval")]
    words += ["-W", _seconds(wait_s, "timeout"), address]
    return Command.of(*words)


def vmkping_sizes(command: Callable[..., Command]) -> Callable[[int], Command]:
    """`command(size)` for one pair's probes, where `command` is its `vmkping_command` with every
    word but the size given (a `partial`).

    The other words are checked once here; each probe then checks only its size, so a search's
    probes cost a tuple each instead of a dozen token checks (an MTU matrix sends hundreds in a
    round, on the event loop)."""
    first = command(size=0)
    words = first.tokens
    at = words.index("-s") + 1
    head, tail = words[:at], words[at + 1 :]

    def sized(size: int) -> Command:
        checked = tokens.payload_size(size, "size", minimum=0, maximum=MAX_PAYLOAD)
        return Command((*head, str(checked), *tail), first.mutating)

    return sized


def _seconds(value: float, field: str) -> str:
    if not 0.01 <= value <= 60:
        raise tokens.InvalidToken(field, value, "seconds from 0.01 to 60")
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text


@dataclass(frozen=True)
class PingReply:
    size: int  # bytes in the reply line = payload + 8
    source: str
    seq: int
    ttl: int | None
    time_ms: float | None


@dataclass(frozen=True)
class VmkpingOutput:
    """Everything one vmkping run said, line kinds kept apart."""

    target: str = ""
    address: str = ""
    payload: int | None = None
    replies: tuple[PingReply, ...] = ()
    send_errors: tuple[str, ...] = ()  # the text inside `sendto() failed (...)`
    frag_needed: int = 0
    mtu_hint: int | None = None
    transmitted: int | None = None
    received: int | None = None
    loss_pct: float | None = None
    rtt_ms: tuple[float, float, float] | None = None
    unknown_interface: str = ""
    errors: tuple[str, ...] = ()  # other lines that say the probe could not run
    recognised: bool = False


_HEADER = re.compile(r"^PING (\S+) \(([^)]*)\):? (\d+)(?:\(\d+\))? data bytes")
_REPLY = re.compile(
    r"^(\d+) bytes from (\S+?):? icmp_seq=(\d+)(?: (?:ttl|hlim)=(\d+))?(?: time=([\d.]+) ?ms)?"
)
_SENDTO = re.compile(r"sendto\(\) failed \((.+)\)")
_LOCAL_TOO_LONG = re.compile(r"local error: message too long(?:, mtu=(\d+))?", re.IGNORECASE)
_FRAG = re.compile(
    r"frag(?:mentation)? needed(?: and DF set)?(?:\s*\(mtu\s*=?\s*(\d+)\)|.*?mtu\s*=?\s*(\d+))?",
    re.IGNORECASE,
)
_STATS = re.compile(
    r"^(\d+) packets transmitted, (\d+)(?: packets)? received,"
    r"(?: \+(\d+) duplicates,)?(?: \+(\d+) errors,)? ([\d.]+)% packet loss"
)
_RTT = re.compile(r"^(?:round-trip|rtt) min/avg/max(?:/mdev)? = ([\d.]+)/([\d.]+)/([\d.]+)")
_UNKNOWN_IF = re.compile(r"unknown interface\s*'?([^':\s]*)", re.IGNORECASE)
_FATAL = re.compile(
    r"(unknown host|cannot resolve|invalid argument|not a valid|invalid netstack|"
    r"network stack instance .* not found|netstack .* (?:not found|does not exist)|"
    r"usage:|illegal option|invalid option|no route to host|network is unreachable|"
    r"host is down|command not found)",
    re.IGNORECASE,
)


def parse_vmkping(stdout: str, stderr: str = "") -> VmkpingOutput:
    """Read a vmkping run's output (stdout and stderr together); never raises."""
    text = f"{stdout or ''}\n{stderr or ''}"
    fields: dict[str, object] = {}
    replies: list[PingReply] = []
    send_errors: list[str] = []
    errors: list[str] = []
    frag = 0
    mtu_hint: int | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if m := _HEADER.match(line):
            fields.update(target=m[1], address=m[2], payload=int(m[3]))
            continue
        if m := _REPLY.match(line):
            replies.append(
                PingReply(
                    size=int(m[1]),
                    source=m[2],
                    seq=int(m[3]),
                    ttl=int(m[4]) if m[4] else None,
                    time_ms=float(m[5]) if m[5] else None,
                )
            )
            continue
        if m := _SENDTO.search(line):
            send_errors.append(m[1])
            continue
        if m := _LOCAL_TOO_LONG.search(line):
            send_errors.append("Message too long")
            mtu_hint = mtu_hint or (int(m[1]) if m[1] else None)
            continue
        if m := _FRAG.search(line):
            frag += 1
            hint = m[1] or m[2]
            mtu_hint = int(hint) if hint else mtu_hint
            continue
        if m := _STATS.match(line):
            fields.update(transmitted=int(m[1]), received=int(m[2]), loss_pct=float(m[5]))
            continue
        if m := _RTT.match(line):
            fields["rtt_ms"] = (float(m[1]), float(m[2]), float(m[3]))
            continue
        if m := _UNKNOWN_IF.search(line):
            fields["unknown_interface"] = m[1] or "?"
            errors.append(line[:200])
            continue
        if _FATAL.search(line):
            errors.append(line[:200])
    recognised = bool(
        replies or send_errors or frag or errors or "transmitted" in fields or "payload" in fields
    )
    return VmkpingOutput(
        replies=tuple(replies),
        send_errors=tuple(send_errors),
        frag_needed=frag,
        mtu_hint=mtu_hint,
        errors=tuple(errors),
        recognised=recognised,
        **fields,  # type: ignore[arg-type]
    )


def probe_outcome(out: VmkpingOutput, payload: int, exit_code: int | None = None) -> ProbeOutcome:
    """Turn one parsed run into the search's vocabulary: reply, too_long, frag_needed, lost, error.

    Any reply wins (the size passes even if a packet was lost). A local `Message too long` is
    the vmk's own MTU; other `sendto()` failures (no route, host down) mean the probe could
    not test the path, so they are errors, not losses.
    """
    sent = out.transmitted if out.transmitted is not None else max(1, len(out.replies))
    received = out.received if out.received is not None else len(out.replies)
    if out.replies or (received and received > 0):
        lost = max(0, sent - received)
        note = f"{received} of {sent} replied" + (f", {lost} lost" if lost else "")
        return ProbeOutcome(payload, ProbeKind.REPLY, sent, received, note)
    too_long = [e for e in out.send_errors if "too long" in e.lower()]
    if too_long:
        return ProbeOutcome(
            payload,
            ProbeKind.TOO_LONG,
            sent,
            0,
            "sendto() failed (Message too long): refused by the local stack (the vmk's MTU, "
            "or a smaller path MTU learned from ICMP fragmentation needed)",
            mtu_hint=out.mtu_hint,
        )
    if out.frag_needed:
        hint = f" (next hop MTU {out.mtu_hint})" if out.mtu_hint else ""
        return ProbeOutcome(
            payload,
            ProbeKind.FRAG_NEEDED,
            sent,
            0,
            f"ICMP fragmentation needed came back{hint}",
            mtu_hint=out.mtu_hint,
        )
    if out.unknown_interface or out.errors or out.send_errors:
        reason = (out.errors or tuple(f"sendto() failed ({e})" for e in out.send_errors))[0]
        return ProbeOutcome(payload, ProbeKind.ERROR, sent, 0, reason)
    if out.transmitted is not None:
        return ProbeOutcome(
            payload, ProbeKind.LOST, sent, 0, f"{sent} sent, none came back (no ICMP error)"
        )
    detail = "vmkping printed nothing recognisable"
    if exit_code not in (None, 0, 1):
        detail += f" (exit {exit_code})"
    return ProbeOutcome(payload, ProbeKind.ERROR, 0, 0, detail)
