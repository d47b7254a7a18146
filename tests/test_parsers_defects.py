"""The smallest inputs that were read silently wrong or silently empty, one test each.

Inputs are the issue's, built from [V] reference samples (esxi_samples) and the public
`esxcfg-mpath -l` sample named there. Only the parsers' public functions are used.
"""

from __future__ import annotations

import pytest
from esxi_samples import ESXCFG_MPATH_L, IPV4_9, LACP_STATUS, NIC_LIST

from vconsole.esx import lacp, netinventory, storage
from vconsole.services.lacp_verdicts import judge_host

SQUEEZED_STATS = (
    "DVSwitch LAGID NIC Rx Errors Rx LACPDUs Tx Errors Tx LACPDUs\n"
    "-------- ----- ------ --------- ---------- --------- ----------\n"
    "test-2 0 vmnic3 0 0 0 142\n"
)


def _squeeze(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def test_1_stats_with_collapsed_padding_keep_nic_and_error_columns() -> None:
    (c,) = lacp.parse_stats(SQUEEZED_STATS).counters
    assert (c.dvs, c.lag_id, c.nic, c.rx_errors, c.rx_lacpdus, c.tx_errors, c.tx_lacpdus) == (
        "test-2",
        "0",
        "vmnic3",
        0,
        0,
        0,
        142,
    )


def test_1_collapsed_stats_still_give_the_critical_switch_silent_finding() -> None:
    # the [V] status sample, moved onto the stats sample's switch and LAG
    status = LACP_STATUS.replace("dvs", "test-2").replace("55555", "0")
    judged = judge_host("esx01", lacp.parse_status(status), lacp.parse_stats(SQUEEZED_STATS))
    codes = {p.code for row in judged.rows for p in row.problems}
    assert "partner-silent" in codes
    (row,) = judged.rows
    assert (row.rx_lacpdus, row.tx_lacpdus) == (0, 142)


def test_1_nic_list_with_collapsed_padding_is_read() -> None:
    (nic,) = netinventory.parse_nic_list(_squeeze(NIC_LIST))
    assert (nic.name, nic.link_up, nic.speed_mbps, nic.mtu, nic.pci) == (
        "vmnic0",
        True,
        10000,
        1500,
        "0000:02:01.0",
    )
    assert nic.description == "VMware Inc. vmxnet3 Virtual Ethernet Controller"


def test_1_ipv4_get_with_collapsed_padding_keeps_netmask_broadcast_gateway() -> None:
    (row,) = netinventory.parse_ipv4_get(_squeeze(IPV4_9))
    assert (row.address, row.netmask, row.broadcast, row.gateway) == (
        "172.30.30.176",
        "255.255.255.0",
        "172.30.30.255",
        "172.30.30.1",
    )


def test_1_a_row_that_cannot_be_split_for_certain_is_unrecognised_not_partial() -> None:
    text = SQUEEZED_STATS + "test-2 0 vmnic2 0 0 142\n"  # one counter missing
    out = lacp.parse_stats(text)
    assert out.kind == lacp.OutputKind.UNRECOGNISED
    assert out.raw == text and out.counters == ()
    assert "do not split" in out.message


NMP_TWO_COLON_HEADERS = """\
naa.600a0980383044:
   Device Display Name: NETAPP Fibre Channel Disk (naa.600a0980383044)
   Storage Array Type: VMW_SATP_ALUA
   Path Selection Policy: VMW_PSP_RR
   Path Selection Policy Device Config: {policy=rr,iops=1000,bytes=10485760,useANO=0;lastPathIndex=0: NumIOsPending=0,numBytesPending=0}
   Working Paths: vmhba1:C0:T0:L0

naa.600a0980383045:
   Device Display Name: NETAPP Fibre Channel Disk (naa.600a0980383045)
   Storage Array Type: VMW_SATP_ALUA
   Path Selection Policy: VMW_PSP_MRU
   Working Paths: vmhba1:C0:T0:L1
"""  # noqa: E501


@pytest.mark.parametrize(
    "prompt",
    ["~ # esxcli storage nmp device list", "[root@esx01:~] esxcli storage nmp device list"],
)
def test_2_prompts_and_colon_headers_give_every_device(prompt: str) -> None:
    out = storage.parse_nmp_device_list(f"{prompt}\n{NMP_TWO_COLON_HEADERS}")
    assert [d.device for d in out.devices] == ["naa.600a0980383044", "naa.600a0980383045"]
    assert [d.psp for d in out.devices] == ["VMW_PSP_RR", "VMW_PSP_MRU"]


def test_3_interface_list_indented_as_a_whole_is_read() -> None:
    text = "  vmk0\n    Name: vmk0\n    MTU: 9000\n"
    (vmk,) = netinventory.parse_interface_list(text)
    assert (vmk.name, vmk.mtu) == ("vmk0", 9000)


def test_4_esxcfg_mpath_output_is_read_correctly_and_named() -> None:
    out = storage.parse_core_path_list(ESXCFG_MPATH_L)
    (path,) = out.paths
    assert (path.adapter, path.target, path.lun, path.device) == (
        "vmhba37",
        "0",
        0,
        "naa.5000144f79272808",
    )
    assert "esxcfg-mpath -l" in out.message


def test_4_esxcfg_mpath_output_given_for_device_list_names_the_command() -> None:
    out = storage.parse_nmp_device_list(ESXCFG_MPATH_L)
    assert out.kind.value == "unrecognised"
    assert "esxcfg-mpath -l" in out.message


def test_4_a_path_block_that_cannot_be_read_makes_the_list_unrecognised() -> None:
    text = ESXCFG_MPATH_L + "\nmystery-line\n   Something: else\n"
    out = storage.parse_core_path_list(text)
    assert out.kind.value == "unrecognised" and out.paths == ()
    assert "mystery-line" in out.message


def test_a_lacp_port_without_its_nic_line_is_unrecognised_not_a_nameless_row() -> None:
    text = LACP_STATUS.replace("        Nic: vmnic3\n", "")
    out = lacp.parse_status(text)
    assert out.kind == lacp.OutputKind.UNRECOGNISED and out.lags == ()
    assert "no 'Nic:' line" in out.message and out.raw == text


def test_a_block_of_another_command_is_not_read_as_a_vmk_or_a_switch() -> None:
    from esxi_samples import DVS_9, IFACE_9

    with pytest.raises(netinventory.UnrecognisedOutput, match="'VDS-Prod' is not a vmk name"):
        netinventory.parse_interface_list(IFACE_9 + "\n" + DVS_9)
    with pytest.raises(netinventory.UnrecognisedOutput, match="block 'vmk0' has no VDS ID"):
        netinventory.parse_dvs_list(DVS_9 + "\n" + IFACE_9)


def test_esxcfg_nics_output_given_for_nic_list_is_named() -> None:
    """The row is [V] (esxcli-network-inventory.md §3, VCF9-notes); its header is [R]."""
    text = (
        "Name    PCI          Driver      Link Speed      Duplex MAC Address       MTU    "
        "Description\n"
        "vmnic1  0000:02:03.0 nvmxnet3    Up   10000Mbps  Full   00:50:56:9f:1c:73 1500   "
        "VMware Inc. vmxnet3 Virtual Ethernet Controller\n"
    )
    with pytest.raises(netinventory.UnrecognisedOutput, match="this is `esxcfg-nics -l` output"):
        netinventory.parse_nic_list(text)


NO_DVS_NOTE = """\
[root@localhost:~] localcli network vswitch dvs vmware lacp config get
Errors:
LACP is supported on VMware DVSwitch only, and there is no DVSwitch configured on host.
"""
"""A public ops note (OneNote export in a public repository, 2023): the full sentence behind
the reference's [R] "LACP is supported ...", pasted with its prompt and `Errors:` line."""


def test_the_no_dvswitch_sentence_from_a_public_note_reads_as_no_lag() -> None:
    for parse in (lacp.parse_config, lacp.parse_status, lacp.parse_stats):
        out = parse(NO_DVS_NOTE)
        assert out.kind == lacp.OutputKind.NO_LAG
        assert out.message.startswith("LACP is supported on VMware DVSwitch only")


def test_localcli_prompt_counts_as_the_same_command() -> None:
    text = "[root@esx01:~] localcli network vswitch dvs vmware lacp stats get\nsomething else\n"
    out = lacp.parse_stats(text)
    assert out.kind == lacp.OutputKind.UNRECOGNISED
    assert "this is" not in out.message and out.raw == text
