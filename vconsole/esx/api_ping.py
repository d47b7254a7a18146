"""`esxcli network diag ping` over the vSphere API, read into the vmkping parser's own model.

The answer is a `PingOutput` structure [V, reference vmkping.md]: `Summary` (HostAddr,
Transmitted, `Recieved` — ESXi's own spelling —, Duplicated, PacketLost, Roundtrip*MS) and
`Trace` (one entry per reply: ReceivedBytes, Host, ICMPSeq, TTL, RoundtripTimeMS, Detail); the
`...MS` values are microseconds on real hosts (docs/esxcli-api.md), read here as ms. When
every packet fails the method faults instead, e.g. `sendto() failed (Message too long)`: the
local refusal the MTU search must tell from silence. A lost probe over the API carries no ICMP
detail, so its evidence says that a hop's "fragmentation needed" could not be seen.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from vconsole.esx.api_records import Record, records_of
from vconsole.esx.vmkping import PingReply, VmkpingOutput
from vconsole.models.mtu import ProbeKind, ProbeOutcome

_SENDTO = re.compile(r"sendto\(\) failed \((.+?)\)")
_FRAG = re.compile(r"frag(?:mentation)? needed.*?(?:mtu\s*=?\s*(\d+))?", re.IGNORECASE)
_UNKNOWN_IF = re.compile(r"unknown interface\s*'?([^':\s]*)", re.IGNORECASE)
API_SILENCE_NOTE = (
    "; over the vSphere API a hop's ICMP 'fragmentation needed' is not reported, so this "
    "silence cannot be told from a black hole or plain loss by this probe alone"
)


def map_ping(values: tuple[Any, ...], fault: str = "") -> VmkpingOutput:
    """The same `VmkpingOutput` `parse_vmkping` gives for the equivalent vmkping text."""
    if fault:
        return _fault(fault)
    recs = records_of(values)
    rec = recs[0] if recs else Record({})
    summary = rec.child("Summary")
    replies = []
    frag = 0
    mtu_hint: int | None = None
    for trace in rec.records("Trace"):
        detail = trace.text("Detail")
        if detail and (m := _FRAG.search(detail)):
            frag += 1
            mtu_hint = int(m.group(1)) if m.group(1) else mtu_hint
            continue
        size = trace.number("ReceivedBytes")
        if size is None:
            continue
        rtt = trace.get("RoundtripTimeMS", "RoundtripTime")
        replies.append(
            PingReply(
                size=size,
                source=trace.text("Host"),
                seq=trace.number("ICMPSeq") or 0,
                ttl=trace.number("TTL"),
                time_ms=float(rtt) / 1000 if _is_num(rtt) else None,
            )
        )
    transmitted = summary.number("Transmitted")
    received = summary.number("Recieved", "Received")
    loss = summary.get("PacketLost")
    lows = [summary.get(k) for k in ("RoundtripMinMS", "RoundtripAvgMS", "RoundtripMaxMS")]
    rtt_ms = tuple(float(v) / 1000 for v in lows) if all(_is_num(v) for v in lows) else None
    return VmkpingOutput(
        target=summary.text("HostAddr"),
        address=summary.text("HostAddr"),
        replies=tuple(replies),
        frag_needed=frag,
        mtu_hint=mtu_hint,
        transmitted=transmitted,
        received=received,
        loss_pct=float(loss) if _is_num(loss) else None,
        rtt_ms=rtt_ms,  # type: ignore[arg-type]
        recognised=bool(transmitted is not None or replies or frag),
    )


def _fault(text: str) -> VmkpingOutput:
    message = " ".join(text.split())
    sends = tuple(m.group(1) for m in _SENDTO.finditer(message))
    if sends:
        return VmkpingOutput(send_errors=sends, recognised=True)
    if "message too long" in message.lower():
        return VmkpingOutput(send_errors=("Message too long",), recognised=True)
    unknown = _UNKNOWN_IF.search(message)
    return VmkpingOutput(
        unknown_interface=(unknown.group(1) or "?") if unknown else "",
        errors=(message[:200] or "the ping method failed with no message",),
        recognised=True,
    )


def _is_num(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def note_api_silence(outcome: ProbeOutcome) -> ProbeOutcome:
    """A lost probe over the API: say in its evidence what this path cannot see."""
    if outcome.kind != ProbeKind.LOST or API_SILENCE_NOTE in outcome.detail:
        return outcome
    return replace(outcome, detail=outcome.detail + API_SILENCE_NOTE)
