"""Lab ESXi hosts over real SSH: LACP runtime, multipathing, advanced options and diag ping."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from esxi_lab_helpers import LabShell
from waiting import wait_until

from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import default_scenario

LACP = "esxcli network vswitch dvs vmware lacp"
DEV = "naa.600a098038304437415d4b6a59684a52"


@pytest.fixture(scope="module")
def sh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabShell]:
    # Lab time runs 100x faster so slow (30 s) LACPDU counters move within a test.
    lab = EsxiLab(default_scenario(), tmp_path_factory.mktemp("esxi-lab"), time_scale=0.01)
    lab.start()
    shell = LabShell(lab)
    yield shell
    shell.close()
    lab.stop()


def _stats(sh: LabShell, host: str) -> dict[str, tuple[int, int]]:
    ans = sh.run(host, f"{LACP} stats get")
    assert ans.lines[0] == (
        "DVSwitch     LAGID  NIC     Rx Errors  Rx LACPDUs  Tx Errors  Tx LACPDUs"
    )
    assert ans.lines[1] == (
        "-----------  -----  ------  ---------  ----------  ---------  ----------"
    )
    out = {}
    for line in ans.lines[2:]:
        if line:
            cols = line.split()
            out[cols[2]] = (int(cols[4]), int(cols[6]))
    return out


def _let_lab_time_pass(sh: LabShell, lab_seconds: float) -> None:
    """Wait on the lab's own clock (100x real time here) until `lab_seconds` have passed."""
    clock = sh.lab.clock
    until = clock.now() + lab_seconds
    wait_until(lambda: clock.now() >= until, f"{lab_seconds:g} s of lab time")


def _nic_blocks(status: str) -> dict[str, list[str]]:
    """Per-vmnic field lines of `lacp status get`, split on esxcli's separator line."""
    body = status.split("   Nic List: \n", 1)[1]
    out = {}
    for chunk in body.split("\n      \n"):
        lines = [ln.strip() for ln in chunk.splitlines() if ln.strip()]
        nic = next(ln.split(": ", 1)[1] for ln in lines if ln.startswith("Nic: "))
        out[nic] = lines
    return out


def test_silent_partner_shows_zeros_and_stand_alone(sh: LabShell) -> None:
    ans = sh.run("esx-wlg-02", f"{LACP} status get")
    assert ans.exit == 0
    assert ans.lines[:5] == [
        "DSwitch-WLG",
        "   DVSwitch: DSwitch-WLG",
        "   Flags: S - Device is sending Slow LACPDUs, F - Device is sending fast LACPDUs, "
        "A - Device is in active mode, P - Device is in passive mode",
        "   LAGID: 1",
        "   Mode: Active",
    ]
    nics = _nic_blocks(ans.stdout)
    silent = nics["vmnic3"]
    partner = silent[silent.index("Partner Information:") :]
    assert "Device ID: 00:00:00:00:00:00" in partner
    assert "Oper Key: 0" in partner and "Port Number: 0" in partner
    assert silent[-1] == "State: Stand-alone"
    healthy = nics["vmnic2"]
    assert "Device ID: 00:23:04:ee:be:20" in healthy and healthy[-1] == "State: Bundled"
    assert "Port State: ACT,AGG,SYN,COL,DIST," in healthy


def test_silent_partner_rx_does_not_increase_while_tx_does(sh: LabShell) -> None:
    before = _stats(sh, "esx-wlg-02")
    _let_lab_time_pass(sh, 80)  # at least two slow LACPDUs each way
    after = _stats(sh, "esx-wlg-02")
    assert before["vmnic3"][0] == after["vmnic3"][0] == 0
    assert after["vmnic3"][1] > before["vmnic3"][1]
    assert after["vmnic2"][0] > before["vmnic2"][0]


def test_timeout_mismatch_flags(sh: LabShell) -> None:
    nics = _nic_blocks(sh.run("esx-wlg-01", f"{LACP} status get").stdout)
    local, partner = nics["vmnic2"][:8], nics["vmnic2"][8:]
    assert "Flags: FA" in local and "Port State: ACT,FTO,AGG,SYN,COL,DIST," in local
    assert "Flags: SA" in partner


def test_timeout_set_changes_later_status_and_config(sh: LabShell) -> None:
    host = "esx-akl-02"
    assert "Flags: SA" in _nic_blocks(sh.run(host, f"{LACP} status get").stdout)["vmnic3"][:8]
    tx_slow = _stats(sh, host)["vmnic3"][1]
    ans = sh.run(host, f"{LACP} timeout set -l 1 -t 1 -s DSwitch-AKL -n vmnic3")
    assert (ans.exit, ans.stdout, ans.stderr) == (0, "", "")
    nics = _nic_blocks(sh.run(host, f"{LACP} status get").stdout)
    assert "Flags: FA" in nics["vmnic3"][:8]
    assert "Flags: SA" in nics["vmnic2"][:8]
    _let_lab_time_pass(sh, 10)  # ten fast LACPDUs
    assert _stats(sh, host)["vmnic3"][1] >= tx_slow + 5
    sh.run(host, f"{LACP} timeout set -l 1 -t 1 -s DSwitch-AKL")
    config = sh.run(host, f"{LACP} config get")
    assert config.lines[0].split() == [
        "DVS", "Name", "LAG", "Name", "LAG", "ID", "NICs", "Timeout", "Mode", "Nic", "Number",
        "Load", "Balance",
    ]  # fmt: skip
    assert config.lines[2].split()[:6] == [
        "DSwitch-AKL",
        "lag1",
        "1",
        "vmnic2,vmnic3",
        "Fast",
        "Active",
    ]


def test_timeout_set_errors(sh: LabShell) -> None:
    missing = sh.run("esx-akl-01", f"{LACP} timeout set -l 1 -s DSwitch-AKL")
    assert (
        missing.exit == 1 and missing.stderr == "Error: Missing required parameter -t|--timeout\n"
    )
    wrong = sh.run("esx-akl-01", f"{LACP} timeout set -l 9 -t 1 -s DSwitch-AKL")
    assert wrong.exit == 1 and wrong.stderr.startswith("Error: ")


def test_host_without_lag(sh: LabShell) -> None:
    ans = sh.run("esx-hq-01", f"{LACP} status get")
    assert (ans.exit, ans.stdout) == (0, "No running LACP group on the host\n")


def test_nmp_device_list_block(sh: LabShell) -> None:
    ans = sh.run("esx-hq-02", f"esxcli storage nmp device list -d {DEV}")
    assert ans.exit == 0
    assert ans.lines[0] == DEV
    assert ans.lines[1] == f"   Device Display Name: NETAPP iSCSI Disk ({DEV})"
    assert ans.lines[2] == "   Storage Array Type: VMW_SATP_ALUA"
    assert ans.lines[4] == "   Path Selection Policy: VMW_PSP_RR"
    assert ans.lines[5].startswith("   Path Selection Policy Device Config: {policy=latency,")
    # the dead path is not a working path
    assert ans.lines[7] == (
        "   Working Paths: vmhba64:C0:T0:L0, vmhba64:C1:T0:L0, vmhba64:C2:T0:L0"
    )
    assert ans.lines[8] == "   Is USB: false"


def test_path_lists(sh: LabShell) -> None:
    core = sh.run("esx-hq-02", f"esxcli storage core path list -d {DEV}")
    blocks = core.stdout.strip("\n").split("\n\n")
    assert len(blocks) == 4
    last = blocks[3].splitlines()
    assert last[1] == f"   UID: {last[0]}"
    assert "   Runtime Name: vmhba64:C3:T0:L0" in last
    assert "   State: dead" in last and "   Transport: iscsi" in last
    nmp = sh.run("esx-hq-02", f"esxcli storage nmp path list -d {DEV}")
    first = nmp.stdout.split("\n\n")[0].splitlines()
    assert first[1:] == [
        "   Runtime Name: vmhba64:C0:T0:L0",
        f"   Device: {DEV}",
        f"   Device Display Name: NETAPP iSCSI Disk ({DEV})",
        "   Group State: active",
        "   Array Priority: 0",
        "   Storage Array Type Path Config: {TPG_id=1,TPG_state=AO,RTP_id=1,RTP_health=UP}",
        "   Path Selection Policy Path Config: PSP VMW_PSP_RR does not support path configuration.",
    ]


def test_deviceconfig_set_changes_later_get(sh: LabShell) -> None:
    get = f"esxcli storage nmp psp roundrobin deviceconfig get -d {DEV}"
    before = sh.run("esx-hq-01", get)
    assert "   Limit Type: Latency" in before.lines
    assert "   Latency Evaluation Interval: 180000 milliseconds" in before.lines
    ans = sh.run(
        "esx-hq-01",
        f"esxcli storage nmp psp roundrobin deviceconfig set -d {DEV} --type=iops --iops 1",
    )
    assert (ans.exit, ans.stdout) == (0, "")
    after = sh.run("esx-hq-01", get)
    assert after.lines[:7] == [
        "   Byte Limit: 10485760",
        f"   Device: {DEV}",
        "   IOOperation Limit: 1",
        "   Latency Evaluation Interval: 0 milliseconds",
        "   Limit Type: Iops",
        "   Number Of Sampling IOs Per Path: 0",
        "   Use Active Unoptimized Paths: false",
    ]
    listed = sh.run("esx-hq-01", f"esxcli storage nmp device list -d {DEV}")
    assert "{policy=iops,iops=1,bytes=10485760,useANO=0;" in listed.stdout


def test_psp_latency_policy_setting(sh: LabShell) -> None:
    adv = sh.run(
        "esx-hq-03", "esxcli system settings advanced list -o /Misc/EnablePSPLatencyPolicy"
    )
    assert adv.lines[:3] == [
        "   Path: /Misc/EnablePSPLatencyPolicy",
        "   Type: integer",
        "   Int Value: 0",
    ]
    cfg = sh.run("esx-hq-01", "esxcfg-advcfg -g /Misc/EnablePSPLatencyPolicy")
    assert (cfg.exit, cfg.stdout) == (0, "Value of EnablePSPLatencyPolicy is 1\n")


def test_diag_ping(sh: LabShell) -> None:
    ok = sh.run("esx-akl-01", "esxcli network diag ping -H 192.168.101.12 -I vmk1 -c 2 -d -s 8972")
    assert ok.exit == 0
    assert ok.lines[0] == "   Trace: "
    assert "         Received Bytes: 8980" in ok.lines
    assert "         Recieved: 2" in ok.lines and "         Packet Lost: 0" in ok.lines
    big = sh.run("esx-akl-01", "esxcli network diag ping -H 192.168.101.12 -I vmk0 -c 1 -d -s 1600")
    assert (big.exit, big.stderr) == (1, "Error: sendto() failed (Message too long)\n")
    stack = sh.run(
        "esx-akl-01", "esxcli network diag ping -I vmk2 --netstack=vmotion -H 192.168.111.12 -c 1"
    )
    assert "         Recieved: 1" in stack.lines
