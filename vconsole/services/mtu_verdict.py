"""Judge a found path MTU against the vmk's and the switch's configured MTU, in plain words."""

from __future__ import annotations

from vconsole.models.mtu import (
    Confidence,
    ProbeKind,
    SearchOutcome,
    Severity,
    Verdict,
    overhead,
)


def rank(severity: Severity) -> int:
    """Position on the one scale of every pane (an unreachable target counts as critical)."""
    return severity.rank


def judge(
    search: SearchOutcome,
    *,
    vmk: str,
    target: str,
    family: int,
    vmk_mtu: int | None,
    switch_mtu: int | None,
    required_mtu: int | None = None,
    uplink_mtus: tuple[tuple[str, int], ...] = (),
) -> tuple[Verdict, tuple[Verdict, ...]]:
    """All findings for one pair, worst first; the first one is the headline."""
    found: list[Verdict] = []
    if not search.reachable:
        if search.error:
            found.append(Verdict("error", Severity.ERROR, f"could not test: {search.error}"))
        else:
            found.append(
                Verdict(
                    "unreachable",
                    Severity.CRITICAL,
                    f"no reply from {target} via {vmk or 'the default route'} even to a small "
                    f"packet: unreachable, not an MTU problem ({search.confidence_note})",
                )
            )
    else:
        found += _path_findings(search, vmk, family, vmk_mtu, required_mtu)
    found += _config_findings(vmk_mtu, switch_mtu)
    found += _uplink_findings(switch_mtu or vmk_mtu, uplink_mtus)
    if search.reachable and search.confidence is Confidence.LOW:
        found.append(
            Verdict("uncertain", Severity.WARNING, f"result uncertain: {search.confidence_note}")
        )
    if search.reachable and search.error:
        found.append(Verdict("error", Severity.ERROR, f"search stopped early: {search.error}"))
    if not found:
        found.append(Verdict("ok", Severity.OK, "nothing to report"))
    found.sort(key=lambda v: -rank(v.severity))
    return found[0], tuple(found)


def _path_findings(
    search: SearchOutcome,
    vmk: str,
    family: int,
    vmk_mtu: int | None,
    required_mtu: int | None,
) -> list[Verdict]:
    path = search.path_mtu or 0
    out: list[Verdict] = []
    how = _how_dropped(search)
    if vmk_mtu and path < vmk_mtu:
        text = f"path MTU {path} < vmk MTU {vmk_mtu}: packets above {path} are {how} on this path"
        severity = Severity.CRITICAL
        if _signals(search) and vmk_mtu <= STANDARD_MTU:
            severity = Severity.WARNING
            text += "; TCP learns the smaller MTU from the ICMP, so management traffic still flows"
        out.append(Verdict("path_below_vmk", severity, text))
    if required_mtu and path < required_mtu:
        out.append(
            Verdict(
                "below_required",
                Severity.CRITICAL,
                f"path MTU {path} < {required_mtu} required here: packets above {path} are {how}",
            )
        )
    local = [p for p in search.evidence if p.kind is ProbeKind.TOO_LONG]
    if vmk_mtu and local:
        smallest = min(p.payload for p in local) + overhead(family)
        if smallest <= vmk_mtu:
            out.append(
                Verdict(
                    "local_send_fails",
                    Severity.INFO,
                    f"{vmk or 'the vmk'} refused a {smallest}-byte packet locally (Message too "
                    f"long) although its MTU is {vmk_mtu}: the host has learnt a smaller path MTU "
                    "from an ICMP 'fragmentation needed' (so this path signals, no black hole), "
                    "or the MTU changed during the test",
                )
            )
    if not out:
        if vmk_mtu and path >= vmk_mtu:
            out.append(
                Verdict("ok", Severity.OK, f"path carries the full vmk MTU {vmk_mtu} end to end")
            )
        else:
            out.append(Verdict("ok", Severity.OK, f"path MTU {path}"))
    return out


STANDARD_MTU = 1500
"""A vmk at the standard MTU carries management-style TCP, which adapts to a signalled smaller
path; jumbo vmks (vMotion, vSAN, storage) are built on the full size and do not."""


def _signals(search: SearchOutcome) -> bool:
    """The path says "too big" (ICMP fragmentation needed) rather than dropping silently."""
    edge = [p for p in search.evidence if p.payload == (search.max_payload or 0) + 1]
    return not search.blackhole and any(
        p.kind in (ProbeKind.FRAG_NEEDED, ProbeKind.TOO_LONG) for p in edge
    )


def _how_dropped(search: SearchOutcome) -> str:
    if search.blackhole:
        return "dropped silently (no ICMP comes back: black hole)"
    edge = [p for p in search.evidence if p.payload == (search.max_payload or 0) + 1]
    if any(p.kind in (ProbeKind.FRAG_NEEDED, ProbeKind.TOO_LONG) for p in edge):
        return "refused (a hop signals ICMP fragmentation needed)"
    return "dropped"


def _config_findings(vmk_mtu: int | None, switch_mtu: int | None) -> list[Verdict]:
    if not vmk_mtu or not switch_mtu or vmk_mtu == switch_mtu:
        return []
    if vmk_mtu < switch_mtu:
        return [
            Verdict(
                "vmk_below_switch",
                Severity.INFO,
                f"local vmk MTU {vmk_mtu} below switch MTU {switch_mtu}: this vmk does not use "
                "the larger frames the switch allows",
            )
        ]
    return [
        Verdict(
            "vmk_above_switch",
            Severity.CRITICAL,
            f"vmk MTU {vmk_mtu} above switch MTU {switch_mtu}: frames above {switch_mtu} are "
            "dropped at the host's own switch",
        )
    ]


def _uplink_findings(above: int | None, uplinks: tuple[tuple[str, int], ...]) -> list[Verdict]:
    """Physical NICs under the switch must carry what the switch (or vmk) sends."""
    low = [(n, m) for n, m in uplinks if above and m < above]
    if not low:
        return []
    names = ", ".join(f"{n} ({m})" for n, m in low)
    return [
        Verdict(
            "uplink_below_switch",
            Severity.CRITICAL,
            f"uplink MTU below {above}: {names}; frames above {min(m for _, m in low)} leave "
            "the host only on the other uplinks, so the path MTU depends on which uplink is used",
        )
    ]
