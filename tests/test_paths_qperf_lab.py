"""The console's own QueryPerf reader against the lab vCenter, beside pyVmomi's.

The lab's paths carry latencies drawn once per module from a seeded random source (zero,
sub-millisecond, fractional and large values; paths that carry no I/O report 0), since one lab
vCenter serves every example; hypothesis then draws the query: a subset of hosts, each with or
without `since`, a sample count, the "normal" or the "csv" format. Both ways must give identical
HostLatency values.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lab_fixtures import vcenter_config, vcsim_fixture
from sessions_helpers import make_manager

from vconsole.lab.scenario import Scenario, generate_scenario
from vconsole.services import paths_vcenter
from vconsole.services.paths_vcenter import (
    counter_ids,
    query_hosts_latency,
    query_hosts_latency_pyvmomi,
    read_multipath,
)
from vconsole.vim import perf

pytestmark = [pytest.mark.lab, pytest.mark.timeout(300)]

HOSTS = 8
LATENCIES = (0.0, 0.4, 0.5, 1.0, 2.5, 7.0, 19.6, 250.0, 4000.0, 123456.0)


def perf_scenario() -> Scenario:
    base = generate_scenario(hosts=HOSTS, vms=HOSTS, luns_per_host=3, paths_per_lun=3)
    pick = random.Random(20261204)
    hosts = []
    for host in base.hosts:
        luns = tuple(
            dataclasses.replace(
                lun,
                paths=tuple(
                    dataclasses.replace(
                        p, read_ms=pick.choice(LATENCIES), write_ms=pick.choice(LATENCIES)
                    )
                    for p in lun.paths
                ),
            )
            for lun in host.luns
        )
        hosts.append(dataclasses.replace(host, luns=luns))
    return dataclasses.replace(base, hosts=tuple(hosts))


vcsim = vcsim_fixture(perf_scenario, "qperf")


@pytest.fixture(scope="module")
def lab_vim(vcsim, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The manager's event loop is the module's: one connection for every example."""
    import asyncio

    loop = asyncio.new_event_loop()
    tmp = tmp_path_factory.mktemp("qperf-manager")
    manager = make_manager(tmp, [vcenter_config(vcsim)], passwords={"vcsa01": vcsim.password})
    vim = loop.run_until_complete(manager.vim("vcsa01"))
    content = vim.content
    _, refs = read_multipath(content)
    ids = counter_ids(content)
    yield content, refs, ids
    loop.run_until_complete(manager.close())
    loop.close()


def refuse(*args: object) -> None:
    raise AssertionError("the reader handed a lab answer over to pyVmomi")


def newest_sample(content, host, ids):  # type: ignore[no-untyped-def]
    (latency,) = query_hosts_latency_pyvmomi(content, [(host, None)], ids, 1)
    return latency.timestamps[-1]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chosen=st.lists(st.integers(0, HOSTS - 1), min_size=1, max_size=HOSTS, unique=True),
    back=st.lists(st.sampled_from([None, 0, 1, 2, 5, 20]), min_size=HOSTS, max_size=HOSTS),
    samples=st.integers(1, 15),
    fmt=st.sampled_from(["normal", "csv"]),
)
def test_the_reader_and_pyvmomi_give_the_same_latency(
    lab_vim, monkeypatch, chosen, back, samples, fmt
):
    content, refs, ids = lab_vim
    monkeypatch.setattr(paths_vcenter, "query_hosts_latency_pyvmomi", refuse)
    names = sorted(refs)
    newest = newest_sample(content, refs[names[0]], ids)
    hosts = [(refs[names[i]], None if back[i] is None else newest - 20 * back[i]) for i in chosen]
    fast = query_hosts_latency(content, hosts, ids, samples, fmt)
    slow = query_hosts_latency_pyvmomi(content, hosts, ids, samples)
    assert fast == slow
    assert all(h.sample_count for h in fast if h.series)  # the lab answers every host here


def test_the_reader_reads_csv_with_one_string_per_series(lab_vim, monkeypatch):
    """The csv answer is what the reader parses (no fallback), and it holds the same values."""
    content, refs, ids = lab_vim
    host = refs[sorted(refs)[0]]
    seen: list[bytes] = []
    real = perf.read_answer

    def spy(data: bytes):  # type: ignore[no-untyped-def]
        seen.append(data)
        return real(data)

    monkeypatch.setattr(perf, "read_answer", spy)
    monkeypatch.setattr(paths_vcenter, "query_hosts_latency_pyvmomi", refuse)
    (latency,) = query_hosts_latency(content, [(host, None)], ids, 15, "csv")
    assert b"sampleInfoCSV" in seen[0] and latency.sample_count == 15
    path_read = latency.series[paths_vcenter.PATH_READ]
    assert len(path_read) == 3 * 3 + 1  # every path, and the host-wide instance ""
    assert all(len(v) == 15 for v in path_read.values())


def test_a_fault_gives_pyvmomis_own_error(lab_vim):
    """An entity without realtime counters (a folder) faults QueryPerf (InvalidArgument); the
    reader hands over to pyVmomi, whose exception is the one the caller sees, as before."""
    content, refs, ids = lab_vim
    ghost = content.rootFolder
    with pytest.raises(Exception) as slow:
        query_hosts_latency_pyvmomi(content, [(ghost, None)], ids, 1)
    with pytest.raises(Exception) as fast:
        query_hosts_latency(content, [(ghost, None)], ids, 1, "csv")
    assert type(fast.value).__name__ == "vmodl.fault.InvalidArgument"
    assert type(fast.value) is type(slow.value) and str(fast.value) == str(slow.value)
