"""esxcli over the vSphere API against the real lab: pyVmomi → lab vCenter → lab host agent.

Every answer is compared with the SSH answer of the same host, field by field (the SSH display
name with its punctuation dropped is the API field name, docs/esxcli-api.md §3); writes made one
way are read back the other way.
"""

from __future__ import annotations

from typing import Any

import pytest
from esxcli_api_helpers import as_list, execute
from esxcli_lab_helpers import (
    LACP_HOST,
    STORAGE_HOST,
    ApiLab,
    api_lab_fixture,
    api_name,
    flat_blocks,
    ruled_table,
    same_fields,
)
from vcsim_helpers import lab_test

from vconsole.esx.lacp_status import parse_status
from vconsole.esx.netinventory import parse_blocks

lab = api_lab_fixture()


READS = [
    # (host, API command, API args, SSH line, layout)
    (STORAGE_HOST, "network ip interface list", {}, "esxcli network ip interface list", "blocks"),
    (LACP_HOST, "network ip interface ipv4 get", {}, "esxcli network ip interface ipv4 get", "table"),
    (LACP_HOST, "network nic list", {}, "esxcli network nic list", "table"),
    (LACP_HOST, "network vswitch dvs vmware lacp config get", {},
     "esxcli network vswitch dvs vmware lacp config get", "table"),
    (STORAGE_HOST, "storage nmp device list", {}, "esxcli storage nmp device list", "blocks"),
    (STORAGE_HOST, "storage core path list", {}, "esxcli storage core path list", "blocks"),
    (STORAGE_HOST, "storage nmp path list", {}, "esxcli storage nmp path list", "blocks"),
    (STORAGE_HOST, "system settings advanced list", {"option": "/Misc/EnablePSPLatencyPolicy"},
     "esxcli system settings advanced list -o /Misc/EnablePSPLatencyPolicy", "blocks"),
    (STORAGE_HOST, "system settings advanced list", {"option": "/Net/TeamPolicyUpDelay"},
     "esxcli system settings advanced list -o /Net/TeamPolicyUpDelay", "blocks"),
    (LACP_HOST, "network ip netstack list", {}, "esxcli network ip netstack list", "blocks"),
    (STORAGE_HOST, "system module parameters list", {"module": "i40en"},
     "esxcli system module parameters list -m i40en", "table"),
    (STORAGE_HOST, "storage core device list", {}, "esxcli storage core device list", "blocks"),
    (STORAGE_HOST, "storage vmfs extent list", {}, "esxcli storage vmfs extent list", "table"),
]  # fmt: skip


@lab_test
@pytest.mark.parametrize("host,command,args,line,layout", READS, ids=[r[1] for r in READS])
def test_read_agrees_with_ssh_field_by_field(
    lab: ApiLab, host: str, command: str, args: dict[str, Any], line: str, layout: str
) -> None:
    api_rows = lab.api(host, command, **args)
    text = lab.ssh(host, line)
    if layout == "table":
        ssh_rows = ruled_table(text)
    else:
        ssh_rows = [f for _, f in flat_blocks(text)]
    assert len(api_rows) == len(ssh_rows) > 0
    for ssh, api in zip(ssh_rows, api_rows, strict=True):
        same_fields(ssh, api)


@lab_test
def test_block_headers_are_fields_and_dvport_items_match(lab: ApiLab) -> None:
    devices = lab.api(STORAGE_HOST, "storage nmp device list")
    ssh_heads = [h for h, _ in flat_blocks(lab.ssh(STORAGE_HOST, "esxcli storage nmp device list"))]
    assert [d["Device"] for d in devices] == ssh_heads
    paths = lab.api(STORAGE_HOST, "storage nmp path list")
    ssh_paths = [h for h, _ in flat_blocks(lab.ssh(STORAGE_HOST, "esxcli storage nmp path list"))]
    assert [p["Path"] for p in paths] == ssh_paths
    scsi = lab.api(STORAGE_HOST, "storage core device list")
    ssh_scsi = flat_blocks(lab.ssh(STORAGE_HOST, "esxcli storage core device list"))
    assert [d["Device"] for d in scsi] == [h for h, _ in ssh_scsi]
    (vds,) = lab.api(LACP_HOST, "network vswitch dvs vmware list")
    ((_, ssh_vds),) = parse_blocks(lab.ssh(LACP_HOST, "esxcli network vswitch dvs vmware list"))
    same_fields(ssh_vds, vds)
    ports = as_list(vds["DVPort"])
    assert len(ports) == len(ssh_vds["DVPort"]) > 0
    for ssh_port, api_port in zip(ssh_vds["DVPort"], ports, strict=True):
        same_fields(ssh_port, api_port)


@lab_test
def test_lacp_status_and_stats_agree_with_ssh(lab: ApiLab) -> None:
    status = lab.api(LACP_HOST, "network vswitch dvs vmware lacp status get")
    ssh = parse_status(lab.ssh(LACP_HOST, "esxcli network vswitch dvs vmware lacp status get"))
    assert len(status) == len(ssh.lags) > 0
    for api_lag, ssh_lag in zip(status, ssh.lags, strict=True):
        assert (api_lag["DVSwitch"], api_lag["LAGID"]) == (ssh_lag.dvs, ssh_lag.lag_id)
        nics = as_list(api_lag["NicList"])
        assert [n["Nic"] for n in nics] == [n.nic for n in ssh_lag.nics]
        for api_nic, ssh_nic in zip(nics, ssh_lag.nics, strict=True):
            assert api_nic["State"] == ssh_nic.state
            assert api_nic["PartnerInformation"]["DeviceID"] == ssh_nic.partner.device_id
            local = api_nic["LocalInformation"]
            assert tuple(p for p in local["PortState"].split(",") if p) == ssh_nic.local.port_state
            assert local["Flags"] == ssh_nic.local.flags
    stats = lab.api(LACP_HOST, "network vswitch dvs vmware lacp stats get")
    ssh_stats = ruled_table(lab.ssh(LACP_HOST, "esxcli network vswitch dvs vmware lacp stats get"))
    assert len(stats) == len(ssh_stats) > 0
    for api, text in zip(stats, ssh_stats, strict=True):
        same_fields(text, api, skip=("Rx LACPDUs", "Tx LACPDUs"))
        for counter in ("Rx LACPDUs", "Tx LACPDUs"):  # lab time moves between the two reads
            assert 0 <= int(text[counter]) - int(api[api_name(counter)]) <= 2


@lab_test
def test_round_robin_config_agrees_and_api_write_is_read_over_ssh(lab: ApiLab) -> None:
    device = lab.api(STORAGE_HOST, "storage nmp device list")[0]["Device"]
    line = f"esxcli storage nmp psp roundrobin deviceconfig get -d {device}"
    (before,) = lab.api(STORAGE_HOST, "storage nmp psp roundrobin deviceconfig get", device=device)
    ((_, ssh_before),) = flat_blocks(lab.ssh(STORAGE_HOST, line))
    same_fields(ssh_before, before)

    done = execute(lab.mme(STORAGE_HOST), "storage nmp psp roundrobin deviceconfig set",
                   device=device, type="iops", iops=7)  # fmt: skip
    assert "<obj" in done.response and ">true</obj>" in done.response
    ((_, ssh_after),) = flat_blocks(lab.ssh(STORAGE_HOST, line))
    assert (ssh_after["Limit Type"], ssh_after["IOOperation Limit"]) == ("Iops", "7")

    lab.ssh(
        STORAGE_HOST, f"esxcli storage nmp psp roundrobin deviceconfig set -d {device} -t latency"
    )
    (after,) = lab.api(STORAGE_HOST, "storage nmp psp roundrobin deviceconfig get", device=device)
    assert after["LimitType"] == "Latency"


@lab_test
def test_lacp_timeout_set_over_api_changes_what_ssh_reads(lab: ApiLab) -> None:
    (config,) = lab.api(LACP_HOST, "network vswitch dvs vmware lacp config get")
    wanted = "Slow" if config["Timeout"] == "Fast" else "Fast"
    done = execute(
        lab.mme(LACP_HOST),
        "network vswitch dvs vmware lacp timeout set",
        dvs=config["DVSName"],
        lagid=config["LAGID"],
        timeout=1 if wanted == "Fast" else 0,
    )
    assert done.fault is None
    (ssh,) = ruled_table(lab.ssh(LACP_HOST, "esxcli network vswitch dvs vmware lacp config get"))
    assert ssh["Timeout"] == wanted
    (status,) = lab.api(LACP_HOST, "network vswitch dvs vmware lacp status get")
    flags = {n["LocalInformation"]["Flags"][0] for n in as_list(status["NicList"])}
    assert flags == {wanted[0]}


@lab_test
def test_bad_write_is_an_esxcli_fault_with_the_ssh_message(lab: ApiLab) -> None:
    result = execute(lab.mme(LACP_HOST), "network vswitch dvs vmware lacp timeout set",
                     dvs="no-such-dvs", lagid=9, timeout=1)  # fmt: skip
    assert result.response is None
    ssh = lab.shell.run(
        LACP_HOST, "esxcli network vswitch dvs vmware lacp timeout set -l 9 -s no-such-dvs -t 1"
    )
    assert ssh.exit == 1
    assert result.fault.faultMsg == ssh.stderr.strip().removeprefix("Error: ")
    assert "VimEsxCLICLIFault" in result.fault.faultDetail


CHECK_READS = [
    # (API command, API args, SSH line, the SSH text parser the checks use)
    ("system module parameters list", {"module": "i40en"},
     "esxcli system module parameters list -m i40en", "parse_module_parameters"),
    ("storage core device list", {}, "esxcli storage core device list", "parse_device_list"),
    ("storage vmfs extent list", {}, "esxcli storage vmfs extent list", "parse_extent_list"),
    ("network ip netstack list", {}, "esxcli network ip netstack list", "parse_netstack_list"),
    ("system settings advanced list", {"option": "/Net/TeamPolicyUpDelay"},
     "esxcli system settings advanced list -o /Net/TeamPolicyUpDelay", "parse_advanced_value"),
]  # fmt: skip


@lab_test
@pytest.mark.parametrize("command,args,line,parser", CHECK_READS, ids=[r[0] for r in CHECK_READS])
def test_the_checks_and_mtu_reads_map_to_the_models_ssh_gives(
    lab: ApiLab, command: str, args: dict[str, Any], line: str, parser: str
) -> None:
    """What a host reached through vCenter answers is, once mapped, the model SSH text gives."""
    from types import SimpleNamespace

    from vconsole.esx import hostchecks, storage
    from vconsole.esx import netinventory as inv
    from vconsole.esx.api_map import decode

    parse = next(getattr(m, parser) for m in (hostchecks, storage, inv) if hasattr(m, parser))
    records = lab.api(STORAGE_HOST, command, **args)
    answer = SimpleNamespace(records=records, method=command.replace(" ", "."), fault="")
    mapped = decode(answer, parse)
    assert mapped == parse(lab.ssh(STORAGE_HOST, line)) and mapped


@lab_test
def test_relayed_calls_reuse_the_lab_vcenters_connections_to_the_host_agent(lab: ApiLab) -> None:
    """Two bursts of concurrent calls: the second rides the connections the first opened, as
    vCenter keeps its links to hostd, and every answer is still the host's own."""
    from concurrent.futures import ThreadPoolExecutor

    burst = 12
    expected = [n["Name"] for n in lab.api(STORAGE_HOST, "network nic list")]
    opened = lab.esxi.agents.connections
    with ThreadPoolExecutor(burst) as pool:
        for _ in range(2):
            answers = list(
                pool.map(lambda _: lab.api(STORAGE_HOST, "network nic list"), range(burst))
            )
            assert all([n["Name"] for n in a] == expected for a in answers)
    assert lab.esxi.agents.connections - opened <= burst
