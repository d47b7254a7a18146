"""The inventory service on a real lab vCenter: counts, columns, merge, export, cross-checks."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from inventory_helpers import (
    DOWN_HOST,
    DroppingProxy,
    default_lab_fixture,
    lab_scenario,
    manager_for,
    needs_vcsim,
    pyvmomi_content,
    second_scenario,
    shared_lab,
)
from vcsim_helpers import objects

from vconsole.lab.vcsim import VcsimLab, lab_vms, scenario_to_vcsim_json
from vconsole.lab.vcsim_topology import host_datastores
from vconsole.models.inventory import ObjectKind
from vconsole.services.inventory import InventoryService
from vconsole.services.inventory_export import (
    compile_filter,
    export_columns,
    filter_rows,
    to_csv,
    to_json,
)

pytestmark = [needs_vcsim, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def lab2() -> VcsimLab:
    return shared_lab("second", second_scenario)


lab = default_lab_fixture()


async def loaded(tmp: Path, labs: dict[str, VcsimLab]) -> InventoryService:
    manager = manager_for(tmp, labs)
    try:
        service = InventoryService(manager)
        await service.load()
    finally:
        await manager.close()
    return service


def by_name(service: InventoryService, kind: ObjectKind) -> dict[str, Any]:
    return {row.name: row for row in service.rows(kind)}


async def test_counts_per_type_match_the_scenario(lab: VcsimLab, tmp_path: Path) -> None:
    service = await loaded(tmp_path, {"vc01": lab})
    scenario = lab.scenario
    counts = Counter(row.kind for row in service.rows())
    assert counts[ObjectKind.VM] == len(lab_vms(scenario))
    assert counts[ObjectKind.HOST] == len(scenario.hosts)
    assert counts[ObjectKind.CLUSTER] == len(scenario.clusters())
    topology = scenario_to_vcsim_json(scenario)
    stores = [ds["name"] for dc in topology["datacenters"] for ds in dc["datastores"]]
    assert counts[ObjectKind.DATASTORE] == len(stores)
    si, content = pyvmomi_content(lab)
    from pyVmomi import vim

    assert counts[ObjectKind.NETWORK] == len(objects(content, vim.Network))
    assert service.statuses["vc01"].state.value == "live"
    assert service.statuses["vc01"].first_rows_s is not None


async def test_vm_columns_are_what_the_lab_created(lab: VcsimLab, tmp_path: Path) -> None:
    service = await loaded(tmp_path, {"vc01": lab})
    vms = by_name(service, ObjectKind.VM)
    for expected in lab_vms(lab.scenario):
        row = vms[expected.name]
        assert (row.host, row.cluster, row.parent) == (
            expected.host,
            expected.cluster,
            expected.host,
        )
        assert row.power_state == ("poweredOn" if expected.powered_on else "poweredOff")
        assert (row.vcpu, row.memory_mb) == (expected.cpu, expected.memory_mb)
        assert row.guest_os == expected.guest_name
        if expected.powered_on:
            assert row.ip_address == expected.ip and row.tools_status == "guestToolsRunning"
        else:
            assert row.ip_address == "" and row.tools_status == "guestToolsNotRunning"
        assert row.datacenter.startswith("DC-") and not row.denied


async def test_host_cluster_and_datastore_columns(lab: VcsimLab, tmp_path: Path) -> None:
    service = await loaded(tmp_path, {"vc01": lab})
    hosts = by_name(service, ObjectKind.HOST)
    vms = lab_vms(lab.scenario)
    hosts_by = {h.name: h for h in lab.scenario.hosts}
    for spec in lab.scenario.hosts:
        row = hosts[spec.name]
        assert row.cluster == spec.cluster and row.parent == spec.cluster
        assert (row.version, row.build) == (spec.version, spec.build)
        assert row.vm_count == sum(1 for v in vms if v.host == spec.name)
        assert row.maintenance is False and row.power_state == "poweredOn"
        assert row.connection_state == ("notResponding" if spec.name == DOWN_HOST else "connected")
        assert row.cpu_usage_pct is None or 0 <= row.cpu_usage_pct <= 100
    clusters = by_name(service, ObjectKind.CLUSTER)
    for name, members in lab.scenario.clusters().items():
        assert clusters[name].host_count == len(members)
        assert clusters[name].vm_count == sum(1 for v in vms if v.cluster == name)
    stores = by_name(service, ObjectKind.DATASTORE)
    prod = stores["PROD-DS01"]
    capacity = next(
        lun.capacity_gb
        for h in lab.scenario.hosts
        for lun in h.luns
        if lun.datastore == "PROD-DS01"
    )
    assert prod.capacity_gb == capacity
    # docs/scenario.md: a datastore holds the disks of the VMs stored on it (12 GB each, on
    # the first datastore of their host) plus a stable 10-45 % of other data, never above 95 %.
    assert not any(lun.used_pct >= 0 for h in lab.scenario.hosts for lun in h.luns)
    stored = sum(
        1 for v in vms if host_datastores(lab.scenario, hosts_by[v.host])[0] == "PROD-DS01"
    )
    used = capacity - prod.free_gb
    assert stored > 0
    assert min(stored * 12 + capacity * 0.10, capacity * 0.95) <= used + 1
    assert used <= min(stored * 12 + capacity * 0.45, capacity * 0.95) + 1
    assert prod.used_pct == pytest.approx(100 * used / capacity, abs=0.1)
    assert len({round(row.used_pct) for row in stores.values()}) > 1, "datastores differ in use"
    assert prod.host_count == sum(
        1 for h in lab.scenario.hosts if any(lun.datastore == "PROD-DS01" for lun in h.luns)
    )
    assert prod.datastore_type == "VMFS"


async def test_networks_have_type_dvs_and_vlan(lab: VcsimLab, tmp_path: Path) -> None:
    service = await loaded(tmp_path, {"vc01": lab})
    networks = list(service.rows(ObjectKind.NETWORK))
    portgroups = [n for n in networks if n.network_type == "distributed portgroup"]
    assert portgroups, "the lab has distributed portgroups"
    assert {n.dvs for n in portgroups} >= {"DSwitch-HQ", "DSwitch-AKL", "DSwitch-WLG"}
    assert all(n.vlan for n in portgroups)  # VLAN id or trunk range from the port config
    assert any(n.network_type == "standard portgroup" and n.dvs == "" for n in networks)


async def test_fast_read_agrees_with_pyvmomi(lab: VcsimLab, tmp_path: Path) -> None:
    """The hand-built requests and parser give what pyVmomi's own deserializer gives."""
    from pyVmomi import vim

    service = await loaded(tmp_path, {"vc01": lab})
    _, content = pyvmomi_content(lab)
    for vm in objects(content, vim.VirtualMachine):
        row = service.row(f"vc01/{vm._moId}")
        assert row is not None
        assert (row.name, row.power_state, row.host) == (
            vm.name,
            str(vm.runtime.powerState),
            vm.runtime.host.name,
        )
        assert row.memory_mb == vm.summary.config.memorySizeMB


async def test_two_vcenters_merge_into_one_table(
    lab: VcsimLab, lab2: VcsimLab, tmp_path: Path
) -> None:
    service = await loaded(tmp_path, {"vc01": lab, "vc02": lab2})
    vms = service.rows(ObjectKind.VM)
    per_vc = Counter(row.vcenter for row in vms)
    assert per_vc == {"vc01": len(lab_vms(lab.scenario)), "vc02": len(lab_vms(lab2.scenario))}
    keys = [row.key for row in vms]
    assert len(set(keys)) == len(keys)  # the same moid in both vCenters stays two rows
    both = {r.name for r in vms if r.vcenter == "vc01"} & {
        r.name for r in vms if r.vcenter == "vc02"
    }
    assert both  # same VM names exist in both labs and are kept apart by the vCenter column
    assert all(s.state.value == "live" for s in service.statuses.values())


async def test_a_load_asks_for_service_content_once_not_per_request(
    lab: VcsimLab, tmp_path: Path
) -> None:
    """pyVmomi reads ServiceContent from the server at every access (a Fetch of the
    ServiceInstance's `content`): a load over several datacenters (a view and a read per
    datacenter) asks for it once, not per request."""
    proxy = DroppingProxy(lab.port)
    manager = manager_for(tmp_path, {"vc01": lab}, ports={"vc01": proxy.port})
    try:
        await manager.vim("vc01")  # logged in: what the login itself asked is not counted
        before = len(proxy.requests)
        service = InventoryService(manager)
        await service.load()
    finally:
        await manager.close()
        proxy.close()
    during = proxy.requests[before:]
    datacenters = [o for o in service.stores["vc01"].objects.values() if o.type == "Datacenter"]
    assert len(datacenters) >= 2  # the VMs were read datacenter by datacenter
    assert sum(b"<RetrievePropertiesEx" in r for r in during) >= 2 + len(datacenters)
    assert sum(b"<Fetch" in r and b"ServiceInstance" in r for r in during) == 1
    assert len(service.rows(ObjectKind.VM)) == len(lab_vms(lab.scenario))


async def test_pane_refreshes_reuse_the_session_service_content(
    lab: VcsimLab, tmp_path: Path
) -> None:
    """The panes read ServiceContent on the event loop at every refresh; a session keeps it,
    so refreshing the vCenter checks again asks the server for it no more."""
    from vconsole.services.checks import ChecksService

    proxy = DroppingProxy(lab.port)
    manager = manager_for(tmp_path, {"vc01": lab}, ports={"vc01": proxy.port})
    try:
        await manager.vim("vc01")
        before = len(proxy.requests)
        checks = ChecksService(manager, [], "vc01")
        reports = [await checks.refresh() for _ in range(3)]
    finally:
        await manager.close()
        proxy.close()
    during = proxy.requests[before:]
    assert sum(b"<Fetch" in r and b"ServiceInstance" in r for r in during) <= 1
    assert sum(b"<RetrievePropertiesEx" in r for r in during) >= 3  # each refresh read vCenter
    assert all(r.rows and not r.vcenter_error for r in reports)


async def test_filter_negation_and_invalid_regex(lab: VcsimLab, tmp_path: Path) -> None:
    service = await loaded(tmp_path, {"vc01": lab})
    vms = service.rows(ObjectKind.VM)
    off = filter_rows(vms, compile_filter("poweredoff"))
    assert off and all(r.power_state == "poweredOff" for r in off)
    on = filter_rows(vms, compile_filter("!poweredOff"))
    assert len(on) + len(off) == len(vms)
    akl = filter_rows(vms, compile_filter("^AKL-VSAN$"))  # anchors hold per cell
    assert {r.cluster for r in akl} == {"AKL-VSAN"}
    assert filter_rows(vms, compile_filter("")) == vms
    with pytest.raises(ValueError, match=r"filter: invalid regex '\(unclosed'"):
        compile_filter("(unclosed")


async def test_csv_and_json_export_of_a_filtered_view(lab: VcsimLab, tmp_path: Path) -> None:
    service = await loaded(tmp_path, {"vc01": lab})
    hosts = filter_rows(service.rows(ObjectKind.HOST), compile_filter("wlg"))
    assert {r.name for r in hosts} == {"esx-wlg-01", "esx-wlg-02"}
    records = list(csv.DictReader(io.StringIO(to_csv(hosts, ObjectKind.HOST))))
    assert [r["name"] for r in sorted(records, key=lambda r: r["name"])] == [
        "esx-wlg-01",
        "esx-wlg-02",
    ]
    assert list(records[0])[: len(export_columns(ObjectKind.HOST))] == export_columns(
        ObjectKind.HOST
    )
    down = next(r for r in records if r["name"] == DOWN_HOST)
    assert down["connection_state"] == "notResponding" and down["stale"] == "no"
    data = json.loads(to_json(hosts))
    assert {"vcenter", "type", "name", "moid", "parent", "vm_count", "cpu_usage_pct"} <= set(
        data[0]
    )
    assert {d["type"] for d in data} == {"host"} and {d["parent"] for d in data} == {"WLG-VSAN"}


async def test_unknown_vcenter_address_is_a_failed_status_not_a_crash(tmp_path: Path) -> None:
    from inventory_helpers import vc_target

    from vconsole.audit import AuditLog
    from vconsole.config import Profile
    from vconsole.secrets import SecretStore
    from vconsole.sessions import SessionManager

    class Nowhere:
        host, port, user, password = "127.0.0.1", 9, "user", "pass"

    secrets = SecretStore("t", use_keyring=False)
    secrets.remember("gone", "pass")
    manager = SessionManager(
        Profile("t", (vc_target(Nowhere, "gone"),)),  # type: ignore[arg-type]
        secrets=secrets,
        audit=AuditLog(tmp_path / "audit.jsonl"),
        known_hosts_path=tmp_path / "kh",
    )
    service = InventoryService(manager)
    statuses = await service.load()
    await manager.close()
    assert statuses[0].state.value == "failed" and statuses[0].error
    assert service.rows() == [] and service.stale() == {"gone"}


async def test_https_vcenter_with_pinned_thumbprint(tmp_path: Path) -> None:
    """The hand-sent requests ride the session's own TLS connections and the pin it checks."""
    import dataclasses

    from vconsole.audit import AuditLog
    from vconsole.config import Profile
    from vconsole.secrets import SecretStore
    from vconsole.sessions import SessionManager

    with VcsimLab(lab_scenario(), tmp_path / "tls", tls=True) as tls_lab:
        from inventory_helpers import vc_target

        pinned = dataclasses.replace(
            vc_target(tls_lab, "vc01"), protocol="https", thumbprint=tls_lab.thumbprint
        )
        wrong = dataclasses.replace(pinned, name="vc02", thumbprint=":".join(["00"] * 32))
        secrets = SecretStore("tls", use_keyring=False)
        secrets.remember("vc01", tls_lab.password)
        secrets.remember("vc02", tls_lab.password)
        manager = SessionManager(
            Profile("tls", (pinned, wrong)),
            secrets=secrets,
            audit=AuditLog(tmp_path / "audit.jsonl"),
            known_hosts_path=tmp_path / "kh",
        )
        service = InventoryService(manager)
        statuses = {s.vcenter: s for s in await service.load()}
        await manager.close()
    assert statuses["vc01"].state.value == "live"
    assert len(service.rows(ObjectKind.VM)) == len(lab_vms(tls_lab.scenario))
    assert {r.vcenter for r in service.rows()} == {"vc01"}
    assert (
        statuses["vc02"].state.value == "failed" and "certificate" in statuses["vc02"].error.lower()
    )
