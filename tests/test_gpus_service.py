"""The Bitfusion pool service on the lab client VM over real SSH (and vcsim for host NICs)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from gpus_helpers import CLIENT, bf_manager, server_hosts, small_scenario
from waiting import ManualClock

from vconsole.lab.bitfusion_vm import BitfusionLab
from vconsole.lab.vcsim import VcsimLab, vcsim_unavailable
from vconsole.models.gpus import ClientFailure, ServerState, Severity
from vconsole.services.gpus import GpuPoolService

A100, T4 = 40536, 15109


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def lab(tmp_path, clock) -> Iterator[BitfusionLab]:  # type: ignore[no-untyped-def]
    with BitfusionLab(small_scenario(), tmp_path / "lab", clock=clock, wall=clock, seed=7) as bf:
        yield bf


@pytest.fixture
async def manager(lab, tmp_path) -> AsyncIterator[object]:  # type: ignore[no-untyped-def]
    mgr = bf_manager(lab, tmp_path)
    yield mgr
    await mgr.close()


def codes(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {p.code: p.subject.name for p in report.problems}


async def test_pool_servers_gpus_and_totals_match_the_lab(manager, clock):
    report = await GpuPoolService(manager, CLIENT, clock=clock).refresh()
    assert report.ok, report.failure_text
    assert [(s.name, s.state, len(s.gpus)) for s in report.servers] == [
        ("bf-srv01", ServerState.UP, 4),
        ("bf-srv02", ServerState.UP, 2),
        ("bf-srv03", ServerState.UP, 8),
    ]
    assert report.servers[0].version and report.client_version
    assert {g.model for g in report.servers[2].gpus} == {"NVIDIA T4"}
    assert report.totals.gpus == 14
    assert report.totals.memory_mb == 6 * A100 + 8 * T4
    assert report.totals.allocated_mb == 2 * A100 + A100 // 2
    held = {(a.client, a.memory_mb, round(a.fraction, 2)) for a in report.allocations}
    assert held == {("ml-train-01", A100, 1.0), ("jupyter-07", A100 // 2, 0.5)}
    assert report.problems == ()


async def test_allocations_keep_their_first_seen_time(lab, manager, clock):
    service = GpuPoolService(manager, CLIENT, clock=clock)
    first = await service.refresh()
    start = clock.now
    assert all(a.seen_at_start and a.since == start for a in first.allocations)
    before = {a.key for a in first.allocations}
    for _ in range(30):
        clock.advance(60)
        report = await service.refresh()
        new = [a for a in report.allocations if a.key not in before]
        if new:
            break
        before &= {a.key for a in report.allocations}
    else:
        pytest.fail("no client arrived in 30 churn periods")
    assert all(not a.seen_at_start and a.since == clock.now for a in new)
    kept = [a for a in report.allocations if a.key in before]
    assert all(a.since == start for a in kept)


async def test_unreachable_server_leaves_the_totals_but_stays_listed(lab, manager, clock):
    service = GpuPoolService(manager, CLIENT, clock=clock)
    await service.refresh()
    lab.set_server_down("bf-srv02", True)
    report = await service.refresh()
    srv02 = next(s for s in report.servers if s.name == "bf-srv02")
    assert srv02.state == ServerState.UNREACHABLE and not srv02.reachable
    assert len(srv02.gpus) == 2, "its last known GPUs are shown"
    assert "i/o timeout" in srv02.reason
    assert report.totals.gpus == 12
    problem = next(p for p in report.problems if p.code == "server-unreachable")
    assert problem.severity == Severity.CRITICAL and problem.subject.name == "bf-srv02"
    assert report.problems[0] == problem, "the worst finding comes first"


async def test_a_server_that_disappears_is_shown_gone(lab, manager, clock):
    service = GpuPoolService(manager, CLIENT, clock=clock)
    await service.refresh()
    lab.remove_server("bf-srv03")
    report = await service.refresh()
    gone = next(s for s in report.servers if s.name == "bf-srv03")
    assert gone.state == ServerState.GONE and gone.last_seen == clock.now
    assert codes(report)["server-gone"] == "bf-srv03"
    as_json = report.as_json()
    assert {s["name"]: s["state"] for s in as_json["servers"]}["bf-srv03"] == "gone"
    lab.remove_server("bf-srv03", removed=False)
    assert "server-gone" not in codes(await service.refresh())


async def test_memory_nobody_holds_is_flagged_with_evidence(lab, manager, clock):
    lab.leak("bf-srv03", 5, 4000)
    report = await GpuPoolService(manager, CLIENT, clock=clock).refresh()
    problem = next(p for p in report.problems if p.code == "memory-without-client")
    assert problem.subject.name.endswith("/gpu5") and "4000 MiB" in problem.text
    assert "free 11109 MiB / 15109 MiB" in problem.evidence


async def test_saturation_follows_the_threshold(manager, clock):
    relaxed = await GpuPoolService(manager, CLIENT, clock=clock).refresh()
    assert "pool-saturated" not in codes(relaxed)
    strict = GpuPoolService(manager, CLIENT, clock=clock, free_threshold_pct=90)
    report = await strict.refresh()
    assert codes(report)["pool-saturated"] == "pool"
    assert "below the 90% threshold" in report.problems[0].text


@pytest.mark.parametrize(
    ("fault", "failure", "words"),
    [
        ("not-installed", ClientFailure.NOT_INSTALLED, "bash: bitfusion: command not found"),
        ("missing", ClientFailure.NOT_AUTHORISED, "no such file or directory"),
        ("read-only", ClientFailure.NOT_AUTHORISED, "read-only file system"),
        ("vm-down", ClientFailure.UNREACHABLE, CLIENT),
    ],
)
async def test_client_faults_give_a_clear_failure(lab, manager, clock, fault, failure, words):
    service = GpuPoolService(manager, CLIENT, clock=clock)
    if fault == "not-installed":
        lab.set_installed(False)
    elif fault == "vm-down":
        lab.set_down(True)
    else:
        lab.set_token(fault)
    report = await service.refresh()
    assert report.failure == failure and not report.servers
    assert words in report.failure_text
    assert report.problems[0].severity == Severity.ERROR
    assert report.as_json()["error"]["code"] == failure.value
    if failure == ClientFailure.NOT_AUTHORISED:
        assert "Tokens tab" in report.failure_text
    lab.set_installed(True)
    lab.set_token("ok")
    lab.set_down(False)
    for _ in range(20):  # the manager backs off before reconnecting to a target that failed
        if (await service.refresh()).ok:
            break
        await asyncio.sleep(0.25)
    assert service.last is not None and service.last.ok, "the client never recovered"


async def test_every_server_down_is_an_empty_pool_not_a_client_failure(lab, manager, clock):
    service = GpuPoolService(manager, CLIENT, clock=clock)
    await service.refresh()
    for name in ("bf-srv01", "bf-srv02", "bf-srv03"):
        lab.set_server_down(name, True)
    report = await service.refresh()
    assert report.ok and report.totals.gpus == 0
    assert {s.state for s in report.servers} == {ServerState.UNREACHABLE}
    assert "pool-empty" in codes(report)


async def test_history_is_bounded_and_follows_refreshes(manager, clock):
    service = GpuPoolService(manager, CLIENT, clock=clock, history_size=3)
    for _ in range(5):
        report = await service.refresh()
        clock.advance(60)
    assert len(report.history) == 3
    assert report.history[-1].used_pct == pytest.approx(report.totals.used_pct)


async def test_server_hosts_map_places_servers_without_vcenter(manager, clock):
    hosts = server_hosts(small_scenario())
    report = await GpuPoolService(manager, CLIENT, clock=clock, server_hosts=hosts).refresh()
    assert {s.name: s.host for s in report.servers} == {
        "bf-srv01": "esx-gpu-01",
        "bf-srv02": "esx-gpu-02",
        "bf-srv03": "esx-gpu-03",
    }
    assert codes(report).get("network-unchecked"), "no NIC speeds without vCenter: said so"


@pytest.mark.timeout(300)
@pytest.mark.skipif(bool(vcsim_unavailable()), reason=f"lab vCenter: {vcsim_unavailable()}")
async def test_network_sizing_uses_the_host_nic_speed_from_vcenter(tmp_path, clock):
    scenario = small_scenario(servers_as_vms=True)
    vcsim = VcsimLab(scenario, tmp_path / "vcsim").start()
    try:
        with BitfusionLab(scenario, tmp_path / "bf", clock=clock, wall=clock) as lab:
            manager = bf_manager(lab, tmp_path, vcsim)
            try:
                report = await GpuPoolService(manager, CLIENT, "vcsa01", clock=clock).refresh()
            finally:
                await manager.close()
    finally:
        vcsim.stop()
    assert report.vcenter_error == ""
    placed = {s.name: (s.host, s.host_nic_gbps) for s in report.servers}
    assert placed == {
        "bf-srv01": ("esx-gpu-01", 25.0),
        "bf-srv02": ("esx-gpu-02", 25.0),
        "bf-srv03": ("esx-gpu-03", 10.0),
    }
    undersized = [p for p in report.problems if p.code == "network-undersized"]
    assert [p.subject.name for p in undersized] == ["bf-srv03"]
    assert "wants 20 Gb/s" in undersized[0].text and "10 Gb/s" in undersized[0].text
