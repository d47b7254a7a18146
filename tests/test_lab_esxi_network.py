"""Lab ESXi hosts over real SSH: network inventory layouts, vmkping MTU behaviour, shell errors."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from esxi_lab_helpers import LabShell
from lab_fixtures import esxi_fixture

from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import default_scenario, generate_scenario

lab = esxi_fixture(default_scenario, "esxi-lab", name="lab")


@pytest.fixture(scope="module")
def sh(lab: EsxiLab) -> Iterator[LabShell]:
    shell = LabShell(lab)
    yield shell
    shell.close()


def test_interface_list_block_shape(sh: LabShell) -> None:
    ans = sh.run("esx-akl-01", "esxcli network ip interface list")
    assert ans.exit == 0
    first = ans.lines[:18]
    assert first[0] == "vmk0"
    assert first[1] == "   Name: vmk0"
    assert first[3] == "   Enabled: true"
    assert first[4] == "   Portset: vSwitch0"
    assert first[6] == "   Netstack Instance: defaultTcpipStack"
    assert first[14] == "   MTU: 1500"
    assert first[15] == "   TSO MSS: 65535"
    assert first[17] == "   Port ID: 33554443"
    assert ans.lines[18] == ""
    assert ans.lines[19] == "vmk1"
    assert "   MTU: 9000" in ans.lines
    assert "   Netstack Instance: vmotion" in ans.lines
    assert "   VDS Name: DSwitch-AKL" in ans.lines


def test_interface_list_filters(sh: LabShell) -> None:
    only = sh.run("esx-akl-01", "esxcli network ip interface list -i vmk2")
    assert only.lines[0] == "vmk2" and "vmk0" not in only.stdout
    stack = sh.run("esx-akl-01", "esxcli network ip interface list -N vmotion")
    assert [ln for ln in stack.lines if ln and not ln.startswith(" ")] == ["vmk2"]


def test_ipv4_table_header_and_rows(sh: LabShell) -> None:
    ans = sh.run("esx-akl-01", "esxcli network ip interface ipv4 get")
    assert ans.lines[0].split("  ")[0] == "Name"
    assert ans.lines[0] == (
        "Name  IPv4 Address    IPv4 Netmask   IPv4 Broadcast   Address Type  Gateway  DHCP DNS"
    )
    assert ans.lines[1] == (
        "----  --------------  -------------  ---------------  ------------  -------  --------"
    )
    assert ans.lines[2] == (
        "vmk0  10.1.10.11      255.255.255.0  10.1.10.255      STATIC        0.0.0.0     false"
    )
    one = sh.run("esx-akl-01", "esxcli network ip interface ipv4 get -i vmk1")
    assert len([ln for ln in one.lines if ln]) == 3 and "192.168.101.11" in one.lines[2]


def test_nic_list_and_netstacks(sh: LabShell) -> None:
    nics = sh.run("esx-akl-01", "esxcli network nic list")
    assert nics.lines[0].startswith(
        "Name    PCI Device    Driver  Admin Status  Link Status  Speed"
    )
    assert nics.lines[0].endswith("MTU  Description")
    assert nics.lines[1].endswith("----  -----------")
    assert nics.lines[4].startswith("vmnic2  ") and " 9000  " in nics.lines[4]
    stacks = sh.run("esx-akl-01", "esxcli network ip netstack list")
    assert stacks.lines[:4] == [
        "defaultTcpipStack",
        "   Key: defaultTcpipStack",
        "   Name: defaultTcpipStack",
        "   State: 4660",
    ]
    assert "vmotion" in stacks.lines


def test_dvs_list_shows_dvs_mtu_and_uplinks(sh: LabShell) -> None:
    ans = sh.run("esx-wlg-02", "esxcli network vswitch dvs vmware list")
    assert ans.lines[0] == "DSwitch-WLG"
    assert "   MTU: 9000" in ans.lines
    assert "   Uplinks: vmnic2, vmnic3" in ans.lines
    assert "   DVPort: " in ans.lines
    assert "         Client: vmnic2" in ans.lines
    assert "      " in ans.lines  # esxcli's separator between nested list items


def _ping(sh: LabShell, host: str, args: str):  # type: ignore[no-untyped-def]
    return sh.run(host, f"vmkping {args}")


def test_vmkping_1472_passes_1473_lost_on_1500_path(sh: LabShell, tmp_path: Path) -> None:
    ok = _ping(sh, "esx-hq-01", "-I vmk0 -c 1 -d -s 1472 10.0.10.12")
    assert ok.exit == 0
    assert ok.lines[0] == "PING 10.0.10.12 (10.0.10.12): 1472 data bytes"
    assert ok.lines[1].startswith("1480 bytes from 10.0.10.12: icmp_seq=0 ttl=64 time=")
    assert "1 packets transmitted, 1 packets received, 0% packet loss" in ok.lines
    # A 9000-MTU vmk whose path ends at a 1500-MTU target: 1473 leaves the host and is lost.
    with EsxiLab(generate_scenario(hosts=10, vms=20), tmp_path) as big:
        gen = LabShell(big)
        try:
            fits = gen.run("esx0001", "vmkping -I vmk1 -c 1 -d -s 1472 10.0.10.5")
            lost = gen.run("esx0001", "vmkping -I vmk1 -c 1 -W 0.2 -d -s 1473 10.0.10.5")
        finally:
            gen.close()
    assert fits.exit == 0 and "1480 bytes from 10.0.10.5" in fits.stdout
    assert lost.exit == 1
    assert "1 packets transmitted, 0 packets received, 100% packet loss" in lost.lines
    assert not any("bytes from" in ln or "sendto" in ln for ln in lost.lines)


def test_vmkping_path_mtu_smaller_than_vmk_is_lost(sh: LabShell) -> None:
    # esx-akl-01 vmk1 (9000) to vcsa01 crosses the 1400-MTU AKL WAN.
    under = _ping(sh, "esx-akl-01", "-I vmk0 -c 1 -d -s 1372 10.0.10.5")
    assert under.exit == 0
    over = _ping(sh, "esx-akl-01", "-I vmk0 -c 1 -W 0.2 -d -s 1373 10.0.10.5")
    assert over.exit == 1 and "100% packet loss" in over.stdout


def test_refusing_wan_teaches_the_stack_but_a_black_hole_stays_silent(sh: LabShell) -> None:
    # AKL's WAN router answers "fragmentation needed": the first probe is lost, the stack learns
    # the 1400 path MTU and refuses the next one itself. WLG's WAN is a black hole: only silence.
    refused = _ping(sh, "esx-akl-02", "-I vmk0 -c 2 -i 0.01 -W 0.2 -d -s 1380 10.0.30.50")
    assert refused.exit == 1 and "2 packets transmitted, 0 packets received" in refused.stdout
    assert refused.lines.count("sendto() failed (Message too long)") == 1
    again = _ping(sh, "esx-akl-02", "-I vmk0 -c 1 -W 0.2 -d -s 1380 10.0.30.50")
    assert "sendto() failed (Message too long)" in again.lines
    still_fits = _ping(sh, "esx-akl-02", "-I vmk0 -c 1 -d -s 1372 10.0.30.50")
    assert still_fits.exit == 0
    hole = _ping(sh, "esx-wlg-02", "-I vmk0 -c 3 -i 0.01 -W 0.2 -d -s 1380 10.0.30.50")
    assert hole.exit == 1 and "3 packets transmitted, 0 packets received" in hole.stdout
    assert not any("sendto" in ln or "bytes from" in ln for ln in hole.lines)


def test_vmkping_jumbo_on_akl_vsan(sh: LabShell) -> None:
    ans = _ping(sh, "esx-akl-01", "-I vmk1 -c 3 -d -s 8972 -i 0.05 192.168.101.12")
    assert ans.exit == 0
    assert ans.lines[0] == "PING 192.168.101.12 (192.168.101.12): 8972 data bytes"
    assert [ln.split(":")[0] for ln in ans.lines[1:4]] == ["8980 bytes from 192.168.101.12"] * 3
    assert ans.lines[4:7] == [
        "",
        "--- 192.168.101.12 ping statistics ---",
        "3 packets transmitted, 3 packets received, 0% packet loss",
    ]
    assert ans.lines[7].startswith("round-trip min/avg/max = ")
    assert ans.stdout.endswith(" ms\n\n")


def test_vmkping_message_too_long_per_packet(sh: LabShell) -> None:
    ans = _ping(sh, "esx-akl-01", "-I vmk0 -c 3 -i 0.05 -d -s 1500 192.168.101.12")
    assert ans.exit == 1
    assert ans.lines[1:4] == ["sendto() failed (Message too long)"] * 3
    assert "3 packets transmitted, 0 packets received, 100% packet loss" in ans.lines


def test_vmkping_without_df_fragments_and_succeeds(sh: LabShell) -> None:
    ans = _ping(sh, "esx-akl-01", "-I vmk0 -c 1 -s 1500 10.1.10.12")
    assert ans.exit == 0 and "1508 bytes from 10.1.10.12" in ans.stdout


def test_vmkping_wait_is_honoured(sh: LabShell) -> None:
    start = time.monotonic()
    short = _ping(sh, "esx-akl-01", "-I vmk0 -c 1 -W 0.2 10.9.9.9")
    short_s = time.monotonic() - start
    start = time.monotonic()
    _ping(sh, "esx-akl-01", "-I vmk0 -c 1 -W 1.5 10.9.9.9")
    long_s = time.monotonic() - start
    assert short.exit == 1 and "100% packet loss" in short.stdout
    assert short_s >= 0.2 and long_s >= 1.5
    assert short_s < long_s - 0.5  # the shorter -W really ends sooner


def test_vmkping_netstack_rule(sh: LabShell) -> None:
    plain = _ping(sh, "esx-akl-01", "-I vmk2 -c 1 192.168.111.12")
    assert plain.exit != 0
    assert "Unknown interface 'vmk2'" in plain.stderr
    with_s = _ping(sh, "esx-akl-01", "-S vmotion -I vmk2 -c 1 -d -s 8972 192.168.111.12")
    assert with_s.exit == 0 and "8980 bytes from 192.168.111.12" in with_s.stdout
    plus = sh.run("esx-akl-01", "ping ++netstack=vmotion 192.168.111.12 -c 1 -d -s 8972 -I vmk2")
    assert plus.exit == 0


def test_vmkping_other_options(sh: LabShell) -> None:
    v4 = _ping(sh, "esx-akl-01", "-4 -v -c 1 -i 0.1 10.1.10.12")
    assert v4.exit == 0 and "64 bytes from 10.1.10.12: icmp_seq=0 ttl=64 " in v4.stdout
    # crossing two routed site hops: TTL 2 dies on the way, TTL 3 arrives with ttl=62
    short_ttl = _ping(sh, "esx-akl-01", "-c 1 -t 2 -W 0.1 10.0.10.5")
    assert short_ttl.exit == 1 and "100% packet loss" in short_ttl.stdout
    assert "ttl=62" in _ping(sh, "esx-akl-01", "-c 1 -t 3 10.0.10.5").stdout
    nexthop = _ping(sh, "esx-akl-01", "-c 1 -N 10.1.10.1 10.0.10.5")
    assert nexthop.exit == 1 and "-N requires -I" in nexthop.stderr
    via = _ping(sh, "esx-akl-01", "-c 1 -I vmk0 -N 10.1.10.1 10.0.10.5")
    assert via.exit == 0
    debug = _ping(sh, "esx-akl-01", "-D -c 1")
    assert debug.exit == 0
    assert "PING 10.1.10.11 (10.1.10.11)" in debug.stdout
    assert "192.168.111.11" not in debug.stdout  # vmk2 is on the vmotion stack
    usage = _ping(sh, "esx-akl-01", "-z 10.1.10.12")
    assert usage.exit == 1 and usage.stderr.startswith(
        "ping: illegal option -- z\nping [args] [host]\n"
    )
    name = _ping(sh, "esx-akl-01", "-c 1 esx-akl-02")
    assert name.exit != 0 and "Unknown host" in name.stderr


def test_vmkping_unknown_interface(sh: LabShell) -> None:
    ans = _ping(sh, "esx-akl-01", "-I vmk9 10.1.10.12")
    assert ans.exit != 0 and ans.stderr == "Unknown interface 'vmk9': Invalid argument\n"
    assert ans.stdout == ""


def test_version_lines(sh: LabShell) -> None:
    assert sh.run("esx-hq-01", "vmware -v").stdout == "VMware ESXi 8.0.3 build-24022510\n"
    ver = sh.run("esx-hq-01", "esxcli system version get")
    assert "   Build: Releasebuild-24022510" in ver.lines


def test_unknown_command_and_namespace(sh: LabShell) -> None:
    cmd = sh.run("esx-hq-01", "xyz --now")
    assert (cmd.exit, cmd.stderr) == (127, "sh: xyz: not found\n")
    ns = sh.run("esx-hq-01", "esxcli network foo list")
    assert ns.exit == 1
    assert ns.stderr == "Error: Unknown command or namespace network foo\n"


def test_down_host_refuses(lab: EsxiLab) -> None:
    scenario_down = [h.name for h in lab.scenario.hosts if h.down]
    host = scenario_down[0] if scenario_down else "esx-hq-03"
    lab.set_down(host, True)
    try:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(lab.endpoints[host], timeout=2)
    finally:
        lab.set_down(host, False)
    socket.create_connection(lab.endpoints[host], timeout=2).close()


def test_host_key_persists_per_state_dir(lab: EsxiLab, tmp_path: Path) -> None:
    again = EsxiLab(lab.scenario, lab.state_dir)
    assert again.host_key_fingerprint == lab.host_key_fingerprint
    assert lab.host_key_fingerprint.startswith("SHA256:")
    other = EsxiLab(lab.scenario, tmp_path)
    assert other.host_key_fingerprint != lab.host_key_fingerprint
