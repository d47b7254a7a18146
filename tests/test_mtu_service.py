"""The MTU service against the lab's ESXi hosts over real SSH (vmkping and esxcli from the scenario)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from mtu_helpers import lab_manager, running_lab

from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import default_scenario
from vconsole.models.mtu import Confidence, MtuTest, ProbeKind, Severity
from vconsole.services.mtu import MtuInputError, MtuService, expand_set
from vconsole.services.mtu_store import MtuStore, seed_from_scenario


def _scenario_with_a_dead_host():
    s = default_scenario()
    hosts = tuple(
        dataclasses.replace(h, down=True) if h.name == "esx-hq-03" else h for h in s.hosts
    )
    return dataclasses.replace(s, hosts=hosts)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EsxiLab]:
    # lab time runs 4x faster: a lost probe's 1 s wait takes 0.25 s of real time
    with running_lab(_scenario_with_a_dead_host(), tmp_path_factory.mktemp("mtu-lab"), 0.25) as lab:
        yield lab


@pytest.fixture
async def service(lab: EsxiLab, tmp_path: Path):
    manager = lab_manager(lab, tmp_path)
    store = MtuStore(tmp_path / "state")
    seed_from_scenario(store, default_scenario())
    yield MtuService(manager, store)
    await manager.close()


async def test_discovery_reads_vmks_netstacks_and_switch(service: MtuService) -> None:
    net = await service.discover("esx-akl-01")
    assert not net.error
    vmk0, vmk1, vmk2 = net.vmks
    assert (vmk0.mtu, vmk0.ipv4, vmk0.netstack) == (1500, "10.1.10.11", "defaultTcpipStack")
    assert (vmk2.mtu, vmk2.netstack) == (9000, "vmotion")
    assert "vmotion" in net.netstacks
    assert net.switch_mtu(vmk1) == 9000
    assert net.uplink_mtus(vmk1) == (("vmnic2", 9000), ("vmnic3", 9000))


async def test_branch_management_to_vcenter_across_the_wan(service: MtuService) -> None:
    plan = await service.prepare([MtuTest("esx-akl-01", "vcsa01", vmk="vmk0")])
    (r,) = await service.run(plan)
    assert (r.address, r.vmk_mtu, r.path_mtu, r.max_payload) == ("10.0.10.5", 1500, 1400, 1372)
    # a signalled smaller path on a standard-MTU (management) vmk: TCP adapts, so a warning
    assert r.verdict.code == "path_below_vmk" and r.verdict.severity is Severity.WARNING
    assert "management traffic still flows" in r.verdict.message
    # AKL's WAN router answers "fragmentation needed" (no black hole): the host's stack learns
    # the path MTU and refuses larger DF probes itself, which tells it apart from WLG's hole
    assert r.verdict.message.startswith(
        "path MTU 1400 < vmk MTU 1500: packets above 1400 are refused"
    )
    assert r.confidence is Confidence.HIGH
    kinds = {p.payload: p.kind for p in r.evidence}
    assert kinds[1372] is ProbeKind.REPLY and kinds[1373] is ProbeKind.TOO_LONG


async def test_vmotion_netstack_peer_is_jumbo_clean(service: MtuService) -> None:
    plan = await service.prepare([MtuTest("esx-akl-01", "esx-akl-02:vmk2", vmk="vmk2")])
    (t,) = plan.tests
    assert (t.netstack, t.address) == ("vmotion", "192.168.111.12")
    (r,) = await service.run(plan)
    assert r.path_mtu == 9000 and r.verdict.code == "ok" and r.rounds == 1


async def test_black_holed_witness_path_and_unreachable_target(service: MtuService) -> None:
    plan = await service.prepare(
        [
            MtuTest("esx-wlg-01", "witness", vmk="vmk0"),
            MtuTest("esx-wlg-01", "10.77.0.1", vmk="vmk0"),
        ]
    )
    hole, nobody = await service.run(plan)
    assert hole.path_mtu == 1280 and "black hole" in hole.verdict.message
    assert hole.verdict.severity is Severity.CRITICAL  # silence: nothing can adapt to it
    assert nobody.path_mtu is None and nobody.verdict.code == "unreachable"
    assert "not an MTU problem" in nobody.verdict.message


async def test_site_set_runs_peers_of_that_site_only(service: MtuService) -> None:
    tests = expand_set(service.store.get_set("AKL"))  # type: ignore[union-attr]
    assert {t.target for t in tests if t.label == "peer"} == {
        "esx-akl-02:vmk1",
        "esx-akl-01:vmk1",
        "esx-akl-02:vmk2",
        "esx-akl-01:vmk2",
    }
    results = await service.run(await service.prepare(tests))
    by = {(r.host, r.column): r.path_mtu for r in results}
    assert by[("esx-akl-01", "vmk1 -> peer")] == 9000
    assert by[("esx-akl-02", "vmk0 -> witness")] == 1400


async def test_set_peers_are_only_vmks_on_the_same_netstack(service: MtuService) -> None:
    """At HQ vmk1 is vMotion on the cluster hosts but vSAN on the witness: not each other's peer."""
    tests = [t for t in expand_set(service.store.get_set("HQ")) if t.host == "esx-hq-01"]  # type: ignore[union-attr]
    assert "esx-witness-01:vmk1" in {t.target for t in tests}
    plan = await service.prepare(tests)
    results = await service.run(plan)
    peers = {r.target: r.path_mtu for r in results if r.column == "vmk1 -> peer"}
    assert peers == {"esx-hq-02:vmk1": 9000}  # hq-03 is down in this lab; no witness


async def test_bad_input_is_refused_before_any_probe(service: MtuService, lab: EsxiLab) -> None:
    with pytest.raises(MtuInputError) as err:
        await service.prepare(
            [
                MtuTest("esx-akl-01", "10.0.10.5", vmk="vmk9"),
                MtuTest("esx-akl-01", "no such name.example", vmk="vmk0"),
                MtuTest("esx-akl-01", "10.0.10.5", vmk="vmk0", netstack="nsx"),
                MtuTest("esx-akl-01", "10.0.10.5", vmk="vmk0", required_mtu=20000),
                MtuTest("esx-nowhere", "10.0.10.5"),
            ]
        )
    text = str(err.value)
    assert "vmk: 'vmk9'" in text and "vmk0, vmk1, vmk2" in text
    assert "target: 'no such name.example'" in text
    assert "required MTU: 20000" in text
    assert "no target named 'esx-nowhere'" in text
    with pytest.raises(MtuInputError) as err:
        await service.prepare([MtuTest("esx-akl-01", "10.0.10.5", vmk="vmk0", netstack="nsx")])
    assert "netstack: 'nsx'" in str(err.value) and "defaultTcpipStack" in str(err.value)


async def test_unresolvable_hostname_is_an_error(service: MtuService) -> None:
    with pytest.raises(MtuInputError) as err:
        await service.prepare([MtuTest("esx-akl-01", "nohost.invalid", vmk="vmk0")])
    assert "target: 'nohost.invalid'" in str(err.value)


async def test_dead_host_row_says_so_and_others_carry_on(service: MtuService) -> None:
    plan = await service.prepare(
        [
            MtuTest("esx-hq-03", "10.0.10.5", vmk="vmk0"),
            MtuTest("esx-hq-01", "10.0.10.5", vmk="vmk0"),
        ]
    )
    assert "esx-hq-03" in plan.host_errors
    dead, alive = await service.run(plan)
    assert dead.verdict.code == "error" and "esx-hq-03" in dead.verdict.message
    assert dead.path_mtu is None and dead.to_json()["error"]
    assert alive.path_mtu == 1500 and alive.verdict.code == "ok"


async def test_second_run_says_what_changed(service: MtuService) -> None:
    plan = await service.prepare([MtuTest("esx-akl-01", "vcsa01", vmk="vmk0")])
    (first,) = await service.run(plan)
    assert first.previous_path_mtu is None
    saved = service.store.last_results()  # type: ignore[union-attr]
    saved[first.key]["path_mtu"] = 1500
    service.store._write("mtu-results.json", {"results": saved})  # type: ignore[union-attr]
    (second,) = await service.run(plan)
    assert second.changed and second.previous_path_mtu == 1500 and second.path_mtu == 1400
    data = second.to_json()
    for key in ("host", "vmk", "netstack", "target", "family", "vmk_mtu", "path_mtu", "max_payload",
                "verdict", "probes", "duration_s", "evidence"):  # fmt: skip
        assert key in data
    assert data["evidence"][0].keys() >= {"size", "mtu", "outcome"}


async def test_without_vmk_the_one_on_the_targets_subnet_is_used(service: MtuService) -> None:
    plan = await service.prepare([MtuTest("esx-akl-01", "192.168.101.12")])
    (t,) = plan.tests
    assert (t.vmk, t.netstack) == ("vmk1", "defaultTcpipStack")
    plan = await service.prepare([MtuTest("esx-akl-01", "10.0.10.5")])
    assert plan.tests[0].vmk == "vmk0"  # not on any subnet: the management vmk


async def test_address_family_must_match(service: MtuService) -> None:
    with pytest.raises(MtuInputError) as err:
        await service.prepare([MtuTest("esx-akl-01", "10.0.10.5", vmk="vmk0", family=6)])
    assert "an IPv6 address" in str(err.value)
