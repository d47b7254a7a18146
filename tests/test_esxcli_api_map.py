"""esxcli over the vSphere API: the console's commands as calls, the answers as the SSH models.

Answers use the shapes of docs/esxcli-api.md §2 (an `ArrayOfDataObject` of `DataObject`s, a
single structure, a bare boolean, `returnval/fault`) and the [V] ping fixture of the reference
(vmkping.md, with ESXi's "Recieved"). Each mapped model is compared with what the SSH text
parser gives for the same facts, so a pane cannot tell which way its host was reached.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.errors import InvalidToken
from vconsole.esx import lacp, storage, vmkping
from vconsole.esx import netinventory as inv
from vconsole.esx.api_calls import NoApiEquivalent, esxcli_call
from vconsole.esx.api_map import decode, map_status
from vconsole.esx.api_ping import API_SILENCE_NOTE, map_ping, note_api_silence
from vconsole.esx.lacp_status import OutputKind
from vconsole.models.mtu import ProbeKind
from vconsole.sessions.esxcli_api import ApiCommandResult
from vconsole.tokens import Command
from vconsole.vim.esxcli import execute_soap_body, parse_response

HEAD = (
    '<obj xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="urn:vim25" versionId="5.0" '
)


def array(*rows: str) -> str:
    body = "".join(f'<DataObject xsi:type="VimEsxCLIrow">{r}</DataObject>' for r in rows)
    return HEAD + f'xsi:type="ArrayOfDataObject">{body}</obj>'


def answer(call_of: Command, xml: str = "", fault: str = "") -> ApiCommandResult:
    call = esxcli_call(call_of)
    parsed = parse_response(xml) if xml else None
    return ApiCommandResult(
        stderr=fault,
        exit=1 if fault else 0,
        duration_s=0.0,
        records=parsed.records if parsed else (),
        method=f"{call.namespace}.{call.method}",
        fault=fault,
    )


# ---------------------------------------------------------------- commands as calls


def test_every_read_command_of_the_panes_has_its_call() -> None:
    from vconsole.sessions.capture import CAPTURE_COMMANDS

    for command in CAPTURE_COMMANDS:
        call = esxcli_call(command)
        assert call.moid == "ha-cli-handler-" + call.namespace.replace(".", "-")
        assert call.method_name.startswith("vim.EsxCLI.") and not call.mutating


def test_writes_keep_their_arguments_and_write_flag() -> None:
    call = esxcli_call(lacp.timeout_set_command("DSwitch AKL", 1052487777, "fast", "vmnic3"))
    assert call.mutating and call.namespace == "network.vswitch.dvs.vmware.lacp.timeout"
    assert call.args == (
        ("lagid", "1052487777"),
        ("timeout", "1"),
        ("dvs", "DSwitch AKL"),
        ("nicname", "vmnic3"),
    )
    rr = esxcli_call(storage.rr_set_command("naa.600a098038304437415d4b6a59684a52", "iops", iops=1))
    assert rr.method == "set" and ("type", "iops") in rr.args and ("iops", "1") in rr.args
    assert rr.line.startswith("esxcli storage nmp psp roundrobin deviceconfig set type=iops")


def test_vmkping_becomes_network_diag_ping_for_both_families() -> None:
    v4 = esxcli_call(
        vmkping.vmkping_command("10.20.0.5", size=8972, vmk="vmk2", netstack="vmotion")
    )
    assert (v4.namespace, v4.method) == ("network.diag", "ping")
    assert dict(v4.args) == {
        "host": "10.20.0.5",
        "interface": "vmk2",
        "netstack": "vmotion",
        "df": "true",
        "size": "8972",
        "count": "2",
        "interval": "0.2",
        "wait": "1",
    }
    v6 = esxcli_call(vmkping.vmkping_command("2001:db8::7", size=1452, family=6, count=1))
    assert dict(v6.args)["ipv6"] == "true" and dict(v6.args)["host"] == "2001:db8::7"


def test_a_command_without_an_api_equivalent_is_refused_by_name() -> None:
    with pytest.raises(NoApiEquivalent) as err:
        esxcli_call(Command.of("bitfusion", "list_gpus"))
    assert "bitfusion list_gpus" in str(err.value)
    with pytest.raises(NoApiEquivalent):
        esxcli_call(Command.of("esxcli", "system", "shutdown", "reboot", "-r", "x"))


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_no_argument_reaches_the_executer_unvalidated(value: str) -> None:
    """Whatever text lands in a value position, the call is refused or the value is a token."""
    try:
        command = Command.of("esxcli", "system", "settings", "advanced", "list", "-o", value)
    except InvalidToken:
        return
    try:
        call = esxcli_call(command)
    except InvalidToken:
        return
    assert call.args == (("option", value),) and value.startswith("/")


def test_the_soap_body_wraps_each_argument_in_its_own_element_escaped() -> None:
    from vconsole.vim.soap import MoRef

    body = execute_soap_body(
        MoRef("ReflectManagedMethodExecuter", "ManagedMethodExecuter-21"),
        "ha-cli-handler-network-vswitch-dvs-vmware-lacp-timeout",
        "urn:vim25/5.0",
        "vim.EsxCLI.network.vswitch.dvs.vmware.lacp.timeout.set",
        (("dvs", "A&B"),),
    ).decode()
    assert "<name>dvs</name><val>&lt;dvs&gt;A&amp;amp;B&lt;/dvs&gt;</val>" in body
    assert '<_this type="ReflectManagedMethodExecuter">ManagedMethodExecuter-21</_this>' in body


# ---------------------------------------------------------------- answers as models


def test_interface_list_maps_to_the_same_model_as_the_text() -> None:
    text = """\
vmk1
   Name: vmk1
   MAC Address: 00:50:56:6a:0b:01
   Enabled: true
   Portset: DvsPortset-0
   Portgroup: N/A
   Netstack Instance: vmotion
   VDS Name: DSwitch-AKL
   VDS UUID: 50 1a
   VDS Port: 12
   VDS Connection: 1
   MTU: 9000
   TSO MSS: 65535
   Port ID: 33554436
"""
    xml = array(
        "<Enabled>true</Enabled><MACAddress>00:50:56:6a:0b:01</MACAddress><MTU>9000</MTU>"
        "<Name>vmk1</Name><NetstackInstance>vmotion</NetstackInstance><PortID>33554436</PortID>"
        "<Portgroup>N/A</Portgroup><Portset>DvsPortset-0</Portset><TSOMSS>65535</TSOMSS>"
        "<VDSConnection>1</VDSConnection><VDSName>DSwitch-AKL</VDSName><VDSPort>12</VDSPort>"
        "<VDSUUID>50 1a</VDSUUID>"
    )
    api = decode(answer(inv.INTERFACE_LIST, xml), inv.parse_interface_list)
    assert api == inv.parse_interface_list(text)
    assert api[0].mtu == 9000 and api[0].netstack == "vmotion"


def test_lacp_status_nested_structures_map_like_the_text() -> None:
    xml = array(
        "<DVSwitch>dvs</DVSwitch><Flags>S - slow</Flags><LAGID>55555</LAGID><Mode>Active</Mode>"
        "<NicList><LocalInformation><AdminKey>7</AdminKey><Flags>FA</Flags><OperKey>7</OperKey>"
        "<PortNumber>2</PortNumber><PortPriority>255</PortPriority>"
        "<PortState>ACT,FTO,AGG,SYN,COL,DIST,</PortState></LocalInformation><Nic>vmnic3</Nic>"
        "<PartnerInformation><Age>00:00:03</Age><DeviceID>00:04:96:34:c8:4f</DeviceID>"
        "<Flags>SA</Flags><OperKey>1039</OperKey><PortNumber>1039</PortNumber>"
        "<PortPriority>0</PortPriority><PortState>ACT,AGG,SYN,COL,DIST,</PortState>"
        "</PartnerInformation><State>Bundled</State></NicList>"
    )
    from test_lacp_parsers import STATUS_51_V

    api = decode(answer(lacp.status_command(), xml), lacp.parse_status)
    text = lacp.parse_status(STATUS_51_V)
    assert api.kind == OutputKind.OK and api.lags == text.lags


def test_a_port_state_sent_as_repeated_elements_reads_the_same() -> None:
    rec = {
        "DVSwitch": "d",
        "LAGID": "1",
        "NicList": {
            "Nic": "vmnic1",
            "State": "Bundled",
            "LocalInformation": {"PortState": ["ACT", "AGG", "SYN"], "Flags": "SA"},
        },
    }
    status = map_status((rec,))
    assert status.lags[0].nics[0].local.port_state == ("ACT", "AGG", "SYN")


def test_no_lag_and_esxcli_faults_keep_their_kinds() -> None:
    empty = decode(
        answer(lacp.status_command(), HEAD + 'xsi:type="ArrayOfDataObject"></obj>'), None
    )  # type: ignore[arg-type]
    assert empty.kind == OutputKind.NO_LAG
    refused = decode(answer(lacp.stats_command(), fault="LACP is disabled on DVSwitch"), None)  # type: ignore[arg-type]
    assert refused.kind == OutputKind.DISABLED


def test_storage_answers_map_like_the_text() -> None:
    device_xml = array(
        "<Device>naa.600a098038304437415d4b6a59684a52</Device>"
        "<DeviceDisplayName>NETAPP Fibre Channel Disk</DeviceDisplayName>"
        "<PathSelectionPolicy>VMW_PSP_RR</PathSelectionPolicy>"
        "<PathSelectionPolicyDeviceConfig>{policy=latency,latencyEvalTime=180000,"
        "samplingCycles=16,curSamplingCycle=1,useANO=0; CurrentPath=vmhba64:C0:T0:L0: "
        "NumIOsPending=0,latency=0}</PathSelectionPolicyDeviceConfig>"
        "<StorageArrayType>VMW_SATP_ALUA</StorageArrayType>"
        "<StorageArrayTypeDeviceConfig>{implicit_support=on}</StorageArrayTypeDeviceConfig>"
        "<WorkingPaths>vmhba64:C0:T0:L0</WorkingPaths><WorkingPaths>vmhba65:C0:T0:L0</WorkingPaths>"
    )
    devices = decode(answer(storage.nmp_device_list_command(), device_xml), None)  # type: ignore[arg-type]
    dev = devices.devices[0]
    assert dev.working_paths == ("vmhba64:C0:T0:L0", "vmhba65:C0:T0:L0")
    assert dev.round_robin is not None and dev.round_robin.policy == "latency"
    assert dev.round_robin.latency_eval_ms == 180000
    rr_xml = (
        HEAD
        + 'xsi:type="VimEsxCLIstoragenmppsproundrobindeviceconfiggetRoundRobinDeviceConfiguration">'
        "<ByteLimit>10485760</ByteLimit><Device>naa.600a098038304437415d4b6a59684a52</Device>"
        "<IOOperationLimit>1000</IOOperationLimit>"
        "<LatencyEvaluationInterval>180000 milliseconds</LatencyEvaluationInterval>"
        "<LimitType>Latency</LimitType><NumberOfSamplingIOsPerPath>16</NumberOfSamplingIOsPerPath>"
        "<UseActiveUnoptimizedPaths>false</UseActiveUnoptimizedPaths></obj>"
    )
    rr = decode(
        answer(storage.rr_get_command("naa.600a098038304437415d4b6a59684a52"), rr_xml), None
    )  # type: ignore[arg-type]
    assert (rr.policy, rr.latency_eval_ms, rr.sampling_ios, rr.use_ano) == (
        "latency",
        180000,
        16,
        False,
    )
    adv = decode(
        answer(
            storage.psp_latency_policy_command(),
            array("<IntValue>1</IntValue><Path>/Misc/EnablePSPLatencyPolicy</Path>"),
        ),
        None,  # type: ignore[arg-type]
    )
    assert adv.value == 1
    missing = decode(
        answer(storage.psp_latency_policy_command(), fault="Unable to find option X"),
        None,  # type: ignore[arg-type]
    )
    assert missing.value is None and "Unable to find option" in missing.message


def test_a_write_answers_a_bare_boolean() -> None:
    parsed = parse_response(HEAD + 'xsi:type="xsd:boolean">true</obj>')
    assert parsed.records == (True,)


# ---------------------------------------------------------------- ping: refusal, black hole, loss


PING_OK_V = (
    '<output xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:type="vim.EsxCLI.network.diag.ping.PingOutput"><Summary><Duplicated>0</Duplicated>'
    "<HostAddr>198.51.100.2</HostAddr><PacketLost>0</PacketLost><Recieved>3</Recieved>"
    "<RoundtripAvgMS>512</RoundtripAvgMS><Transmitted>3</Transmitted></Summary></output>"
)


def test_replies_local_refusal_and_silence_stay_three_different_outcomes() -> None:
    command = vmkping.vmkping_command("198.51.100.2", size=1472, count=3)
    replied = vmkping.probe_outcome(decode(answer(command, PING_OK_V), None), 1472)  # type: ignore[arg-type]
    assert replied.kind == ProbeKind.REPLY and replied.received == 3
    refused_out = decode(answer(command, fault="sendto() failed (Message too long)"), None)  # type: ignore[arg-type]
    refused = vmkping.probe_outcome(refused_out, 1472, 1)
    assert refused.kind == ProbeKind.TOO_LONG
    text = vmkping.parse_vmkping("", "sendto() failed (Message too long)\n")
    assert refused == vmkping.probe_outcome(text, 1472, 1)
    silent_xml = PING_OK_V.replace("<Recieved>3</Recieved>", "<Recieved>0</Recieved>").replace(
        "<PacketLost>0</PacketLost>", "<PacketLost>100</PacketLost>"
    )
    lost = vmkping.probe_outcome(decode(answer(command, silent_xml), None), 1472)  # type: ignore[arg-type]
    assert lost.kind == ProbeKind.LOST
    noted = note_api_silence(lost)
    assert noted.detail.endswith(API_SILENCE_NOTE) and note_api_silence(noted) == noted
    assert note_api_silence(refused) == refused


def test_trace_round_trips_are_microseconds() -> None:
    out = map_ping(
        (
            {
                "Summary": {"Transmitted": 1, "Recieved": 1, "HostAddr": "10.0.0.1"},
                "Trace": {
                    "ReceivedBytes": 1480,
                    "Host": "10.0.0.1",
                    "ICMPSeq": 0,
                    "RoundtripTimeMS": 250,
                },
            },
        )
    )
    assert out.replies[0].time_ms == 0.25 and out.replies[0].size == 1480


def test_an_unknown_interface_is_an_error_not_a_loss() -> None:
    out = map_ping((), "Unknown interface 'vmk9'")
    assert vmkping.probe_outcome(out, 1000, 1).kind == ProbeKind.ERROR


def test_check_answers_map_like_the_text_and_keep_esxcli_faults() -> None:
    from vconsole.esx import hostchecks as hc

    module = hc.module_parameters_command("i40en")
    assert esxcli_call(module).args == (("module", "i40en"),)
    with pytest.raises(InvalidToken):
        esxcli_call(Command.of("esxcli", "system", "module", "parameters", "list", "-m", "a.b"))
    xml = array(
        "<Description>LLDP agent</Description><Name>LLDP</Name><Type>array of int</Type>"
        "<Value>0,0</Value>",
        "<Description>RSS</Description><Name>RSS</Name><Type>array of int</Type><Value></Value>",
    )
    text = (
        "Name  Type          Value  Description\n----  ------------  -----  -----------\n"
        "LLDP  array of int  0,0    LLDP agent\nRSS   array of int         RSS\n"
    )
    api = decode(answer(module, xml), hc.parse_module_parameters)
    assert api == hc.parse_module_parameters(text) and api.get("LLDP").value == "0,0"
    missing = decode(
        answer(module, fault="Unable to find module i40en"), hc.parse_module_parameters
    )
    assert missing.kind is hc.OutputKind.ERROR and "i40en" in missing.message
    devices = array(
        "<Device>mpx.vmhba32:C0:T0:L0</Device><DisplayName>Local USB</DisplayName>"
        "<IsBootDevice>true</IsBootDevice><IsLocal>true</IsLocal><IsUSB>true</IsUSB>"
        "<Model>SDRAID</Model><Size>30436</Size><Vendor>Cypress</Vendor>"
    )
    boot = decode(answer(hc.device_list_command(), devices), hc.parse_device_list).boot_device()
    assert boot is not None and boot.media == "sd" and boot.size_mb == 30436
    extents = array(
        "<DeviceName>mpx.vmhba32:C0:T0:L0</DeviceName><ExtentNumber>0</ExtentNumber>"
        "<Partition>7</Partition><VMFSUUID>x</VMFSUUID><VolumeName>OSDATA-x</VolumeName>"
    )
    osdata = decode(answer(hc.vmfs_extent_list_command(), extents), hc.parse_extent_list).osdata()
    assert osdata == hc.VmfsExtent("OSDATA-x", "mpx.vmhba32:C0:T0:L0", 7)
    odd = decode(answer(hc.vmfs_extent_list_command(), array("<X>1</X>")), hc.parse_extent_list)
    assert odd.kind is hc.OutputKind.UNRECOGNISED
