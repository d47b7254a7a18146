"""Linux `ping` (iputils) output read back and printed again the way ESXi's vmkping prints it.

[V] layouts (vmkping.md §3): `PING x (x): N data bytes`, `N+8 bytes from x: icmp_seq=0 ttl=64
time=0.282 ms` (icmp_seq from 0), `sendto() failed (Message too long)` once per probe that
cannot leave, a blank line, `--- x ping statistics ---`, `T packets transmitted, R packets
received, P% packet loss` (integer percent), `round-trip min/avg/max = a/b/c ms`, a blank line.

[R] choices where the reference is silent:
- An ICMP "fragmentation needed" from a router (Linux: `From GW icmp_seq=1 Frag needed and DF
  set (mtu = 1400)`) prints nothing: ESXi's busybox-style ping shows only echo replies. The
  kernel keeps the learned path MTU, so the following probes fail locally and print
  `sendto() failed (Message too long)`, as Linux's `local error: message too long` does. That
  is the visible difference from a black hole, where nothing at all is printed.
- Other ICMP errors (host or net unreachable) print nothing either.
- `sendto()` lines go to stdout, in order with the rest (as in the [V] terminal samples).
- Exit status 0 when at least one reply came back, else 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REPLY = re.compile(
    r"^(\d+) bytes from ([^:\s]+): icmp_seq=(\d+) ttl=(\d+)(?: time=([\d.]+) ms)?(?P<dup> \(DUP!\))?"
)
_FRAG = re.compile(r"^From (\S+) icmp_seq=(\d+) Frag needed and DF set \(mtu = (\d+)\)")
_ICMP_ERROR = re.compile(r"^From (\S+) icmp_seq=(\d+) (.+)$")
_TOO_LONG = re.compile(r"local error: message too long|sendmsg: Message too long", re.IGNORECASE)
_STATS = re.compile(r"^(\d+) packets transmitted, (\d+) received")
_RTT = re.compile(r"^rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/([\d.]+)/")


@dataclass(frozen=True)
class EchoReply:
    seq: int  # from 0, as ESXi counts
    size: int
    ttl: int
    time_ms: float | None


@dataclass(frozen=True)
class PingEvidence:
    """What one real ping run saw, before it is dressed as vmkping output.

    `frag_needed` holds (router address, next-hop MTU) of every ICMP "fragmentation needed"
    that came back; an empty tuple with no replies and no `too_long` is a silent black hole.
    """

    target: str
    payload: int
    transmitted: int
    received: int
    replies: tuple[EchoReply, ...]
    too_long: int
    frag_needed: tuple[tuple[str, int], ...]
    icmp_errors: tuple[str, ...]
    rtt_ms: tuple[float, float, float] | None
    events: tuple[str, ...]  # "reply", "too_long", "frag_needed", "icmp_error" in output order
    linux_output: str


def parse_linux_ping(output: str, target: str, payload: int) -> PingEvidence:
    """Read iputils ping output (stdout and stderr merged, in order); never raises."""
    replies: list[EchoReply] = []
    frag: list[tuple[str, int]] = []
    errors: list[str] = []
    events: list[str] = []
    too_long = 0
    transmitted = received = -1
    rtt: tuple[float, float, float] | None = None
    for raw in output.splitlines():
        line = raw.strip()
        if m := _REPLY.match(line):
            if m["dup"]:
                continue
            replies.append(
                EchoReply(
                    seq=int(m[3]) - 1,
                    size=int(m[1]),
                    ttl=int(m[4]),
                    time_ms=float(m[5]) if m[5] else None,
                )
            )
            events.append("reply")
        elif m := _FRAG.match(line):
            frag.append((m[1], int(m[3])))
            events.append("frag_needed")
        elif m := _ICMP_ERROR.match(line):
            errors.append(m[3])
            events.append("icmp_error")
        elif _TOO_LONG.search(line):
            too_long += 1
            events.append("too_long")
        elif m := _STATS.match(line):
            transmitted, received = int(m[1]), int(m[2])
        elif m := _RTT.match(line):
            rtt = (float(m[1]), float(m[2]), float(m[3]))
    if transmitted < 0:
        transmitted = len(replies) + too_long + len(frag) + len(errors)
    if received < 0:
        received = len(replies)
    return PingEvidence(
        target=target,
        payload=payload,
        transmitted=transmitted,
        received=received,
        replies=tuple(replies),
        too_long=too_long,
        frag_needed=tuple(frag),
        icmp_errors=tuple(errors),
        rtt_ms=rtt,
        events=tuple(events),
        linux_output=output,
    )


def render_vmkping(ev: PingEvidence) -> tuple[str, str, int]:
    """The evidence as ESXi's vmkping prints it: (stdout, stderr, exit status)."""
    ip = ev.target
    lines = [f"PING {ip} ({ip}): {ev.payload} data bytes"]
    replies = iter(ev.replies)
    for kind in ev.events:
        if kind == "reply":
            r = next(replies)
            time = f" time={r.time_ms:.3f} ms" if r.time_ms is not None else ""
            lines.append(f"{r.size} bytes from {ip}: icmp_seq={r.seq} ttl={r.ttl}{time}")
        elif kind == "too_long":
            lines.append("sendto() failed (Message too long)")
    sent, got = ev.transmitted, ev.received
    loss = (sent - got) * 100 // sent if sent else 0
    lines += ["", f"--- {ip} ping statistics ---"]
    lines.append(f"{sent} packets transmitted, {got} packets received, {loss}% packet loss")
    if got and ev.rtt_ms is not None:
        lo, avg, hi = ev.rtt_ms
        lines.append(f"round-trip min/avg/max = {lo:.3f}/{avg:.3f}/{hi:.3f} ms")
    return "\n".join(lines) + "\n\n", "", 0 if got else 1
