"""The MTU search over real network namespaces: a 1400-MTU WAN that signals, a 1280 black hole.

The lab's ESXi SSH hosts answer vmkping with a real `ping -M do` inside namespaces, so the
search meets the kernel's own behaviour: local `Message too long`, ICMP frag-needed (and the
path MTU it leaves cached), and silence behind the black hole. Needs root and `ip netns`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from mtu_helpers import lab_manager

from vconsole.lab.esxi import EsxiLab
from vconsole.lab.netns import RealNetwork
from vconsole.lab.scenario import default_scenario
from vconsole.models.mtu import MtuTest, ProbeKind
from vconsole.services.mtu import MtuService

pytestmark = pytest.mark.netns

OK, WHY = RealNetwork.available()


@pytest.fixture(scope="module")
def real_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EsxiLab, RealNetwork]]:
    if not OK:
        pytest.skip(WHY)
    scenario = default_scenario()
    net = RealNetwork(scenario, prefix=f"vm{os.getpid() % 100000}")
    net.setup()
    lab = EsxiLab(scenario, tmp_path_factory.mktemp("mtu-netns"), real_network=net)
    lab.start()
    try:
        yield lab, net
    finally:
        lab.stop()
        net.teardown()


@pytest.fixture
async def service(real_lab: tuple[EsxiLab, RealNetwork], tmp_path: Path):
    lab, _ = real_lab
    manager = lab_manager(lab, tmp_path)
    yield MtuService(manager)
    await manager.close()


async def test_signalling_wan_is_found_and_not_called_a_black_hole(service, real_lab) -> None:
    _, net = real_lab
    net.flush_pmtu("esx-akl-01")
    (r,) = await service.run(
        await service.prepare([MtuTest("esx-akl-01", "10.0.10.5", vmk="vmk0")])
    )
    assert r.path_mtu == 1400 and r.max_payload == 1372
    assert r.verdict.code == "path_below_vmk" and "black hole" not in r.verdict.message
    kinds = {p.kind for p in r.evidence if p.payload > 1372}
    assert ProbeKind.REPLY not in kinds


async def test_black_hole_is_found_and_named(service, real_lab) -> None:
    _, net = real_lab
    net.flush_pmtu("esx-wlg-01")
    before = sum(net.frag_needed_drops().values())
    (r,) = await service.run(
        await service.prepare([MtuTest("esx-wlg-01", "10.0.10.5", vmk="vmk0")])
    )
    assert r.path_mtu == 1280
    assert "black hole" in r.verdict.message
    assert sum(net.frag_needed_drops().values()) > before  # the router's ICMP really was swallowed
    assert all(p.kind is ProbeKind.LOST for p in r.evidence if p.payload == 1253)


async def test_jumbo_vsan_peer_on_the_same_lan(service) -> None:
    (r,) = await service.run(
        await service.prepare([MtuTest("esx-akl-01", "esx-akl-02:vmk1", vmk="vmk1")])
    )
    assert r.path_mtu == 9000 and r.verdict.code == "ok"
