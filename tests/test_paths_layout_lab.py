"""A warm multipathing refresh keeps the path layout, and still shows what changed on the host.

Against the lab's real SSH hosts: a warm refresh runs only `core path list` while nothing
changed; a path that goes dead, a LUN that appears or vanishes shows on the very next refresh;
a Round Robin change made from another console shows within `layout_every` refreshes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from lab_fixtures import esxi_fixture
from lacp_helpers import lab_manager

from vconsole.lab.scenario import default_scenario
from vconsole.models.paths import Verdict
from vconsole.services.paths import PathsService

pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]

HOST = "esx-hq-01"
esxi = esxi_fixture(default_scenario, "paths-layout")


@contextmanager
def changed_luns(esxi, change) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The lab host's LUNs as `change(luns)` returns them, put back afterwards."""
    state = esxi.hosts[HOST]
    before, rr = state.host, dict(state.round_robin)
    state.host = dataclasses.replace(before, luns=change(before.luns))
    for lun in state.host.luns:
        state.round_robin.setdefault(lun.id, next(iter(rr.values())))
    try:
        yield
    finally:
        state.host = before
        state.round_robin.clear()
        state.round_robin.update(rr)


def commands_run(tmp_path, since: int) -> list[str]:  # type: ignore[no-untyped-def]
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()[since:]
    return [json.loads(line)["what"] for line in lines]


def audit_len(tmp_path) -> int:  # type: ignore[no-untyped-def]
    audit = tmp_path / "audit.jsonl"
    return len(audit.read_text().splitlines()) if audit.exists() else 0


def paths_of(report, device: str | None = None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        r.path: r for r in report.rows if r.host == HOST and device in (None, r.device) and r.path
    }


async def test_warm_refresh_reads_only_path_states_and_shows_the_same_rows(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts={HOST})
    try:
        service = PathsService(manager, [HOST], layout_every=1000)
        first = await service.refresh()
        mark = audit_len(tmp_path)
        second = await service.refresh()
    finally:
        await manager.close()
    ran = commands_run(tmp_path, mark)
    assert ran == ["esxcli storage core path list"]
    strip = [dataclasses.replace(r, read=None, write=None) for r in first.rows]
    assert strip == [dataclasses.replace(r, read=None, write=None) for r in second.rows]
    transcript = service.transcript(HOST)
    assert "esxcli storage nmp device list" in transcript
    assert "output from an earlier refresh" in transcript


async def test_a_path_that_goes_dead_shows_on_the_next_refresh(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts={HOST})
    luns = esxi.hosts[HOST].host.luns
    lun, victim = luns[0], luns[0].paths[0].name

    def kill(all_luns):  # type: ignore[no-untyped-def]
        dead = tuple(
            dataclasses.replace(p, state="dead") if p.name == victim else p for p in lun.paths
        )
        return (dataclasses.replace(lun, paths=dead), *all_luns[1:])

    try:
        service = PathsService(manager, [HOST], layout_every=1000)
        before = paths_of(await service.refresh(), lun.id)
        with changed_luns(esxi, kill):
            after = paths_of(await service.refresh(), lun.id)
        healed = paths_of(await service.refresh(), lun.id)
    finally:
        await manager.close()
    assert before[victim].state == "active" and before[victim].working
    row = after[victim]
    assert (row.state, row.group_state, row.verdict) == ("dead", "dead", Verdict.CRITICAL)
    assert row.working is False  # the layout (working paths) was read again with the state
    assert healed[victim].state == "active" and healed[victim].working


async def test_a_lun_that_appears_or_vanishes_shows_on_the_next_refresh(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts={HOST})
    luns = esxi.hosts[HOST].host.luns
    new_id = "naa.600a098038304437415d4b6a59684aff"

    def add(all_luns):  # type: ignore[no-untyped-def]
        return (*all_luns, dataclasses.replace(all_luns[0], id=new_id, datastore=""))

    try:
        service = PathsService(manager, [HOST], layout_every=1000)
        devices = [{d.device for d in (await service.refresh()).devices}]
        with changed_luns(esxi, add):
            report = await service.refresh()
            devices.append({d.device for d in report.devices})
        with changed_luns(esxi, lambda all_luns: all_luns[1:]):
            devices.append({d.device for d in (await service.refresh()).devices})
    finally:
        await manager.close()
    known = {lun.id for lun in luns}
    assert devices == [known, known | {new_id}, known - {luns[0].id}]
    added = paths_of(report, new_id)
    assert len(added) == len(luns[0].paths)
    assert all(r.psp == luns[0].psp for r in added.values())


@pytest.mark.parametrize("every", [1, 2, 3])
async def test_a_policy_change_made_elsewhere_shows_within_layout_every_refreshes(
    esxi, tmp_path, every
):
    manager = lab_manager(esxi, tmp_path, hosts={HOST})
    (tmp_path / "other").mkdir()
    other = lab_manager(esxi, tmp_path / "other", hosts={HOST})
    device = next(lun.id for lun in esxi.hosts[HOST].host.luns if lun.psp == "VMW_PSP_RR")
    seen: list[set[str]] = []
    try:
        service = PathsService(manager, [HOST], layout_every=every)
        start = {r.rr_type for r in paths_of(await service.refresh(), device).values()}
        change = "iops" if start == {"latency"} else "latency"
        await PathsService(other, [HOST]).set_rr_type(HOST, device, change, iops=10)
        for _ in range(every):
            seen.append({r.rr_type for r in paths_of(await service.refresh(), device).values()})
        back = "latency" if change == "iops" else "iops"
        await PathsService(other, [HOST]).set_rr_type(HOST, device, back, iops=10)
    finally:
        await manager.close()
        await other.close()
    assert seen[-1] == {change}
    assert all(s in (start, {change}) for s in seen)


def _row_view(report):  # type: ignore[no-untyped-def]
    return [dataclasses.replace(r, read=None, write=None) for r in report.rows]


async def test_a_layout_read_is_one_exec_per_host_with_the_same_rows_as_an_exec_per_command(
    esxi, tmp_path
):
    manager = lab_manager(esxi, tmp_path, hosts={HOST})
    gauge = esxi.sessions[HOST]
    try:
        batched = PathsService(manager, [HOST], layout_every=1)  # every refresh reads the layout
        alone = PathsService(manager, [HOST], layout_every=1, batch=False)
        before = gauge.total
        together = await batched.refresh()
        middle = gauge.total
        apart = await alone.refresh()
        after = gauge.total
        mark = audit_len(tmp_path)
        warm = await batched.refresh()
    finally:
        await manager.close()
    assert (middle - before, after - middle) == (1, 4)
    assert _row_view(together) == _row_view(apart) == _row_view(warm)
    assert together.hosts[0].ok and not together.hosts[0].error
    outputs = {o.line: o for o in together.hosts[0].outputs}
    assert {o.line: o.stdout for o in apart.hosts[0].outputs} == {
        line: o.stdout for line, o in outputs.items()
    }
    assert all(o.exit == 0 and "begin" not in o.stdout for o in outputs.values())
    ran = commands_run(tmp_path, mark)  # audited command by command, never the script
    assert sorted(ran) == sorted(outputs)
