"""The multipathing service against the lab: real SSH hosts answering esxcli, and the lab vCenter.

The default scenario's HQ hosts share three LUNs: esx-hq-01 has one slow path, esx-hq-02 a
dead path and its third LUN on MRU, esx-hq-03 runs Round Robin by iops=1000 with
EnablePSPLatencyPolicy = 0. Here esx-hq-04 (a copy of esx-hq-01) and esx-wlg-02 are down.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from lab_fixtures import esxi_fixture, vcsim_fixture
from lacp_helpers import lab_manager

from vconsole.errors import ReadOnlyRefused
from vconsole.lab.scenario import Scenario, default_scenario
from vconsole.models.paths import Verdict
from vconsole.services import paths_perf
from vconsole.services.paths import PathsService, report_json
from vconsole.services.paths_vcenter import HostLatency

pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]

DS01 = "naa.600a098038304437415d4b6a59684a52"
DS02 = "naa.600a098038304437415d4b6a59684a53"
DS03 = "naa.600a098038304437415d4b6a59684a54"
LUN_HOSTS = {"esx-hq-01", "esx-hq-02", "esx-hq-03", "esx-hq-04", "esx-wlg-02"}


def lab_scenario() -> Scenario:
    base = default_scenario()
    copy = dataclasses.replace(base.host("esx-hq-01"), name="esx-hq-04", down=True)
    hosts = tuple(dataclasses.replace(h, down=h.name == "esx-wlg-02") for h in base.hosts)
    return dataclasses.replace(base, hosts=(*hosts, copy))


esxi = esxi_fixture(lab_scenario, "paths")
vcsim = vcsim_fixture(lab_scenario, "paths")


async def refresh(esxi, tmp, vcsim=None, **kwargs):  # type: ignore[no-untyped-def]
    manager = lab_manager(esxi, tmp, vcsim=vcsim, hosts=LUN_HOSTS)
    try:
        service = PathsService(manager, sorted(LUN_HOSTS), "vcsa01" if vcsim else None, **kwargs)
        return service, await service.refresh()
    finally:
        await manager.close()


def rows_of(report, host: str, device: str):  # type: ignore[no-untyped-def]
    return {r.path: r for r in report.rows if r.host == host and r.device == device}


def codes(rows) -> set[str]:  # type: ignore[no-untyped-def]
    """Codes a path row shows: its own and, as context, its device's and host's."""
    return {p.code for r in rows for p in (*r.problems, *r.device_problems)}


async def test_estate_policies_states_latency_and_outliers(esxi, vcsim, tmp_path):
    service, report = await refresh(esxi, tmp_path, vcsim, only_hosts=sorted(LUN_HOSTS))
    assert report.vcenter_error == ""
    hq01 = rows_of(report, "esx-hq-01", DS02)
    slow = hq01["vmhba64:C2:T0:L1"]
    assert slow.read_ms is not None and 34 <= slow.read_ms <= 42
    assert slow.write_ms is not None and 40 <= slow.write_ms <= 50
    assert {p.code for p in slow.problems} == {"path-slow"}
    assert hq01["vmhba64:C0:T0:L1"].verdict == Verdict.OK
    assert len(slow.read.samples) == 15  # one realtime window of 20 s samples
    assert (slow.datastore, slow.rr_type, slow.group_state) == ("PROD-DS02", "latency", "active")
    assert slow.rr is not None and slow.rr.latency_eval_ms == 180000
    assert slow.sources == ("ssh", "vcenter", "perf")

    dead = rows_of(report, "esx-hq-02", DS01)["vmhba64:C3:T0:L0"]
    assert (dead.state, dead.verdict) == ("dead", Verdict.CRITICAL)
    assert "psp-not-rr" in codes(rows_of(report, "esx-hq-02", DS03).values())

    hq03 = rows_of(report, "esx-hq-03", DS01).values()
    assert {r.rr_type for r in hq03} == {"iops"}
    assert {"rr-iops-1000", "rr-type-differs", "latency-policy-disabled"} <= codes(hq03)
    assert {r.psp_latency_policy_enabled for r in hq03} == {False}
    assert report.host("esx-hq-01").psp_latency_policy_enabled is True


@pytest.mark.parametrize("batch", [1, 2])
async def test_hosts_asked_in_batches_each_get_their_own_latency(esxi, vcsim, tmp_path, batch):
    """Several hosts' querySpecs in one QueryPerf: each answer lands on its own host."""
    service, report = await refresh(
        esxi, tmp_path, vcsim, only_hosts=sorted(LUN_HOSTS), perf_batch=batch
    )
    slow = [(r.host, r.path) for r in report.rows if "path-slow" in {p.code for p in r.problems}]
    assert slow == [("esx-hq-01", "vmhba64:C2:T0:L1")]
    assert {r.host for r in report.rows if r.read_ms is not None} == {
        "esx-hq-01",
        "esx-hq-02",
        "esx-hq-03",
    }


async def test_a_host_whose_queryperf_fails_leaves_the_others_their_latency(
    esxi, vcsim, tmp_path, monkeypatch
):
    """A host removed between the layout read and QueryPerf faults the whole call; the lab
    vCenter keeps its hosts, so that fault is the one stand-in here."""
    real = paths_perf.query_hosts_latency

    def failing(content, hosts, ids, samples):  # type: ignore[no-untyped-def]
        if any(ref.name == "esx-hq-02" for ref, _ in hosts):
            raise RuntimeError("The object 'vim.HostSystem:host-42' has already been deleted")
        return real(content, hosts, ids, samples)

    monkeypatch.setattr(paths_perf, "query_hosts_latency", failing)
    _, report = await refresh(esxi, tmp_path, vcsim, only_hosts=sorted(LUN_HOSTS))
    timed = {r.host for r in report.rows if r.read_ms is not None}
    assert timed == {"esx-hq-01", "esx-hq-03"}
    assert "QueryPerf failed" in report.host("esx-hq-02").perf_note


async def test_down_hosts_say_why(esxi, vcsim, tmp_path):
    _, report = await refresh(esxi, tmp_path, vcsim, only_hosts=sorted(LUN_HOSTS))
    (gone,) = [r for r in report.rows if r.host == "esx-wlg-02"]
    assert gone.verdict == Verdict.ERROR and gone.path == ""
    assert "notResponding" in gone.error
    # vCenter still describes esx-hq-04's LUNs; the rows say SSH failed and latency is missing
    hq04 = [r for r in report.rows if r.host == "esx-hq-04"]
    assert len(hq04) == 12
    assert all(r.verdict == Verdict.ERROR and r.rr_type == "" for r in hq04)
    texts = " ".join(p.text + p.evidence for p in (*hq04[0].problems, *hq04[0].device_problems))
    assert "SSH to the host failed" in texts and "host is notResponding in vCenter" in texts


async def test_json_rows_have_the_documented_fields(esxi, vcsim, tmp_path):
    _, report = await refresh(esxi, tmp_path, vcsim, only_hosts=["esx-hq-01"])
    rows = report_json(report)
    json.dumps(rows)
    assert {r["host"] for r in rows} == {"esx-hq-01"}
    sample = rows[0]
    for field in ("host", "device", "psp", "rr_type", "path", "state", "read_ms", "write_ms",
                  "verdict", "problems", "psp_latency_policy_enabled", "datastore"):  # fmt: skip
        assert field in sample
    assert sample["read"]["p95"] >= sample["read"]["p50"]


async def test_without_perf_samples_ssh_answers_and_the_rows_say_so(
    esxi, vcsim, tmp_path, monkeypatch
):
    """vCenter at statistics level 1 answers QueryPerf with no storagePath series; the lab
    vCenter always keeps them, so the empty answer is substituted (the only stand-in here)."""
    monkeypatch.setattr(
        paths_perf,
        "query_hosts_latency",
        lambda content, hosts, ids, samples: [HostLatency({}, 0) for _ in hosts],
        raising=True,
    )
    _, report = await refresh(esxi, tmp_path, vcsim, only_hosts=["esx-hq-01"])
    rows = list(rows_of(report, "esx-hq-01", DS02).values())
    assert len(rows) == 4 and all(r.read_ms is None for r in rows)
    assert {r.rr_type for r in rows} == {"latency"}
    assert all("no storagePath samples" in r.summary for r in rows)
    assert "path-slow" not in codes(rows)


async def test_ssh_only_without_vcenter(esxi, tmp_path):
    _, report = await refresh(esxi, tmp_path)
    assert report.notes and "no vCenter target" in report.notes[0]
    rows = rows_of(report, "esx-hq-02", DS01)
    assert rows["vmhba64:C3:T0:L0"].state == "dead"
    assert rows["vmhba64:C0:T0:L0"].datastore == ""  # only vCenter knows the datastore
    assert rows["vmhba64:C0:T0:L0"].sources == ("ssh",)


async def test_set_rr_type_changes_the_host_and_is_audited(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts={"esx-hq-03"})
    try:
        service = PathsService(manager, ["esx-hq-03"])
        _, config = await service.set_rr_type("esx-hq-03", DS03, "latency")
        assert config.limit_type == "Latency" and config.latency_eval_ms == 180000
        report = await service.refresh()
        assert {r.rr_type for r in rows_of(report, "esx-hq-03", DS03).values()} == {"latency"}
        await service.set_rr_type("esx-hq-03", DS03, "iops", iops=1000)
    finally:
        await manager.close()
    audit = (tmp_path / "audit.jsonl").read_text()
    assert f"deviceconfig set --type=latency --device={DS03}" in audit


async def test_set_rr_type_is_refused_read_only_before_any_io(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts={"esx-hq-03"}, read_only=True)
    try:
        with pytest.raises(ReadOnlyRefused):
            await PathsService(manager, ["esx-hq-03"]).set_rr_type("esx-hq-03", DS01, "latency")
        assert manager.ssh_connects == 0
    finally:
        await manager.close()


@pytest.mark.parametrize("age", [5.0, 20.0])
async def test_second_refresh_keeps_layout_and_window_and_asks_only_for_newer_samples(
    esxi, vcsim, tmp_path, monkeypatch, age
):
    """The second refresh comes `age` seconds after the newest sample: under the 20 s
    interval nothing newer exists and QueryPerf is not called; from 20 s on it asks."""
    manager = lab_manager(esxi, tmp_path, vcsim=vcsim, hosts={"esx-hq-01"})
    asked: list[float | None] = []
    real = paths_perf.query_hosts_latency

    def spy(content, hosts, ids, samples):  # type: ignore[no-untyped-def]
        asked.extend(since for _, since in hosts)
        return real(content, hosts, ids, samples)

    layouts: list[int] = []
    real_layout = paths_perf.read_multipath

    def layout_spy(content):  # type: ignore[no-untyped-def]
        layouts.append(1)
        return real_layout(content)

    monkeypatch.setattr(paths_perf, "query_hosts_latency", spy)
    monkeypatch.setattr(paths_perf, "read_multipath", layout_spy)
    try:
        service = PathsService(manager, ["esx-hq-01"], "vcsa01", only_hosts=["esx-hq-01"])
        first = await service.refresh()
        assert service.reader is not None
        newest = service.reader.newest_sample("esx-hq-01")
        assert newest is not None
        service.reader.wall = lambda: newest + age
        second = await service.refresh()
    finally:
        await manager.close()
    assert asked == ([None] if age < 20 else [None, newest])  # from the newest sample, if at all
    assert len(layouts) == 1  # the multipath layout is configuration: read once
    key = f"esx-hq-01|{DS02}|vmhba64:C2:T0:L1"
    before = next(r for r in first.rows if r.key == key)
    after = next(r for r in second.rows if r.key == key)
    assert len(after.read.samples) == 15
    # the same window, or (across a 20 s boundary) moved on by one sample
    assert after.read.samples[:14] in (before.read.samples[:14], before.read.samples[1:])


async def test_ssh_off_on_a_connected_host_leaves_vcenter_facts(esxi, vcsim, tmp_path):
    """SSH is off by default on ESXi: vCenter still gives paths, states, latency and the
    latency switch; only the Round Robin sub-policy is unknown."""
    esxi.set_down("esx-hq-03", True)
    try:
        _, report = await refresh(esxi, tmp_path, vcsim, only_hosts=sorted(LUN_HOSTS))
    finally:
        esxi.set_down("esx-hq-03", False)
    rows = list(rows_of(report, "esx-hq-03", DS01).values())
    assert len(rows) == 4 and {r.sources for r in rows} == {("vcenter", "perf")}
    assert {r.state for r in rows} == {"active"} and all(r.read_ms is not None for r in rows)
    assert {r.rr_type for r in rows} == {""}
    assert {r.psp_latency_policy_enabled for r in rows} == {False}
    assert "ssh-unavailable" in codes(rows) and "latency-policy-disabled" in codes(rows)
    assert report.host("esx-hq-03").connection_state == "connected"


async def test_vcenter_unreachable_leaves_ssh_rows_and_a_note(esxi, tmp_path):
    import socket
    from types import SimpleNamespace

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    nowhere = SimpleNamespace(host="127.0.0.1", port=closed, user="admin", password="x")
    manager = lab_manager(esxi, tmp_path, vcsim=nowhere, hosts={"esx-hq-02"})
    try:
        report = await PathsService(manager, ["esx-hq-02"], "vcsa01").refresh()
    finally:
        await manager.close()
    assert report.vcenter_error
    assert report.notes and report.notes[0].startswith("vCenter not read")
    dead = rows_of(report, "esx-hq-02", DS01)["vmhba64:C3:T0:L0"]
    assert dead.state == "dead" and dead.verdict == Verdict.CRITICAL
    context = (*dead.problems, *dead.device_problems)
    assert "no latency: vCenter not read" in " ".join(p.text for p in context)


def pyvmomi_states(content):  # type: ignore[no-untyped-def]
    from pyVmomi import vim

    from vconsole.services.vcenter_props import read_properties

    objects = read_properties(content, [(vim.HostSystem, ["name", "runtime.connectionState"])])
    return {str(p["name"]): str(p["runtime.connectionState"]) for _, p in objects}


async def test_connection_states_between_layout_reads_are_what_pyvmomi_reads(esxi, vcsim, tmp_path):
    manager = lab_manager(esxi, tmp_path, vcsim=vcsim, hosts=LUN_HOSTS)
    try:
        vim = await manager.vim("vcsa01")
        ours = await paths_perf.connection_states(vim)
        theirs = await vim.call(pyvmomi_states, vim.content)
    finally:
        await manager.close()
    assert ours == theirs
    assert ours["esx-wlg-02"] == ours["esx-hq-04"] == "notResponding"
    assert ours["esx-hq-01"] == "connected"
