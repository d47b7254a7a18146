"""A host whose answers did not change keeps its rows from one refresh to the next, and the
report is still what a fresh console would show.

Against the lab's real SSH hosts (the three HQ hosts share their LUNs, so a device's verdict
compares hosts): a refresh with nothing changed shows the very rows of the last one; a path that
goes dead on one host changes that host's rows alone; a Round Robin change on one host is judged
against its siblings again. Each time the report equals a fresh service's for the same hosts.
"""

from __future__ import annotations

import dataclasses

import pytest
from lab_fixtures import esxi_fixture
from lacp_helpers import lab_manager
from test_paths_layout_lab import HOST, changed_luns

from vconsole.lab.scenario import default_scenario
from vconsole.services.paths import PathsService

pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]

HOSTS = [HOST, "esx-hq-02", "esx-hq-03"]
esxi = esxi_fixture(default_scenario, "paths-reuse")


def shown(report):  # type: ignore[no-untyped-def]
    """What a report says: rows, devices, hosts (left out: the time each took, and the raw
    outputs, which a refresh that kept the layout marks as an earlier refresh's)."""
    hosts = [dataclasses.replace(h, duration_s=0.0, outputs=()) for h in report.hosts]
    return list(report.rows), list(report.devices), hosts


def by_key(report):  # type: ignore[no-untyped-def]
    return {(r.host, r.device, r.path): r for r in report.rows}


async def test_unchanged_hosts_keep_their_rows_and_the_report_is_a_fresh_one(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts=set(HOSTS))
    (tmp_path / "fresh").mkdir()
    other = lab_manager(esxi, tmp_path / "fresh", hosts=set(HOSTS))
    luns = esxi.hosts[HOST].host.luns
    lun, victim = luns[0], luns[0].paths[0].name
    device = next(x.id for x in luns if x.psp == "VMW_PSP_RR")

    def kill(all_luns):  # type: ignore[no-untyped-def]
        dead = tuple(
            dataclasses.replace(p, state="dead") if p.name == victim else p for p in lun.paths
        )
        return (dataclasses.replace(lun, paths=dead), *all_luns[1:])

    async def fresh():  # type: ignore[no-untyped-def]
        return await PathsService(other, HOSTS, layout_every=1000).refresh()

    try:
        service = PathsService(manager, HOSTS, layout_every=1000)
        first = await service.refresh()
        second = await service.refresh()
        with changed_luns(esxi, kill):
            dead = await service.refresh()
            dead_fresh = await fresh()
        healed = await service.refresh()
        start = {r.rr_type for k, r in by_key(healed).items() if k[:2] == (HOST, device)}
        change = "iops" if start == {"latency"} else "latency"  # the majority moves
        held = dict(esxi.hosts[HOST].round_robin)
        await service.set_rr_type(HOST, device, change, iops=10)
        try:
            switched = await service.refresh()
            switched_fresh = await fresh()
        finally:
            esxi.hosts[HOST].round_robin.update(held)  # the lab host's policy as it was
        service.layouts.forget(HOST)  # as after a change from this console
        restored = await service.refresh()
        restored_fresh = await fresh()
    finally:
        await manager.close()
        await other.close()
    assert all(a is b for a, b in zip(first.rows, second.rows, strict=True))  # no row rebuilt
    assert shown(second) == shown(first)
    assert shown(dead) == shown(dead_fresh)
    before, after = by_key(second), by_key(dead)
    assert {k[0] for k in before if before[k] != after.get(k)} == {HOST}
    assert all(after[k] is before[k] for k in before if k[0] != HOST)
    assert after[(HOST, lun.id, victim)].state == "dead"
    outputs = {h.host: h.outputs for h in (*second.hosts, *dead.hosts)}  # this refresh's own
    assert any("dead" in o.stdout for o in outputs[HOST] if "core path" in o.line)
    assert shown(healed) == shown(first)
    assert shown(switched) == shown(switched_fresh)
    assert shown(restored) == shown(restored_fresh) == shown(first)
    was, now = by_key(healed), by_key(switched)
    siblings = {k for k in was if k[0] != HOST and k[1] == device and was[k] != now[k]}
    assert siblings  # the change on one host is judged against the others' devices again
