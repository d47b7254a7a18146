"""The lab vCenter: a real simulator process shaped from the scenario, read back with pyVmomi."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab_fixtures import vcsim_fixture
from tests.vcsim_helpers import (
    DOWN_HOST,
    alive,
    host_named,
    lab_scenario,
    lab_test,
    objects,
    query_latency,
    vcenter_content,
)
from vconsole.lab.scenario import default_scenario
from vconsole.lab.vcsim import (
    CONTRACT,
    VcsimLab,
    ensure_vcsim,
    lab_vms,
    path_uid,
    scenario_to_vcsim_json,
)

pytestmark = pytest.mark.timeout(300)


lab = vcsim_fixture(lab_scenario, "vcsim", name="lab")


@pytest.fixture(scope="module")
def content(lab: VcsimLab) -> Iterator[Any]:
    with vcenter_content(lab) as content:
        yield content


@lab_test
def test_url_and_credentials_point_at_loopback(lab: VcsimLab) -> None:
    assert lab.url == f"http://127.0.0.1:{lab.port}/sdk"
    assert lab.user and lab.password
    assert lab.pid and lab.running


@lab_test
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


@lab_test
def test_vm_counts_names_and_power_states_perhost_named(content: Any) -> None:
    from pyVmomi import vim

    scenario = lab_scenario()
    by_host: dict[str, list[Any]] = {}
    for vm in objects(content, vim.VirtualMachine):
        by_host.setdefault(vm.runtime.host.name, []).append(vm)
    appliances = {s.host: 0 for s in scenario.bitfusion.servers}
    for s in scenario.bitfusion.servers:
        appliances[s.host] += 1
    for h in scenario.hosts:
        # the scenario's VMs plus the Bitfusion server appliances placed on the host
        assert len(by_host.get(h.name, [])) == h.vms + appliances.get(h.name, 0), h.name
    planned = {vm.name: vm for vm in lab_vms(scenario)}
    for s in scenario.bitfusion.servers:
        assert planned[s.name].ip == s.address and planned[s.name].host == s.host
    on = [vm for vm in objects(content, vim.VirtualMachine) if vm.runtime.powerState == "poweredOn"]
    assert len(on) == sum(vm.powered_on for vm in planned.values())
    sample = planned["MGMT-vm-0001"]
    vm = next(v for v in objects(content, vim.VirtualMachine) if v.name == "MGMT-vm-0001")
    assert vm.summary.config.numCpu == sample.cpu
    assert vm.summary.config.memorySizeMB == sample.memory_mb
    assert vm.guest.ipAddress == sample.ip


@lab_test
def test_down_host_is_not_responding(content: Any) -> None:
    assert host_named(content, DOWN_HOST).runtime.connectionState == "notResponding"
    assert host_named(content, "esx-wlg-01").runtime.connectionState == "connected"


def test_topology_json_has_one_datacenter_per_site_and_one_lag_per_switch() -> None:
    topo = scenario_to_vcsim_json(default_scenario())
    assert [dc["name"] for dc in topo["datacenters"]] == ["DC-HQ", "DC-AKL", "DC-WLG"]
    wlg = next(dc for dc in topo["datacenters"] if dc["name"] == "DC-WLG")
    (switch,) = [sw for sw in wlg["switches"] if sw["lags"]]
    assert switch["name"] == "DSwitch-WLG"
    # esx-wlg-01 runs fast, esx-wlg-02 slow: the switch keeps the default, the host deviates
    assert switch["lags"] == [
        {
            "key": "1",
            "name": "lag1",
            "mode": "active",
            "uplink_num": 2,
            "load_balancing": "srcDestIpTcpUdpPortVlan",
            "timeout": "slow",
        }
    ]


def test_vm_plan_names_vms_per_cluster_and_powers_some_off() -> None:
    vms = lab_vms(default_scenario())
    scenario = default_scenario()
    assert len(vms) == sum(h.vms for h in scenario.hosts) + len(scenario.bitfusion.servers)
    mgmt = [vm.name for vm in vms if vm.cluster == "MGMT" and "-vm-" in vm.name]
    assert mgmt[0] == "MGMT-vm-0001" and mgmt[-1] == "MGMT-vm-0072"
    assert 0 < sum(not vm.powered_on for vm in vms) < len(vms)


def test_path_uid_joins_initiator_target_and_device() -> None:
    host = default_scenario().host("esx-hq-01")
    lun = host.luns[0]
    uid = path_uid(host, lun, lun.paths[2])
    assert uid.startswith("iqn.1998-01.com.vmware:esx-hq-01-")
    assert "-00023d000003,iqn.1992-08.com.netapp:sn.4082367740:vs.5,t,1-" in uid
    assert uid.endswith(lun.id)


@lab_test
def test_stop_leaves_no_process(tmp_path: Path) -> None:
    lab = VcsimLab(default_scenario(), tmp_path)
    lab.start()
    pid = lab.pid
    assert pid is not None
    lab.stop()
    assert not lab.running
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)


@lab_test
def test_switches_are_vmware_dvs_with_the_scenario_lags(content: Any) -> None:
    from pyVmomi import vim

    switches = {d.name: d for d in objects(content, vim.dvs.VmwareDistributedVirtualSwitch)}
    assert set(switches) == {"DSwitch-HQ", "DSwitch-AKL", "DSwitch-WLG"}
    akl = switches["DSwitch-AKL"].config
    assert akl.lacpApiVersion == "multipleLag"
    (lag,) = akl.lacpGroupConfig
    assert (lag.name, lag.mode, lag.uplinkNum) == ("lag1", "active", 2)
    assert lag.loadbalanceAlgorithm == "srcDestIpTcpUdpPortVlan"
    assert list(lag.uplinkName) == ["lag1-0", "lag1-1"]
    assert lag.timeoutMode == "slow"
    assert sorted(m.config.host.name for m in akl.host) == ["esx-akl-01", "esx-akl-02"]
    assert not switches["DSwitch-HQ"].config.lacpGroupConfig


@lab_test
def test_host_lag_ports_are_backed_by_the_scenario_nics(content: Any) -> None:
    (proxy,) = host_named(content, "esx-akl-01").config.network.proxySwitch
    assert proxy.dvsName == "DSwitch-AKL"
    (host_lag,) = proxy.hostLag
    ports = {kv.key: kv.value for kv in host_lag.uplinkPort}
    backing = {s.pnicDevice: ports.get(s.uplinkPortKey) for s in proxy.spec.backing.pnicSpec}
    assert backing["vmnic2"] == "lag1-0" and backing["vmnic3"] == "lag1-1"


@lab_test
def test_vmk_mtu_ip_and_netstack_match_the_scenario(content: Any) -> None:
    scenario = lab_scenario()
    for name in ("esx-hq-01", "esx-akl-02", "esx-witness-01"):
        vnics = {v.device: v for v in host_named(content, name).config.network.vnic}
        for vmk in scenario.host(name).vmks:
            got = vnics[vmk.name]
            assert got.spec.mtu == vmk.mtu, (name, vmk.name)
            assert got.spec.ip.ipAddress == vmk.ip
            assert got.spec.netStackInstanceKey == vmk.netstack


@lab_test
def test_physical_nics_report_their_link_speed(content: Any) -> None:
    pnics = {p.device: p for p in host_named(content, "esx-hq-01").config.network.pnic}
    assert pnics["vmnic0"].linkSpeed.speedMb == 10000
    assert pnics["vmnic3"].linkSpeed.speedMb == 25000


@lab_test
def test_multipath_has_four_paths_per_lun_and_the_dead_path_is_dead(content: Any) -> None:
    scenario = lab_scenario()
    host = scenario.host("esx-hq-02")
    storage = host_named(content, "esx-hq-02").config.storageDevice
    names = {s.key: s.canonicalName for s in storage.scsiLun}
    units = {names[u.lun]: u for u in storage.multipathInfo.lun}
    assert set(units) == {lun.id for lun in host.luns}
    for lun in host.luns:
        unit = units[lun.id]
        assert len(unit.path) == 4
        assert unit.policy.policy == lun.psp
        states = {p.name: p.state for p in unit.path}
        assert states == {path_uid(host, lun, p): p.state for p in lun.paths}
    dead = [p for u in units.values() for p in u.path if p.state == "dead"]
    assert len(dead) == 1 and dead[0].name.endswith("naa.600a098038304437415d4b6a59684a52")
    assert not dead[0].isWorkingPath


def latency_series(content: Any, host_name: str, counters: list[str], samples: int) -> Any:
    """The scenario's host, its samples by (counter, instance) and the raw QueryPerf result."""
    result, names = query_latency(content, host_name, counters, samples)
    series = {(names[v.id.counterId], v.id.instance): list(v.value) for v in result.value}
    return lab_scenario().host(host_name), series, result


@lab_test
def test_storage_path_latency_follows_the_scenario_per_path(content: Any) -> None:
    counters = ["storagePath.totalReadLatency.average", "storagePath.totalWriteLatency.average"]
    host, series, result = latency_series(content, "esx-hq-01", counters, 6)
    assert len(result.sampleInfo) == 6
    assert all(s.interval == 20 for s in result.sampleInfo)
    stamps = [s.timestamp for s in result.sampleInfo]
    assert stamps == sorted(stamps)
    slow = host.luns[1].paths[2]
    values = series[("storagePath.totalReadLatency.average", path_uid(host, host.luns[1], slow))]
    assert all(abs(v - slow.read_ms) <= slow.read_ms * 0.1 + 1 for v in values)
    fast = host.luns[0].paths[0]
    values = series[("storagePath.totalWriteLatency.average", path_uid(host, host.luns[0], fast))]
    assert all(1 <= v <= 2 for v in values)


@lab_test
def test_dead_path_carries_no_io_and_device_latency_is_served(content: Any) -> None:
    counters = ["storagePath.totalReadLatency.average", "disk.deviceLatency.average"]
    host, series, _ = latency_series(content, "esx-hq-02", counters, 3)
    lun = host.luns[0]
    dead = path_uid(host, lun, lun.paths[3])
    assert series[("storagePath.totalReadLatency.average", dead)] == [0, 0, 0]
    assert all(v >= 1 for v in series[("disk.deviceLatency.average", lun.id)])


@lab_test
def test_down_host_has_no_fresh_latency_samples(content: Any) -> None:
    result, _ = query_latency(content, DOWN_HOST, ["storagePath.totalReadLatency.average"], 3)
    assert not result.value


@lab_test
def test_binary_names_the_topology_contract_it_reads() -> None:
    usage = subprocess.run([str(ensure_vcsim()), "-h"], capture_output=True, text=True)
    assert CONTRACT in usage.stderr + usage.stdout


@lab_test
def test_simulator_exits_when_the_process_that_started_it_dies(tmp_path: Path) -> None:
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from vconsole.lab.scenario import default_scenario\n"
        "from vconsole.lab.vcsim import VcsimLab\n"
        "lab = VcsimLab(default_scenario(), Path(sys.argv[1])).start()\n"
        "print(lab.pid, flush=True)\n"
        "os._exit(0)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    pid = int(out.stdout.strip())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not alive(pid):
            return
        time.sleep(0.2)
    os.killpg(pid, signal.SIGKILL)
    pytest.fail("the simulator kept running after its parent died")


@lab_test
def test_property_collector_serves_nested_lag_paths(content: Any) -> None:
    from pyVmomi import vim, vmodl

    pc = vmodl.query.PropertyCollector
    view = content.viewManager.CreateContainerView(
        content.rootFolder, [vim.dvs.VmwareDistributedVirtualSwitch], True
    )
    spec = pc.FilterSpec(
        objectSet=[
            pc.ObjectSpec(
                obj=view,
                skip=True,
                selectSet=[
                    pc.TraversalSpec(name="v", path="view", skip=False, type=vim.view.ContainerView)
                ],
            )
        ],
        propSet=[
            pc.PropertySpec(
                type=vim.dvs.VmwareDistributedVirtualSwitch,
                pathSet=["name", "config.lacpGroupConfig"],
            )
        ],
    )
    result = content.propertyCollector.RetrievePropertiesEx([spec], pc.RetrieveOptions())
    view.Destroy()
    lags = {}
    for obj in result.objects:
        props = {p.name: p.val for p in obj.propSet}
        lags[props["name"]] = [
            (g.name, g.timeoutMode) for g in props.get("config.lacpGroupConfig") or []
        ]
    assert lags["DSwitch-WLG"] == [("lag1", "slow")]
    assert lags["DSwitch-HQ"] == []


@lab_test
def test_hosts_report_version_and_advanced_settings(content: Any) -> None:
    host = host_named(content, "esx-hq-03")
    assert host.config.product.version == "8.0.3"
    (option,) = host.configManager.advancedOption.QueryOptions("Misc.EnablePSPLatencyPolicy")
    assert option.value == 0
    (option,) = host_named(content, "esx-hq-01").configManager.advancedOption.QueryOptions(
        "Misc.EnablePSPLatencyPolicy"
    )
    assert option.value == 1


@lab_test
def test_datastores_carry_scenario_capacity_and_backing_device(content: Any) -> None:
    from pyVmomi import vim

    stores = {d.name: d for d in objects(content, vim.Datastore)}
    prod = stores["PROD-DS02"]
    assert prod.summary.capacity == 3072 * 2**30
    assert prod.summary.type == "VMFS"
    assert [e.diskName for e in prod.info.vmfs.extent] == ["naa.600a098038304437415d4b6a59684a53"]
    assert sorted(m.key.name for m in prod.host) == ["esx-hq-01", "esx-hq-02", "esx-hq-03"]
    assert stores["vsanDatastore"].summary.type == "vsan"


@lab_test
def test_tls_lab_serves_https_with_a_stable_thumbprint(tmp_path: Path) -> None:
    import ssl

    from pyVim.connect import Disconnect, SmartConnect

    with VcsimLab(default_scenario(), tmp_path, tls=True) as lab:
        assert lab.url.startswith("https://127.0.0.1:")
        assert len(lab.thumbprint.split(":")) == 32
        context = ssl.create_default_context()
        with pytest.raises(ssl.SSLError):
            SmartConnect(
                host=lab.host, port=lab.port, user=lab.user, pwd=lab.password, sslContext=context
            )
        si = SmartConnect(
            host=lab.host,
            port=lab.port,
            user=lab.user,
            pwd=lab.password,
            disableSslCertValidation=True,
        )
        assert si.RetrieveContent().about.apiType == "VirtualCenter"
        Disconnect(si)


@lab_test
def test_wrong_password_is_refused(lab: VcsimLab) -> None:
    from pyVim.connect import SmartConnect
    from pyVmomi import vim

    with pytest.raises(vim.fault.InvalidLogin):
        SmartConnect(
            host=lab.host, port=lab.port, user=lab.user, pwd="not-the-password", protocol="http"
        )


@lab_test
def test_without_host_agents_vcenter_serves_no_method_executer(content: Any) -> None:
    from pyVmomi import vmodl

    from tests.esxcli_api_helpers import executer

    with pytest.raises(vmodl.fault.MethodNotFound):
        executer(host_named(content, "esx-hq-01"))
