"""A matrix with several probes per SSH exec against the lab's hosts: the verdicts of one probe
per exec, never more SSH sessions on a host than its channel budget (counted by the lab server).

Each host has 6 pairs (2 vmks x 3 targets), so a round asks for 48 probes while the host
allows 8 sessions: the old way makes pairs take turns, the batched way sends a few execs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mtu_helpers import WAN_TARGETS, lab_manager, running_lab, wait_idle, wan_scenario

from vconsole.lab.esxi import EsxiLab
from vconsole.models.mtu import MtuTest
from vconsole.services.mtu import MtuService, RunSettings

pytestmark = [pytest.mark.lab, pytest.mark.timeout(300)]
SCENARIO = wan_scenario()
TESTS = [
    MtuTest(h.name, t, vmk=v) for h in SCENARIO.hosts for v in ("vmk0", "vmk1") for t in WAN_TARGETS
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EsxiLab]:
    # lab time runs 4x faster: a lost probe's 1 s wait takes 0.25 s of real time
    with running_lab(SCENARIO, tmp_path_factory.mktemp("mtu-batch"), 0.25) as lab:
        yield lab


def rows(results: list[Any]) -> list[tuple[Any, ...]]:
    return [(r.host, r.vmk, r.address, r.path_mtu, r.verdict.code) for r in results]


async def run(lab: EsxiLab, tmp: Path, settings: RunSettings) -> tuple[list[Any], int]:
    """The matrix's results and the most sessions any host had open at once during it."""
    tmp.mkdir(parents=True, exist_ok=True)
    manager = lab_manager(lab, tmp)
    try:
        service = MtuService(manager, settings=settings)
        plan = await service.prepare(TESTS)
        wait_idle(lab)
        for gauge in lab.sessions.values():
            gauge.reset_peak()
        results = await service.run(plan)
        return results, max(g.peak for g in lab.sessions.values())
    finally:
        await manager.close()


async def test_batched_matrix_gives_the_verdicts_of_one_probe_per_exec(
    lab: EsxiLab, tmp_path: Path
) -> None:
    batched, peak = await run(lab, tmp_path / "a", RunSettings(channels_per_host=8))
    single, _ = await run(lab, tmp_path / "b", RunSettings(channels_per_host=8, batch=False))
    assert rows(batched) == rows(single)
    found = {(r.host[:6], r.vmk, r.address): r.path_mtu for r in batched}
    assert found[("esx-bh", "vmk1", "10.0.10.5")] == 1280  # the black hole, found by silence
    assert found[("esx-lo", "vmk1", "10.0.10.5")] == 1400  # the smaller WAN that says so
    assert found[("esx-bh", "vmk1", "10.0.30.50")] == 1280
    assert found[("esx-lo", "vmk1", "10.0.30.50")] == 1400
    assert {r.verdict.code for r in batched} >= {"path_below_vmk"}
    assert all(not r.error for r in batched)
    assert 1 < peak <= 8


@pytest.mark.parametrize("channels", [1, 3])
async def test_sessions_never_exceed_the_channel_budget(
    lab: EsxiLab, tmp_path: Path, channels: int
) -> None:
    budget, peak = await run(lab, tmp_path, RunSettings(channels_per_host=channels))
    full, _ = await run(lab, tmp_path / "full", RunSettings(channels_per_host=8))
    assert peak <= channels
    assert rows(budget) == rows(full)
