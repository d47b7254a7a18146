"""The lab vCenter: a real simulator process shaped from the scenario, read back with pyVmomi."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vconsole.lab.scenario import Scenario, default_scenario
from vconsole.lab.vcsim import VcsimLab, go_toolchain_missing, lab_vms, scenario_to_vcsim_json

_MISSING = go_toolchain_missing()
needs_go = pytest.mark.skipif(_MISSING is not None, reason=f"lab vCenter unavailable: {_MISSING}")
pytestmark = [pytest.mark.lab, needs_go, pytest.mark.timeout(300)]

DOWN_HOST = "esx-wlg-02"


def lab_scenario() -> Scenario:
    """The default scenario with one branch host down, so the fault shows in vCenter too."""
    base = default_scenario()
    hosts = tuple(dataclasses.replace(h, down=h.name == DOWN_HOST) for h in base.hosts)
    return dataclasses.replace(base, hosts=hosts)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VcsimLab]:
    lab = VcsimLab(lab_scenario(), tmp_path_factory.mktemp("vcsim"))
    lab.start()
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def content(lab: VcsimLab) -> Iterator[Any]:
    from pyVim.connect import Disconnect, SmartConnect

    si = SmartConnect(
        host=lab.host, port=lab.port, user=lab.user, pwd=lab.password, protocol="http"
    )
    yield si.RetrieveContent()
    Disconnect(si)


def _objects(content: Any, kind: Any) -> list[Any]:
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
    try:
        return list(view.view)
    finally:
        view.Destroy()


def _host(content: Any, name: str) -> Any:
    from pyVmomi import vim

    return next(h for h in _objects(content, vim.HostSystem) if h.name == name)


def test_url_and_credentials_point_at_loopback(lab: VcsimLab) -> None:
    assert lab.url == f"http://127.0.0.1:{lab.port}/sdk"
    assert lab.user and lab.password
    assert lab.pid and lab.running


def test_datacenters_clusters_and_hosts_follow_the_scenario(content: Any) -> None:
    scenario = lab_scenario()
    seen: dict[str, dict[str, list[str]]] = {}
    for dc in content.rootFolder.childEntity:
        seen[dc.name] = {
            cl.name: sorted(h.name for h in cl.host) for cl in dc.hostFolder.childEntity
        }
    expected: dict[str, dict[str, list[str]]] = {}
    for h in scenario.hosts:
        dc = scenario.site(h.site).datacenter
        expected.setdefault(dc, {}).setdefault(h.cluster, []).append(h.name)
    assert seen == {dc: {cl: sorted(hs) for cl, hs in cls.items()} for dc, cls in expected.items()}


def test_vm_counts_names_and_power_states_per_host(content: Any) -> None:
    from pyVmomi import vim

    scenario = lab_scenario()
    by_host: dict[str, list[Any]] = {}
    for vm in _objects(content, vim.VirtualMachine):
        by_host.setdefault(vm.runtime.host.name, []).append(vm)
    for h in scenario.hosts:
        assert len(by_host.get(h.name, [])) == h.vms, h.name
    planned = {vm.name: vm for vm in lab_vms(scenario)}
    on = [
        vm for vm in _objects(content, vim.VirtualMachine) if vm.runtime.powerState == "poweredOn"
    ]
    assert len(on) == sum(vm.powered_on for vm in planned.values())
    sample = planned["MGMT-vm-0001"]
    vm = next(v for v in _objects(content, vim.VirtualMachine) if v.name == "MGMT-vm-0001")
    assert vm.summary.config.numCpu == sample.cpu
    assert vm.summary.config.memorySizeMB == sample.memory_mb
    assert vm.guest.ipAddress == sample.ip


def test_down_host_is_not_responding(content: Any) -> None:
    assert _host(content, DOWN_HOST).runtime.connectionState == "notResponding"
    assert _host(content, "esx-wlg-01").runtime.connectionState == "connected"


def test_topology_json_has_one_datacenter_per_site_with_hosts() -> None:
    topo = scenario_to_vcsim_json(default_scenario())
    assert [dc["name"] for dc in topo["datacenters"]] == ["DC-HQ", "DC-AKL", "DC-WLG"]


def test_stop_leaves_no_process(tmp_path: Path) -> None:
    lab = VcsimLab(default_scenario(), tmp_path)
    lab.start()
    pid = lab.pid
    assert pid is not None
    lab.stop()
    assert not lab.running
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
