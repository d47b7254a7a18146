"""Network inventory parsers on the reference's verbatim samples (ESXi 6.x and 9.0)."""

from __future__ import annotations

import esxi_samples as samples
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.esx.netinventory import (
    parse_dvs_list,
    parse_interface_list,
    parse_ipv4_get,
    parse_netstack_list,
    parse_nic_list,
)
from vconsole.esx.pasted import UnrecognisedOutput

# The [V] samples of esxi_samples as an admin pastes them: with the prompt and command line,
# and (6.x) a second interface or netstack after the published first one.
IFACE_9 = "[root@vcf-esxi1:~] esxcli network ip interface list\n" + samples.IFACE_9

IFACE_6 = (
    "# esxcli network ip interface list\n\n"
    + samples.IFACE_6
    + """
vmk2
   Name: vmk2
   MAC Address: 00:50:56:6c:01:12
   Enabled: false
   Portset: DvsPortset-0
   Portgroup: N/A
   Netstack Instance: vmotion
   VDS Name: DSwitch-AKL
   VDS UUID: 50 1e 81 57 81 ea ba d3-94 e9 0f 7b c9 1b da 81
   VDS Port: 10
   VDS Connection: 1234567890
   MTU: 9000
"""
)

IPV4 = "[root@esxinitya:~] esxcli network ip interface ipv4 get\n" + samples.IPV4_9

NICS = samples.NIC_LIST  # the same [V] sample the re-formatting tests use

DVS_9 = "[root@esxinitya:~] esxcli network vswitch dvs vmware list\n" + samples.DVS_9

DVS_DEDENTED = """\
DSwitch_078
Name: DSwitch_078
VDS ID: 50 1e 81 57 81 ea ba d3-94 e9 0f 7b c9 1b da 81
Class: cswitch
Num Ports: 3456
Used Ports: 4
Configured Ports: 512
MTU: 1500
CDP Status: listen
Beacon Timeout: -1
Uplinks: vmnic4
VMware Branded: true
DVPort:
      Client: vmnic4
      DVPortgroup ID: dvportgroup-117200
      In Use: true
      Port ID: 0

      Client: Base_R83_VM001_078.eth1
      DVPortgroup ID: dvportgroup-117201
      In Use: true
      Port ID: 2
"""

NETSTACKS = (
    "# esxcli network ip netstack list\n\n"
    + samples.NETSTACKS
    + """
vmotion
   Key: vmotion
   Name: vmotion
   State: 4660
"""
)


def test_interface_list_esxi9():
    (vmk0,) = parse_interface_list(IFACE_9)
    assert (vmk0.name, vmk0.mtu, vmk0.netstack, vmk0.portset) == (
        "vmk0",
        9000,
        "defaultTcpipStack",
        "vSwitch0",
    )
    assert vmk0.vds_name == "" and vmk0.port_id == 67108875


def test_interface_list_two_blocks_on_vds_and_vmotion():
    vmk0, vmk2 = parse_interface_list(IFACE_6)
    assert vmk0.mtu == 1500 and vmk0.enabled
    assert (vmk2.netstack, vmk2.vds_name, vmk2.vds_port, vmk2.mtu) == (
        "vmotion",
        "DSwitch-AKL",
        "10",
        9000,
    )
    assert not vmk2.enabled and vmk2.portgroup == ""


def test_ipv4_get_table_with_right_aligned_last_column():
    (row,) = parse_ipv4_get(IPV4)
    assert (row.name, row.address, row.netmask, row.gateway, row.dhcp_dns) == (
        "vmk0",
        "172.30.30.176",
        "255.255.255.0",
        "172.30.30.1",
        False,
    )


def test_nic_list_keeps_description_with_spaces():
    (nic,) = parse_nic_list(NICS)
    assert (nic.name, nic.mtu, nic.link_up, nic.speed_mbps) == ("vmnic0", 1500, True, 10000)
    assert nic.description == "VMware Inc. vmxnet3 Virtual Ethernet Controller"


def test_dvs_list_nested_ports_and_empty_uplinks():
    (dvs,) = parse_dvs_list(DVS_9)
    assert (dvs.name, dvs.mtu, dvs.uplinks) == ("VDS-Prod", 1500, ())
    assert [p.port_id for p in dvs.ports] == ["0", "1"]
    assert dvs.ports[0].portgroup == "dvportgroup-4024"


def test_dvs_list_dedented_capture():
    (dvs,) = parse_dvs_list(DVS_DEDENTED)
    assert dvs.uplinks == ("vmnic4",)
    assert [(p.client, p.in_use) for p in dvs.ports] == [
        ("vmnic4", True),
        ("Base_R83_VM001_078.eth1", True),
    ]


def test_netstack_list():
    assert [n.key for n in parse_netstack_list(NETSTACKS)] == ["defaultTcpipStack", "vmotion"]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parsers_answer_or_say_unrecognised_on_any_text(text):
    """Arbitrary text gives a list or UnrecognisedOutput naming the command, nothing else."""
    for parse in (
        parse_interface_list,
        parse_ipv4_get,
        parse_nic_list,
        parse_dvs_list,
        parse_netstack_list,
    ):
        try:
            parse(text)
        except UnrecognisedOutput as exc:
            assert str(exc).startswith("unrecognised output of esxcli network ")
            assert exc.raw == text
