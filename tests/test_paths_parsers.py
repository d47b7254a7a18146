"""Parsers of the multipathing commands on the reference's verbatim samples, and on any text."""

from __future__ import annotations

import textwrap

import esxi_samples as samples
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.errors import InvalidToken
from vconsole.esx.storage import (
    OutputKind,
    parse_advanced_value,
    parse_core_path_list,
    parse_nmp_device_list,
    parse_nmp_path_list,
    parse_psp_device_config,
    parse_rr_device_config,
    rr_get_command,
    rr_set_command,
)

IOPS_DEVICE = textwrap.dedent(samples.NMP_DEVICE_IOPS)  # the [V] sample, as ESXi prints it

ALUA_FLATTENED = """\
naa.6589cfc000000f0033f8cf3c39a68aa7
Device Display Name: FreeNAS iSCSI Disk (naa.6589cfc000000f0033f8cf3c39a68aa7)
Storage Array Type: VMW_SATP_ALUA
Storage Array Type Device Config: {implicit_support=on; explicit_support=off; explicit_allow=on; a lua_followover=on; action_OnRetryErrors=off; {TPG_id=1,TPG_state=AO}}
Path Selection Policy: VMW_PSP_RR
Path Selection Policy Device Config: {policy=iops,iops=1000,bytes=10485760,useANO=0; lastPathIndex=2: NumIOsPending=0,numBytesPending=0}
Path Selection Policy Device Custom Config:
Working Paths: vmhba66:C10:T0:L0, vmhba66:C0:T0:L0, vmhba66:C15:T0:L0, vmhba66:C5:T0:L0
Is USB: false
"""

MRU_5X = """\
naa.600508b1001c4d41121b4f3b0b6a8a4e
Device Display Name: HP Serial Attached SCSI Disk (naa.600508b1001c4d41121b4f3b0b6a8a4e)
Storage Array Type: VMW_SATP_ALUA
Path Selection Policy: VMW_PSP_MRU
Path Selection Policy Device Config: Current Path=vmhba0:C0:T3:L1
Path Selection Policy Device Custom Config:
Working Paths: vmhba0:C0:T3:L1
Is Local SAS Device: false
Is Boot USB Device: false
"""

LATENCY_CONFIG = (
    "{policy=latency,latencyEvalTime=180000,samplingCycles=16,curSamplingCycle=16,useANO=0; "
    "CurrentPath=vmhba1:C0:T0:L0: NumIOsPending=0,latency=0}"
)

# the [V] sample with the three-space indent ESXi prints, not the four of the published copy
NMP_PATHS = samples.NMP_PATHS.replace("\n    ", "\n   ")

SAS_PATH = samples.CORE_PATH_SAS  # the same [V] sample the re-formatting tests use

ISCSI_PATH = """\
iqn.1998-01.com.vmware:ESXI-1-113d8999-00023d000001,iqn.2002-03.com.compellent:5000d3100077102b,t,0-naa.6000d31000771000000000000000000d:
   UID: iqn.1998-01.com.vmware:ESXI-1-113d8999-00023d000001,iqn.2002-03.com.compellent:5000d3100077102b,t,0-naa.6000d31000771000000000000000000d
   Runtime Name: vmhba38:C0:T1:L1
   Device: naa.6000d31000771000000000000000000d
   Device Display Name: COMPELNT iSCSI Disk (naa.6000d31000771000000000000000000d)
   Adapter: vmhba38
   Channel: 0
   Target: 1
   LUN: 1
   Plugin: NMP
   State: active
   Transport: iscsi
   Adapter Identifier: iqn.1998-01.com.vmware:ESXI-1-113d8999
   Target Identifier: 00023d000001,iqn.2002-03.com.compellent:5000d3100077102b,t,0
   Adapter Transport Details: iqn.1998-01.com.vmware:ESXI-1-113d8999
   Target Transport Details: IQN=iqn.2002-03.com.compellent:5000d3100077102b Alias= Session=00023d000001 PortalTag=0
   Maximum IO Size: 131072
"""

RR_GET_IOPS = """\
   Byte Limit: 10485760
   Device: naa.60a010a03ff1bb511962194c40626cd1
   IOOperation Limit: 8
   Latency Evaluation Interval: 0 milliseconds
   Limit Type: Iops
   Number Of Sampling IOs Per Path: 0
   Use Active Unoptimized Paths: false
"""

RR_GET_65 = samples.RR_CONFIG_65  # the same [V] sample the re-formatting tests use


def test_nmp_device_list_iops_sample() -> None:
    (dev,) = parse_nmp_device_list(IOPS_DEVICE).devices
    assert dev.device == "naa.60a010a03ff1bb511962194c40626cd1"
    assert dev.display_name.startswith("B*BRIDGE iSCSI Disk")
    assert (dev.satp, dev.psp) == ("VMW_SATP_DEFAULT_AA", "VMW_PSP_RR")
    assert dev.round_robin is not None
    assert (dev.round_robin.policy, dev.round_robin.iops) == ("iops", 8)
    assert dev.round_robin.bytes == 10485760 and dev.round_robin.use_ano is False
    assert dev.working_paths == ("vmhba64:C1:T0:L0", "vmhba64:C0:T0:L0")


def test_nmp_device_list_flattened_alua_and_5x_mru_together() -> None:
    parsed = parse_nmp_device_list(ALUA_FLATTENED + "\n" + MRU_5X)
    assert parsed.kind == OutputKind.OK
    alua, mru = parsed.devices
    assert alua.satp == "VMW_SATP_ALUA" and "TPG_state=AO" in alua.satp_config
    assert alua.round_robin is not None and alua.round_robin.iops == 1000
    assert len(alua.working_paths) == 4
    assert mru.psp == "VMW_PSP_MRU" and mru.round_robin is None
    assert mru.working_paths == ("vmhba0:C0:T3:L1",)


def test_latency_sub_policy_parameters() -> None:
    rr = parse_psp_device_config(LATENCY_CONFIG)
    assert rr is not None
    assert (rr.policy, rr.latency_eval_ms, rr.sampling_ios) == ("latency", 180000, 16)
    assert rr.iops is None and rr.use_ano is False


def test_nmp_path_list_group_states() -> None:
    paths = parse_nmp_path_list(NMP_PATHS).paths
    assert [(p.runtime_name, p.group_state, p.tpg_state) for p in paths] == [
        ("vmhba2:C0:T0:L1", "active", "AO"),
        ("vmhba3:C0:T3:L1", "active unoptimized", "ANO"),
    ]
    assert paths[0].uid.startswith("fc.20000024ff8af5c0:21000024ff8af5c0-fc.")


def test_core_path_list_sas_and_iscsi_samples() -> None:
    parsed = parse_core_path_list(SAS_PATH + "\n" + ISCSI_PATH)
    sas, iscsi = parsed.paths
    assert (sas.runtime_name, sas.adapter, sas.target, sas.lun) == (
        "vmhba2:C0:T0:L0",
        "vmhba2",
        "0",
        0,
    )
    assert sas.state == "active" and sas.transport == "sas"
    assert iscsi.uid.endswith("-naa.6000d31000771000000000000000000d")
    assert (iscsi.device, iscsi.lun, iscsi.target) == (
        "naa.6000d31000771000000000000000000d",
        1,
        "1",
    )
    assert iscsi.target_identifier.endswith("compellent:5000d3100077102b,t,0")


def test_deviceconfig_get_iops_and_pre_67_default() -> None:
    iops = parse_rr_device_config(RR_GET_IOPS)
    assert (iops.kind, iops.policy, iops.iops, iops.latency_eval_ms) == (
        OutputKind.OK,
        "iops",
        8,
        0,
    )
    old = parse_rr_device_config(RR_GET_65)
    assert (old.policy, old.iops, old.sampling_ios) == ("rr", 1000, None)
    assert old.device == "naa.600144f009d4d236000056918f920002"


def test_psp_latency_switch_both_spellings_and_missing_option() -> None:
    assert parse_advanced_value("Value of EnablePSPLatencyPolicy is 0\n").value == 0
    listed = parse_advanced_value(
        "   Path: /Misc/EnablePSPLatencyPolicy\n   Type: integer\n   Int Value: 1\n"
        "   Default Int Value: 1\n"
    )
    assert (listed.kind, listed.value) == (OutputKind.OK, 1)
    missing = parse_advanced_value("Error: Unable to find option EnablePSPLatencyPolicy\n")
    assert missing.kind == OutputKind.ERROR and "Unable to find option" in missing.message


@pytest.mark.parametrize(
    "parser",
    [parse_nmp_device_list, parse_core_path_list, parse_nmp_path_list, parse_rr_device_config],
)
def test_errors_and_garbage_are_named_not_raised(parser) -> None:  # type: ignore[no-untyped-def]
    assert parser("Error: Unknown command or namespace storage nmp foo\n").kind == OutputKind.ERROR
    garbage = parser("<html>502 Bad Gateway</html>\n")
    assert garbage.kind == OutputKind.UNRECOGNISED and "502" in garbage.message
    assert parser("").kind == OutputKind.EMPTY


def test_set_command_is_mutating_and_validates_its_input() -> None:
    cmd = rr_set_command("naa.600a098038304437415d4b6a59684a52", "latency")
    assert cmd.mutating
    assert cmd.line == (
        "esxcli storage nmp psp roundrobin deviceconfig set --type=latency "
        "--device=naa.600a098038304437415d4b6a59684a52"
    )
    iops = rr_set_command("naa.600a098038304437415d4b6a59684a52", "iops", iops=1)
    assert "--type=iops --iops=1 " in iops.line
    with pytest.raises(InvalidToken, match="latency or iops"):
        rr_set_command("naa.600a098038304437415d4b6a59684a52", "bytes")
    with pytest.raises(InvalidToken, match="device"):
        rr_set_command("naa.6; reboot", "latency")
    with pytest.raises(InvalidToken, match="1 to 10000"):
        rr_set_command("naa.600a098038304437415d4b6a59684a52", "iops", iops=0)
    assert not rr_get_command("naa.600a098038304437415d4b6a59684a52").mutating


_PARSERS = (
    parse_nmp_device_list,
    parse_core_path_list,
    parse_nmp_path_list,
    parse_rr_device_config,
    parse_advanced_value,
)
_esxcli_like = st.lists(
    st.one_of(
        st.text(max_size=60),
        st.sampled_from(
            [
                "naa.600a0980",
                "   Path Selection Policy: VMW_PSP_RR",
                "   Path Selection Policy Device Config: {policy=",
                "   Group State: ",
                "   UID: x",
                "   Runtime Name: vmhba1:C0:T0:L",
                "   LUN: 99999999999999999999",
                "   Limit Type: ",
                "Value of X is ",
                "{",
                ":",
            ]
        ),
    ),
    max_size=30,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(_esxcli_like)
def test_no_parser_crashes_on_any_text(text: str) -> None:
    for parser in _PARSERS:
        result = parser(text)
        assert isinstance(result.kind, OutputKind)


def test_every_command_of_the_pane_is_captured() -> None:
    from vconsole.esx.storage import READ_COMMANDS
    from vconsole.sessions.capture import CAPTURE_COMMANDS

    captured = {c.line for c in CAPTURE_COMMANDS}
    assert [c.line for c in READ_COMMANDS if c.line not in captured] == []
