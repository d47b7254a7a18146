"""`vconsole analyze` on network inventory captures, including a one-command ticket paste.

Captures are written as an admin hands them over (the [V] samples of esxi_samples, with host
values changed where a finding needs it) and analysed by the real CLI through replay targets.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from esxi_samples import DVS_9, IFACE_9, NIC_LIST

from vconsole.esx import netinventory as inv

NIC_DOWN = NIC_LIST + (
    "vmnic1  0000:02:02.0  nvmxnet3  Up            Down             0  Half    "
    "00:50:56:b3:b9:8a  1500  VMware Inc. vmxnet3 Virtual Ethernet Controller\n"
)


def _vmk(name: str, mtu: int, netstack: str = "defaultTcpipStack", vds: str = "") -> str:
    """The [V] ESXi 9.0 block with this vmk's values."""
    text = IFACE_9.replace("vmk0", name).replace("MTU: 9000", f"MTU: {mtu}")
    text = text.replace("Netstack Instance: defaultTcpipStack", f"Netstack Instance: {netstack}")
    if vds:
        text = text.replace("Portset: vSwitch0", "Portset: DvsPortset-0")
        text = text.replace("Portgroup: Management Network", "Portgroup: N/A")
        text = text.replace("VDS Name: N/A", f"VDS Name: {vds}")
    return text


def _capture(tmp: Path, host: str, commands: dict[str, str]) -> Path:
    path = tmp / f"{host}.json"
    path.write_text(json.dumps({"host": host, "captured_at": "", "commands": commands}))
    return path


def _analyze(*paths: Path, json_out: bool = False, exit_code: int = 0) -> str:
    args = [sys.executable, "-m", "vconsole", "analyze", *map(str, paths)]
    done = subprocess.run(
        args + (["--json"] if json_out else []), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == exit_code, done.stderr
    return done.stdout


def test_a_one_command_capture_is_analysed_for_what_it_holds_only(tmp_path: Path) -> None:
    paste = _capture(
        tmp_path, "esx01", {inv.NIC_LIST.line: f"[root@esx01:~] {inv.NIC_LIST.line}\n{NIC_DOWN}"}
    )
    text = _analyze(paste)
    assert "CRITICAL esx01 vmnic1: vmnic1 link is down: cable, switch port or SFP\n" in text
    assert "OK       esx01 vmnic0: link up, 10000 Mbps Full, MTU 1500\n" in text
    assert "ERROR" not in text and "error:" not in text
    assert text.count("(no capture holds this pane's commands)") == 3  # checks, lacp, paths
    assert "(no Bitfusion client in these captures)" in text
    data = json.loads(_analyze(paste, json_out=True))
    assert data["coverage"]["network"] == ["esx01"] and data["coverage"]["lacp"] == []
    (down,) = [r for r in data["network"] if r["vmnic"] == "vmnic1"]
    assert [p["code"] for p in down["problems"]] == ["nic-down"]


def test_vmk_mtu_above_its_switch_and_uplink_is_critical(tmp_path: Path) -> None:
    dvs = DVS_9.replace("   Uplinks: \n", "   Uplinks: vmnic0\n")
    capture = _capture(
        tmp_path,
        "esx02",
        {
            inv.INTERFACE_LIST.line: _vmk("vmk1", 9000, vds="VDS-Prod"),
            inv.DVS_LIST.line: dvs,
            inv.NIC_LIST.line: NIC_LIST,
        },
    )
    rows = json.loads(_analyze(capture, json_out=True))["network"]
    (vmk,) = [r for r in rows if r["vmk"] == "vmk1"]
    assert vmk["verdict"] == "critical"
    assert [p["code"] for p in vmk["problems"]] == ["vmk-mtu-above-switch", "vmk-mtu-above-uplink"]
    assert "above VDS-Prod's MTU 1500" in vmk["problems"][0]["text"]


def test_vmk_mtu_differing_between_hosts_on_one_service_is_a_warning(tmp_path: Path) -> None:
    one = _capture(tmp_path, "esx01", {inv.INTERFACE_LIST.line: _vmk("vmk1", 9000, "vmotion")})
    two = _capture(tmp_path, "esx02", {inv.INTERFACE_LIST.line: _vmk("vmk1", 1500, "vmotion")})
    rows = json.loads(_analyze(one, two, json_out=True))["network"]
    assert {(r["host"], r["verdict"]) for r in rows} == {("esx01", "warning"), ("esx02", "warning")}
    text = rows[0]["problems"][0]["text"]
    assert "netstack vmotion" in text and "esx01 vmk1 9000" in text and "esx02 vmk1 1500" in text


def test_unreadable_output_says_could_not_read_on_the_host(tmp_path: Path) -> None:
    capture = _capture(tmp_path, "esx03", {inv.NIC_LIST.line: "Name  Driver\n----\nvmnic0 x y z\n"})
    text = _analyze(capture, exit_code=1)  # an unreadable answer is an ERROR: exit 1
    assert "ERROR    esx03: could not read esxcli network nic list on esx03" in text
