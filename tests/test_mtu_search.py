"""The path MTU search on the lab scenario's modelled paths (`PathInfo.outcome`) and verdicts."""

from __future__ import annotations

import math

import pytest

from vconsole.lab.scenario import PathInfo, default_scenario
from vconsole.models.mtu import Confidence, ProbeKind, ProbeOutcome, Severity
from vconsole.services.mtu_probe import modelled_probe
from vconsole.services.mtu_search import SearchSettings, find_path_mtu
from vconsole.services.mtu_verdict import judge

SCENARIO = default_scenario()


def path(local: int, mtu: int, *, reachable: bool = True, blackhole: bool = True) -> PathInfo:
    return PathInfo(reachable=reachable, mtu=mtu, local_mtu=local, blackhole=blackhole, hops=())


async def search(p: PathInfo, family: int = 4, **kw) -> object:
    count = kw.pop("count", 2)
    probe = modelled_probe(
        p, family, count=count, sleep=False, loss=kw.pop("loss", 0.0), seed=kw.pop("seed", 1)
    )
    return await find_path_mtu(probe, SearchSettings(family=family, **kw), vmk_mtu=p.local_mtu)


@pytest.mark.parametrize(
    ("host", "vmk", "target", "expected"),
    [
        ("esx-akl-01", "vmk0", "10.0.10.5", 1400),  # management to vCenter across the AKL WAN
        ("esx-wlg-01", "vmk0", "10.0.30.50", 1280),  # to the witness across a black-holed WAN
        ("esx-akl-01", "vmk1", "192.168.101.12", 9000),  # vSAN to the other node, jumbo end to end
        ("esx-akl-01", "vmk2", "192.168.111.12", 9000),  # vMotion netstack to its peer
        ("esx-hq-01", "vmk0", "10.0.10.5", 1500),
    ],
)
async def test_finds_the_lab_path_mtu(host, vmk, target, expected):
    p = SCENARIO.path(host, vmk, target)
    result = await search(p)
    assert (
        result.path_mtu == expected == p.mtu
        if expected < p.local_mtu
        else result.path_mtu == expected
    )
    assert result.max_payload == expected - 28
    assert result.confidence is Confidence.HIGH
    assert result.rounds <= 5


async def test_unreachable_is_not_a_small_mtu():
    p = SCENARIO.path("esx-akl-01", "vmk1", "10.99.0.1")  # nothing answers at this address
    result = await search(p)
    assert not result.reachable and result.path_mtu is None
    assert all(e.payload == 40 for e in result.evidence if e.round > 1)
    headline, _ = judge(
        result, vmk="vmk1", target="witness", family=4, vmk_mtu=9000, switch_mtu=9000
    )
    assert headline.severity is Severity.CRITICAL and headline.code == "unreachable"
    assert "not an MTU problem" in headline.message


async def test_every_mtu_in_range_within_five_rounds_with_eight_probes():
    worst = 0
    for mtu in [*range(68, 9001, 37), 1500, 1280, 1400, 1600, 9000, 68, 69, 8999]:
        result = await search(path(9000, mtu))
        assert result.path_mtu == mtu
        worst = max(worst, result.rounds)
    assert worst <= 5


async def test_one_probe_at_a_time_stays_within_log2_plus_two_rounds():
    bound = math.ceil(math.log2(9000 - 68)) + 2
    for mtu in [*range(68, 9001, 211), 1500, 9000, 1280]:
        result = await search(path(9000, mtu), parallel=1, count=1)
        assert result.path_mtu == mtu
        assert result.rounds <= bound, (mtu, result.rounds)


async def test_jumbo_vmk_behind_1500_switch_says_what_is_dropped():
    result = await search(path(9000, 1500))
    headline, findings = judge(
        result, vmk="vmk1", target="peer", family=4, vmk_mtu=9000, switch_mtu=9000
    )
    assert headline.message == (
        "path MTU 1500 < vmk MTU 9000: packets above 1500 are dropped silently "
        "(no ICMP comes back: black hole) on this path"
    )
    edge = [e for e in result.evidence if e.payload == 1473]
    assert edge and all(e.kind is ProbeKind.LOST for e in edge)


async def test_local_vmk_below_switch_is_reported():
    result = await search(path(1500, 9000))
    _, findings = judge(result, vmk="vmk0", target="vc", family=4, vmk_mtu=1500, switch_mtu=9000)
    codes = [f.code for f in findings]
    assert "vmk_below_switch" in codes and "ok" in codes
    assert (
        "local vmk MTU 1500 below switch MTU 9000"
        in findings[codes.index("vmk_below_switch")].message
    )


async def test_ipv6_uses_48_byte_overhead():
    result = await search(path(9000, 1500), family=6, min_mtu=1280)
    assert result.path_mtu == 1500 and result.max_payload == 1452


async def test_random_loss_does_not_shift_the_answer():
    for seed in range(30):
        result = await search(path(9000, 1400), loss=0.1, seed=seed)
        assert result.path_mtu == 1400, seed


async def test_one_lost_packet_at_each_size_does_not_shift_the_answer():
    model = modelled_probe(path(9000, 1400), sleep=False)
    seen: set[int] = set()

    async def first_packet_lost(size: int) -> ProbeOutcome:
        if size in (56, 1300, 1372) and size not in seen:  # one packet lost, once, at these
            seen.add(size)
            return ProbeOutcome(size, ProbeKind.LOST, 1, 0, "1 sent, none came back")
        return await model(size)

    result = await find_path_mtu(first_packet_lost, SearchSettings(), vmk_mtu=9000)
    assert result.path_mtu == 1400


async def test_single_packet_probes_retry_the_edge_before_trusting_a_loss():
    result = await search(path(9000, 1400), count=1)
    edge = [e for e in result.evidence if e.payload == 1373]
    assert len(edge) >= 2 and result.confidence is Confidence.HIGH


async def test_too_long_at_the_vmk_limit_when_vmk_mtu_unknown():
    probe = modelled_probe(path(1500, 9000), sleep=False)
    result = await find_path_mtu(probe, SearchSettings(), vmk_mtu=None)
    assert result.path_mtu == 1500 and result.local_limit
    assert any(e.kind is ProbeKind.TOO_LONG and e.payload == 1473 for e in result.evidence)


async def test_probe_error_stops_the_search_and_says_why():
    async def probe(size: int) -> ProbeOutcome:
        return ProbeOutcome(
            size, ProbeKind.ERROR, 0, 0, "Unknown interface 'vmk7': Invalid argument"
        )

    result = await find_path_mtu(probe)
    assert not result.reachable and "vmk7" in result.error
    headline, _ = judge(result, vmk="vmk7", target="x", family=4, vmk_mtu=None, switch_mtu=None)
    assert headline.code == "error"


async def test_frag_needed_hint_brackets_quickly():
    async def probe(size: int) -> ProbeOutcome:
        if size + 28 > 1380:
            return ProbeOutcome(size, ProbeKind.FRAG_NEEDED, 1, 0, "frag", mtu_hint=1380)
        return ProbeOutcome(size, ProbeKind.REPLY, 1, 1)

    result = await find_path_mtu(probe, SearchSettings(), vmk_mtu=9000)
    assert result.path_mtu == 1380 and not result.blackhole
    assert result.rounds <= 2
