"""At the pane's cadence a host whose answers are unchanged and whose latency has a new sample
keeps its layout but gets new windows, and the report is what joining every host anew shows.

Against the lab's real SSH hosts and vcsim (the three HQ hosts share their LUNs, so verdicts
compare hosts): the second refresh waits for vcsim's next 20 s sample, so every host has a new
one; a path that goes dead on one host at the same time changes that host's layout. The oracle
is the same service with no host's last join kept, asked again for the same inputs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest
from lab_fixtures import esxi_fixture, vcsim_fixture
from lacp_helpers import lab_manager
from test_paths_layout_lab import HOST, changed_luns
from test_paths_reuse_lab import by_key, shown

from vconsole.lab.scenario import default_scenario
from vconsole.services import paths as paths_service
from vconsole.services.paths import PathsService

pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]

HOSTS = [HOST, "esx-hq-02", "esx-hq-03"]
esxi = esxi_fixture(default_scenario, "paths-rejoin")
vcsim = vcsim_fixture(default_scenario, "paths-rejoin")


@pytest.mark.parametrize("dead_path", [False, True])
async def test_a_new_sample_gives_new_windows_on_the_kept_layout(
    esxi, vcsim, tmp_path, monkeypatch, dead_path
):
    manager = lab_manager(esxi, tmp_path, vcsim=vcsim, hosts=set(HOSTS))
    luns = esxi.hosts[HOST].host.luns
    lun, victim = luns[0], luns[0].paths[0].name
    joined: list[str] = []
    real_join = paths_service.join_host

    def counted(inputs):  # type: ignore[no-untyped-def]
        joined.append(inputs.host)
        return real_join(inputs)

    def kill(all_luns):  # type: ignore[no-untyped-def]
        dead = tuple(
            dataclasses.replace(p, state="dead") if p.name == victim else p for p in lun.paths
        )
        return (dataclasses.replace(lun, paths=dead), *all_luns[1:]) if dead_path else all_luns

    monkeypatch.setattr(paths_service, "join_host", counted)
    try:
        service = PathsService(manager, HOSTS, "vcsa01", only_hosts=HOSTS, layout_every=1000)
        first = await service.refresh()
        samples = {h: service._joins[h].inputs.latency for h in HOSTS}
        assert service.reader is not None
        newest = max(service.reader.newest_sample(h) or 0.0 for h in HOSTS)
        # vcsim's samples follow the clock: wait for the next one (at most one interval)
        await asyncio.sleep(max(0.0, newest + 20 - time.time()) + 0.5)
        joined.clear()
        with changed_luns(esxi, kill):
            sampled = await service.refresh()
            rejoined = list(joined)
            new_samples = {h: service._joins[h].inputs.latency for h in HOSTS}
            service._joins = {}  # the oracle: every host joined anew from the same inputs
            anew = await service.refresh()
    finally:
        await manager.close()
    assert rejoined == ([HOST] if dead_path else [])  # the others kept their layout
    assert shown(sampled) == shown(anew)
    before, after = by_key(first), by_key(sampled)
    assert before.keys() == after.keys()
    assert all(new_samples[h] != samples[h] for h in HOSTS)  # every host had a new sample
    assert any(after[k].read.samples != before[k].read.samples for k in before)
    assert all(after[k] is not before[k] for k in before)  # no row of the last report altered
    assert all(r.read.samples for r in after.values() if r.path)
    if dead_path:
        assert after[(HOST, lun.id, victim)].state == "dead"
