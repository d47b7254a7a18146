"""A scenario written from docs/scenario.md alone: what it leaves out is derived, so each pane
shows what it describes; only true contradictions are refused, with the key's location."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from gpus_helpers import bf_manager
from lab_fixtures import esxi_fixture, vcsim_fixture
from lacp_helpers import lab_manager
from waiting import ManualClock

from vconsole import _toml as tomllib
from vconsole.lab.bitfusion_vm import BitfusionLab
from vconsole.lab.scenario import Scenario, ScenarioError, scenario_from_dict
from vconsole.lab.vcsim_topology import lab_vms, path_uid
from vconsole.models.paths import Verdict
from vconsole.services.gpus import GpuPoolService
from vconsole.services.lacp import LacpService
from vconsole.services.paths import PathsService

LUN = "naa.600a098038304437415d4b6a59684a60"

# Only documented keys; no address, host, lag_id, adapter or target anywhere.
HAND_WRITTEN = f"""
name = "hand-written"

[[site]]
name = "HQ"
hq = true

[[host]]
name = "esx-a1"
site = "HQ"
cluster = "CL-A"
vms = 3

[host.advanced]
"/Misc/EnablePSPLatencyPolicy" = 1

[[host.vmk]]
name = "vmk0"
services = ["management"]

[[host.lag]]
dvs = "DSwitch-HQ"
name = "lag-vsan"
nics = ["vmnic2", "vmnic3"]

[[host.lun]]
id = "{LUN}"
datastore = "DS01"

[[host.lun.path]]
name = "vmhba64:C0:T0:L0"
read_ms = 1.0
write_ms = 1.0

[[host.lun.path]]
name = "vmhba64:C0:T1:L0"
read_ms = 38.0
write_ms = 38.0

[[host.lun.path]]
name = "vmhba64:C0:T2:L0"
state = "dead"

[[host.lun.path]]
name = "vmhba64:C0:T3:L0"
read_ms = 1.2
write_ms = 1.1

[[host]]
name = "esx-b1"
site = "HQ"
cluster = "CL-B"
vms = 1

[[host.vmk]]
name = "vmk0"
services = ["management"]

[[host.lag]]
dvs = "DSwitch-HQ"
name = "lag-mgmt"
nics = ["vmnic2", "vmnic3"]

[[host.lun]]
id = "naa.600a098038304437415d4b6a59684a61"

[[host.lun.path]]
name = "vmhba2:C0:T0:L0"
target = "50:06:01:60:3e:a0:1b:00"

[[host.lun.path]]
name = "vmhba2:C0:T1:L0"
target = "50:06:01:61:3e:a0:1b:00"

[[bitfusion.server]]
name = "bf-a"
gpus = 4
nic_gbps = 10

[[bitfusion.server]]
name = "bf-b"
gpus = 8
nic_gbps = 10

[[bitfusion.client]]
name = "ml-train-01"
gpus = 1
"""


def hand_written() -> Scenario:
    return scenario_from_dict(tomllib.loads(HAND_WRITTEN), name="hand-written")


def test_omitted_addresses_keys_and_uids_are_unique_and_repeat() -> None:
    s = hand_written()
    assert s == hand_written(), "derivation is deterministic"
    servers = s.bitfusion.servers
    assert len({x.address for x in servers}) == 2 and all(x.address for x in servers)
    assert all(x.host in {"esx-a1", "esx-b1"} for x in servers)
    assert {vm.name for vm in lab_vms(s)} >= {"bf-a", "bf-b"}
    keys = {(g.dvs, g.name): g.lag_id for h in s.hosts for g in h.lags}
    assert len(set(keys.values())) == 2
    a1 = s.host("esx-a1")
    uids = [path_uid(a1, a1.luns[0], p) for p in a1.luns[0].paths]
    assert len(set(uids)) == 4
    ips = [v.ip for h in s.hosts for v in h.vmks]
    assert len(set(ips)) == len(ips) and all(ips)
    assert {n.name for n in a1.nics} >= {"vmnic2", "vmnic3"}


def test_paths_without_names_get_their_own_runtime_names() -> None:
    data = tomllib.loads(HAND_WRITTEN)
    for p in data["host"][0]["lun"][0]["path"]:
        del p["name"]
    a1 = scenario_from_dict(data).host("esx-a1")
    names = [p.name for p in a1.luns[0].paths]
    assert names == [f"vmhba64:C{k}:T0:L0" for k in range(4)]
    assert len({path_uid(a1, a1.luns[0], p) for p in a1.luns[0].paths}) == 4


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            lambda d: (
                d["bitfusion"]["server"][1].update(address="10.9.9.9")
                or d["bitfusion"]["server"][0].update(address="10.9.9.9")
            ),
            ["bitfusion.server[1] (bf-b)", "10.9.9.9", "bitfusion.server[0]"],
        ),
        (
            lambda d: (
                d["host"][0]["lag"][0].update(lag_id=7) or d["host"][1]["lag"][0].update(lag_id=7)
            ),
            ["lag_id 7", "DSwitch-HQ", "lag-vsan"],
        ),
        (
            lambda d: d["host"][0]["lun"][0]["path"][1].update(name="vmhba64:C0:T0:L0"),
            ["host[0] (esx-a1).lun[0].path[1]", "vmhba64:C0:T0:L0"],
        ),
        (
            lambda d: d["host"][1]["lun"][0]["path"][1].update(target="50:06:01:60:3e:a0:1b:00"),
            ["host[1] (esx-b1).lun[0].path[1]", "vmhba2", "50:06:01:60:3e:a0:1b:00"],
        ),
        (
            lambda d: (
                d["host"][1]["vmk"][0].update(ip="10.0.0.5")
                or d["host"][0]["vmk"][0].update(ip="10.0.0.5")
            ),
            ["host[1] (esx-b1).vmk vmk0", "10.0.0.5", "esx-a1"],
        ),
        (
            lambda d: d["bitfusion"]["server"][0].update(host="esx-zz"),
            ["bitfusion.server[0] (bf-a)", "esx-zz"],
        ),
    ],
)
def test_true_contradictions_are_refused_with_the_key(edit: Any, words: list[str]) -> None:
    data = tomllib.loads(HAND_WRITTEN)
    edit(data)
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data)
    for w in words:
        assert w in str(err.value)


vcsim = vcsim_fixture(hand_written, "derive")
esxi = esxi_fixture(hand_written, "derive")


@pytest.mark.lab
@pytest.mark.timeout(300)
async def test_two_lags_on_one_switch_are_both_healthy(esxi, vcsim, tmp_path: Path) -> None:
    manager = lab_manager(esxi, tmp_path, vcsim=vcsim)
    try:
        report = await LacpService(manager, sorted(esxi.endpoints), "vcsa01").refresh()
    finally:
        await manager.close()
    rows = [r for r in report.rows if r.vmnic]
    assert {(r.host, r.lag) for r in rows} == {("esx-a1", "lag-vsan"), ("esx-b1", "lag-mgmt")}
    for r in rows:
        assert r.problems == (), (r.host, r.lag, [p.text for p in r.problems])


@pytest.mark.lab
@pytest.mark.timeout(300)
async def test_paths_without_adapter_or_target_keep_their_own_latency(
    esxi, vcsim, tmp_path: Path
) -> None:
    manager = lab_manager(esxi, tmp_path, vcsim=vcsim)
    try:
        service = PathsService(manager, ["esx-a1"], "vcsa01", only_hosts=["esx-a1"])
        report = await service.refresh()
    finally:
        await manager.close()
    rows = {r.path: r for r in report.rows if r.device == LUN}
    slow = rows["vmhba64:C0:T1:L0"]
    assert slow.read_ms is not None and 34 <= slow.read_ms <= 42
    assert slow.verdict != Verdict.OK
    fast = rows["vmhba64:C0:T0:L0"]
    assert fast.read_ms is not None and fast.read_ms < 5
    dead = rows["vmhba64:C0:T2:L0"]
    assert dead.state == "dead" and dead.verdict == Verdict.CRITICAL
    assert not dead.read_ms, "a dead path carries no I/O, so no latency of its own"


@pytest.mark.lab
@pytest.mark.timeout(300)
async def test_servers_without_address_or_host_are_all_pooled_and_sized(
    vcsim, tmp_path: Path
) -> None:
    clock = ManualClock()
    with BitfusionLab(hand_written(), tmp_path / "bf", clock=clock, wall=clock) as lab:
        manager = bf_manager(lab, tmp_path, vcsim)
        try:
            report = await GpuPoolService(manager, lab.scenario.bitfusion.client_vm, "vcsa01",
                                          clock=clock).refresh()  # fmt: skip
        finally:
            await manager.close()
    assert sum(len(s.gpus) for s in report.servers) == 12
    assert {s.name for s in report.servers} == {"bf-a", "bf-b"}
    for s in report.servers:
        assert s.host in {"esx-a1", "esx-b1"} and s.host_nic_gbps == 25.0, s
    assert not [p for p in report.problems if p.code == "network-unchecked"]


@contextlib.contextmanager
def api_and_ssh(esxi, vcsim):  # type: ignore[no-untyped-def]
    """The lab vCenter's content and an SSH shell on the lab hosts, both closed afterwards."""
    from esxi_lab_helpers import LabShell
    from vcsim_helpers import vcenter_content

    shell = LabShell(esxi)
    try:
        with vcenter_content(vcsim) as content:
            yield content, shell
    finally:
        shell.close()


@pytest.mark.lab
@pytest.mark.timeout(300)
def test_vcenter_and_esxcli_agree_on_every_mac(esxi, vcsim) -> None:
    from vcsim_helpers import host_named

    with api_and_ssh(esxi, vcsim) as (content, shell):
        net = host_named(content, "esx-a1").config.network
        api = {v.device: v.spec.mac for v in net.vnic} | {p.device: p.mac for p in net.pnic}
        nics = shell.run("esx-a1", "esxcli network nic list").lines[2:]
        ssh = {line.split()[0]: line.split()[7] for line in nics if line.strip()}
        vmks = shell.run("esx-a1", "esxcli network ip interface list").stdout.split("\n\n")
        for block in vmks:
            fields = dict(
                line.strip().split(": ", 1) for line in block.splitlines() if ": " in line
            )
            if "MAC Address" in fields:
                ssh[block.strip().splitlines()[0].strip()] = fields["MAC Address"]
    assert set(api) == set(ssh) and len(api) >= 4
    assert api == ssh


@pytest.mark.lab
@pytest.mark.timeout(300)
def test_vcenter_and_esxcli_name_every_path_alike(esxi, vcsim) -> None:
    """iSCSI and Fibre Channel paths: the API's path names are esxcli's UIDs."""
    from vcsim_helpers import host_named

    with api_and_ssh(esxi, vcsim) as (content, shell):
        for name in ("esx-a1", "esx-b1"):
            info = host_named(content, name).config.storageDevice.multipathInfo
            api = {p.name for lun in info.lun for p in lun.path}
            out = shell.run(name, "esxcli storage core path list").lines
            ssh = {line.split(": ", 1)[1] for line in out if line.strip().startswith("UID: ")}
            assert api == ssh and len(api) in (2, 4), name


@pytest.mark.lab
@pytest.mark.timeout(300)
async def test_a_lag_another_cluster_uses_is_no_finding_on_this_host(
    esxi, vcsim, tmp_path: Path
) -> None:
    """Each host lists every LAG of its switch (none of its NICs in the other cluster's), and
    neither host is told that vCenter's other LAG is missing or short of ports."""
    manager = lab_manager(esxi, tmp_path, vcsim=vcsim)
    try:
        report = await LacpService(manager, sorted(esxi.endpoints), "vcsa01").refresh()
    finally:
        await manager.close()
    assert [(r.host, r.lag, [p.text for p in r.problems]) for r in report.rows if r.problems] == []


def test_a_lag_without_nics_gets_two_free_uplinks() -> None:
    text = HAND_WRITTEN.replace('nics = ["vmnic2", "vmnic3"]\n', "", 1)
    lag = scenario_from_dict(tomllib.loads(text), "t").hosts[0].lags[0]
    assert lag.nics == ("vmnic2", "vmnic3")
