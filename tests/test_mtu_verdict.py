"""Verdicts in plain words: path vs vmk, vmk vs switch, uplinks, a required MTU, uncertainty."""

from __future__ import annotations

from vconsole.models.mtu import Confidence, ProbeKind, ProbeOutcome, SearchOutcome, Severity
from vconsole.services.mtu_verdict import judge


def found(
    path_mtu: int, *, edge: ProbeKind = ProbeKind.LOST, confidence=Confidence.HIGH, note=""
) -> SearchOutcome:
    payload = path_mtu - 28
    evidence = (
        ProbeOutcome(payload, ProbeKind.REPLY, 2, 2),
        ProbeOutcome(payload + 1, edge, 2, 0),
    )
    return SearchOutcome(
        True, payload, path_mtu, confidence, note, evidence, 1, blackhole=edge is ProbeKind.LOST
    )


def codes(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.code for f in findings]


def test_nsx_overlay_needs_1600():
    head, all_ = judge(found(1500), vmk="vmk10", target="tep", family=4, vmk_mtu=1500, switch_mtu=1600,
                       required_mtu=1600)  # fmt: skip
    assert head.severity is Severity.CRITICAL
    assert "path MTU 1500 < 1600 required here" in head.message
    assert "vmk_below_switch" in codes(all_)


def test_vmk_above_switch_is_critical_even_when_the_peer_answers():
    head, all_ = judge(
        found(9000), vmk="vmk1", target="peer", family=4, vmk_mtu=9000, switch_mtu=1500
    )
    assert head.code == "vmk_above_switch"
    assert head.message == (
        "vmk MTU 9000 above switch MTU 1500: frames above 1500 are dropped at the host's own switch"
    )
    assert "ok" in codes(all_)


def test_uplink_smaller_than_switch():
    head, _ = judge(found(9000), vmk="vmk1", target="peer", family=4, vmk_mtu=9000, switch_mtu=9000,
                    uplink_mtus=(("vmnic2", 9000), ("vmnic3", 1500)))  # fmt: skip
    assert head.code == "uplink_below_switch" and "vmnic3 (1500)" in head.message


def test_signalled_edge_is_refused_not_black_hole():
    head, _ = judge(found(1400, edge=ProbeKind.FRAG_NEEDED), vmk="vmk0", target="vc", family=4,
                    vmk_mtu=1500, switch_mtu=None)  # fmt: skip
    assert "refused (a hop signals ICMP fragmentation needed)" in head.message


def test_low_confidence_is_said():
    _, all_ = judge(found(1400, confidence=Confidence.LOW, note="the edge rests on one lost packet"),
                    vmk="vmk0", target="vc", family=4, vmk_mtu=1400, switch_mtu=None)  # fmt: skip
    assert "uncertain" in codes(all_)
    assert any("one lost packet" in f.message for f in all_)


def test_clean_path():
    head, all_ = judge(
        found(9000), vmk="vmk1", target="peer", family=4, vmk_mtu=9000, switch_mtu=9000
    )
    assert (head.code, head.severity, len(all_)) == ("ok", Severity.OK, 1)
    assert head.message == "path carries the full vmk MTU 9000 end to end"
