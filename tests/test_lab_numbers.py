"""Numbers an admin believes: host load follows its VMs (or the scenario's own figure), cluster
totals are sums, networks count their hosts and datastores differ in use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from oracle_helpers import run_json

from vconsole import _toml as tomllib
from vconsole import paths
from vconsole.lab.labfiles import write_lab_files
from vconsole.lab.runtime import LabRuntime
from vconsole.lab.scenario import default_scenario, scenario_from_dict
from vconsole.lab.vcsim import vcsim_unavailable

pytestmark = [
    pytest.mark.lab,
    pytest.mark.timeout(300),
    pytest.mark.skipif(bool(vcsim_unavailable()), reason=f"lab: {vcsim_unavailable()}"),
]

PINNED = """
[[site]]
name = "HQ"
hq = true

[[host]]
name = "esx-hot"
site = "HQ"
cluster = "CL"
vms = 2
cpu_cores = 16
cpu_mhz = 2000
memory_gb = 256
cpu_usage_pct = 90
memory_usage_pct = 75

[[host.vmk]]
name = "vmk0"

[[host.lun]]
id = "naa.600a098038304437415d4b6a59684a70"
datastore = "FULL-DS"
capacity_gb = 1000
used_pct = 97
"""


def _inventory(tmp: Path, scenario: Any) -> dict[str, dict[str, dict[str, Any]]]:
    runtime = LabRuntime(scenario, tmp / "lab", with_vcd=False, with_bitfusion=False)
    services = runtime.start()
    try:
        write_lab_files(tmp / "lab", services, scenario_name="n", pid=0, real_network=False)
        config = tmp / "lab" / "lab.toml"
        return {
            t: {
                f"{o['datacenter']}/{o['name']}": o
                for o in run_json(config, "inventory", "--type", t)
            }
            for t in ("host", "cluster", "datastore", "network")
        }
    finally:
        runtime.stop()
        paths.use_profile_state_dir(None)


@pytest.fixture(scope="module")
def default_inventory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield _inventory(tmp_path_factory.mktemp("numbers"), default_scenario())


def test_host_load_follows_the_vms_on_it(default_inventory: Any) -> None:
    hosts = default_inventory["host"]
    busy, idle = hosts["DC-HQ/esx-hq-01"], hosts["DC-HQ/esx-witness-01"]
    assert busy["vm_count"] > idle["vm_count"] == 0
    assert busy["cpu_usage_pct"] > 5 * idle["cpu_usage_pct"]
    assert busy["memory_usage_pct"] > 5 * idle["memory_usage_pct"]
    assert len({h["cpu_usage_mhz"] for h in hosts.values()}) == len(hosts)


def test_cluster_totals_are_the_sums_of_their_hosts(default_inventory: Any) -> None:
    for cl in default_inventory["cluster"].values():
        members = [h for h in default_inventory["host"].values() if h["parent"] == cl["name"]]
        assert cl["host_count"] == len(members) > 0
        assert cl["vm_count"] == sum(h["vm_count"] for h in members)
        assert cl["total_cpu_mhz"] == len(members) * 32 * 2600
        assert cl["total_memory_mb"] == len(members) * 512 * 1024


def test_networks_count_their_hosts_and_datastores_differ(default_inventory: Any) -> None:
    nets = default_inventory["network"]
    assert nets["DC-HQ/VM Network"]["host_count"] == 4
    assert nets["DC-AKL/VM Network"]["host_count"] == 2
    used = [d["used_pct"] for d in default_inventory["datastore"].values()]
    assert len(set(used)) == len(used) and all(5 < u < 96 for u in used), used


def test_scenario_keys_pin_hardware_and_load(tmp_path: Path) -> None:
    scenario = scenario_from_dict(tomllib.loads(PINNED))
    inv = _inventory(tmp_path, scenario)
    host = inv["host"]["DC-HQ/esx-hot"]
    assert (host["cpu_usage_pct"], host["memory_usage_pct"]) == (90.0, 75.0)
    assert host["cpu_usage_mhz"] == 16 * 2000 * 90 // 100
    assert inv["cluster"]["DC-HQ/CL"]["total_cpu_mhz"] == 32000
    full = inv["datastore"]["DC-HQ/FULL-DS"]
    assert (full["free_gb"], full["used_pct"]) == (30.0, 97.0)


def test_events_and_tasks_come_in_the_order_they_happened(tmp_path: Path) -> None:
    from pyVmomi import vim
    from vcsim_helpers import objects, vcenter_content

    from vconsole.lab.vcsim import VcsimLab
    from vconsole.services.inventory_details import _events

    with VcsimLab(default_scenario(), tmp_path / "vcsim") as lab, vcenter_content(lab) as content:
        vm = next(v for v in objects(content, vim.VirtualMachine) if v.name == "MGMT-vm-0001")
        newest_first = _events(content, vm, 20)
    kinds = [e.kind for e in newest_first]
    assert kinds.index("VmPoweredOnEvent") < kinds.index("VmStartingEvent")
    assert kinds.index("VmStartingEvent") < kinds.index("VmCreatedEvent")
    assert kinds.index("VmCreatedEvent") < kinds.index("VmBeingCreatedEvent")
    times = [e.time for e in newest_first]
    assert times == sorted(times, reverse=True) and len(set(times)) == len(times)


def test_vsan_hosts_have_the_vsan_datastores_devices(tmp_path: Path) -> None:
    from pyVmomi import vim
    from vcsim_helpers import objects, vcenter_content

    from vconsole.lab.vcsim import VcsimLab

    with VcsimLab(default_scenario(), tmp_path / "vcsim") as lab, vcenter_content(lab) as content:
        seen = {}
        for ds in objects(content, vim.Datastore):
            if ds.summary.type != "vsan":
                continue
            clusters = {m.key.config.vsanHostConfig.clusterInfo.uuid for m in ds.host}
            assert len(clusters) == 1 and "" not in clusters
            for mount in ds.host:
                cfg = mount.key.config.vsanHostConfig
                assert cfg.enabled
                (group,) = cfg.storageInfo.diskMapping
                assert group.ssd.ssd and [d.ssd for d in group.nonSsd] == [False, False]
                seen[mount.key.name] = group.ssd.canonicalName
        hq = next(h for h in objects(content, vim.HostSystem) if h.name == "esx-hq-01")
        assert not hq.config.vsanHostConfig.enabled, "a host on VMFS LUNs has no vSAN"
    assert set(seen) == {"esx-akl-01", "esx-akl-02", "esx-wlg-01", "esx-wlg-02"}
    assert len(set(seen.values())) == 4, "each host has its own devices"
