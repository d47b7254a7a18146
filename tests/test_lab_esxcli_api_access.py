"""esxcli over the vSphere API, continued: pings against the same path-MTU model as SSH vmkping,
hosts without SSH or in lockdown, discovery (type manager, CLI info) and every kind of fault.
"""

from __future__ import annotations

import re
import socket
from typing import Any

import paramiko
import pytest
from esxcli_api_helpers import as_list, execute, executer, mo_filter, rows, type_manager
from esxcli_lab_helpers import (
    DOWN,
    LACP_HOST,
    LOCKED,
    NO_SSH,
    STORAGE_HOST,
    ApiLab,
    api_lab_fixture,
    api_scenario,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pyVmomi import vmodl
from vcsim_helpers import host_named, lab_test

from vconsole.lab.esxi import EsxiLab

lab = api_lab_fixture()


PINGS = [
    # (host, vmk, target, size): a reply, a local refusal, a black hole
    (STORAGE_HOST, "vmk0", "10.0.10.12", 1472),
    (STORAGE_HOST, "vmk0", "10.0.10.12", 1473),
    ("esx-wlg-01", "vmk0", "10.0.10.11", 1300),
    ("esx-wlg-01", "vmk0", "10.0.10.11", 1200),
]


@lab_test
@pytest.mark.parametrize("host,vmk,target,size", PINGS)
def test_ping_outcome_is_the_ssh_outcome(
    lab: ApiLab, host: str, vmk: str, target: str, size: int
) -> None:
    result = execute(lab.mme(host), "network diag ping", host=target, interface=vmk, size=size,
                     df=True, count=2, wait="0.05", interval="0.05")  # fmt: skip
    ssh = lab.shell.run(
        host,
        f"esxcli network diag ping -H {target} -I {vmk} -s {size} -d -c 2 -W 0.05 -i 0.05",
    )
    if ssh.exit:
        assert result.fault.faultMsg == ssh.stderr.strip().removeprefix("Error: ")
        assert result.fault.faultMsg == "sendto() failed (Message too long)"
        return
    (answer,) = rows(result.response)
    received = int(re.search(r"Recieved: (\d+)", ssh.stdout).group(1))
    assert int(answer["Summary"]["Recieved"]) == received
    assert int(answer["Summary"]["PacketLost"]) == 100 - 50 * received
    assert len(as_list(answer.get("Trace"))) == received
    for trace in as_list(answer.get("Trace")):
        assert int(trace["ReceivedBytes"]) == size + 8 and int(trace["RoundtripTimeMS"]) > 0


def ssh_ping_outcome(ssh: Any) -> str:
    if ssh.exit:
        return "refused: " + ssh.stderr.strip().removeprefix("Error: ")
    return "received " + re.search(r"Recieved: (\d+)", ssh.stdout).group(1)


def api_ping_outcome(result: Any) -> str:
    if result.fault is not None:
        return "refused: " + result.fault.faultMsg
    (answer,) = rows(result.response)
    return "received " + answer["Summary"]["Recieved"]


@lab_test
@settings(max_examples=12, deadline=None)
@given(
    route=st.sampled_from(
        [(STORAGE_HOST, "vmk0", "10.0.10.12"), ("esx-wlg-01", "vmk0", "10.0.10.11"),
         ("esx-wlg-01", "vmk1", "192.168.101.11")]
    ),
    size=st.integers(1100, 1600),
    df=st.booleans(),
)  # fmt: skip
def test_any_ping_has_the_same_outcome_over_api_and_ssh(
    lab: ApiLab, route: tuple[str, str, str], size: int, df: bool
) -> None:
    host, vmk, target = route
    result = execute(lab.mme(host), "network diag ping", host=target, interface=vmk, size=size,
                     df=df, count=1, wait="0.02")  # fmt: skip
    flag = " -d" if df else ""
    ssh = lab.shell.run(
        host, f"esxcli network diag ping -H {target} -I {vmk} -s {size}{flag} -c 1 -W 0.02"
    )
    assert api_ping_outcome(result) == ssh_ping_outcome(ssh)


@lab_test
def test_path_mtu_learned_through_the_api_refuses_the_next_ssh_probe(lab: ApiLab) -> None:
    # AKL's WAN router answers "fragmentation needed": the probe is lost, the host learns.
    args = {"host": "10.0.10.11", "interface": "vmk1", "size": 1450, "df": True, "count": 1,
            "wait": "0.05"}  # fmt: skip
    first = execute(lab.mme(LACP_HOST), "network diag ping", **args)
    (answer,) = rows(first.response)
    assert answer["Summary"]["Recieved"] == "0" and "Trace" not in answer
    ssh = lab.shell.run(LACP_HOST, "esxcli network diag ping -H 10.0.10.11 -I vmk1 -s 1450 -d -c 1")
    assert ssh.exit == 1 and "Message too long" in ssh.stderr
    again = execute(lab.mme(LACP_HOST), "network diag ping", **args)
    assert again.fault.faultMsg == "sendto() failed (Message too long)"


@lab_test
def test_host_without_ssh_refuses_connections_but_answers_through_vcenter(lab: ApiLab) -> None:
    addr, port = lab.esxi.endpoints[NO_SSH]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((addr, port), timeout=5).close()
    vmks = lab.api(NO_SSH, "network ip interface list")
    (host,) = [h for h in api_scenario().hosts if h.name == NO_SSH]
    expected = {v.name: v.mtu for v in host.vmks}
    assert {v["Name"]: int(v["MTU"]) for v in vmks} == expected


@lab_test
def test_locked_down_host_refuses_ssh_logins_but_answers_through_vcenter(lab: ApiLab) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        lab.shell.run(LOCKED, "esxcli network nic list")
    assert lab.api(LOCKED, "network nic list")
    host = host_named(lab.content, LOCKED)
    assert host.config.lockdownMode == "lockdownNormal"
    assert host_named(lab.content, STORAGE_HOST).config.lockdownMode in (
        None,
        "",
        "lockdownDisabled",
    )


@lab_test
def test_handler_objects_are_found_by_type_substring(lab: ApiLab) -> None:
    dtm = type_manager(host_named(lab.content, STORAGE_HOST))
    found = {(m.id, m.moType) for m in dtm.QueryMoInstances(mo_filter("storage.nmp"))}
    assert ("ha-cli-handler-storage-nmp-device", "vim.EsxCLI.storage.nmp.device") in found
    assert ("ha-cli-handler-storage-nmp-psp-roundrobin-deviceconfig",
            "vim.EsxCLI.storage.nmp.psp.roundrobin.deviceconfig") in found  # fmt: skip
    assert all("storage.nmp" in t for _, t in found)


@lab_test
def test_type_info_lists_methods_and_parameters(lab: ApiLab) -> None:
    dtm = type_manager(host_named(lab.content, STORAGE_HOST))
    info = dtm.QueryTypeInfo(mo_filter("vim.EsxCLI.network.diag"))
    (ping_type,) = info.managedTypeInfo
    (ping,) = ping_type.method
    assert (ping_type.name, ping.name, ping.wsdlName) == (
        "vim.EsxCLI.network.diag",
        "ping",
        "VimEsxCLInetworkdiagping",
    )
    params = {p.name: (p.type, bool(p.annotation)) for p in ping.paramTypeInfo}
    assert params["host"] == ("string", False)
    assert params["size"] == ("long", True) and params["df"] == ("boolean", True)
    assert ping.returnTypeInfo.type == "vim.EsxCLI.network.diag.ping.VMKPing"


@lab_test
def test_cli_info_gives_govc_the_options_of_a_namespace(lab: ApiLab) -> None:
    from esxcli_api_helpers import argument

    result = lab.mme(STORAGE_HOST).ExecuteSoap(
        moid="ha-dynamic-type-manager-local-cli-cliinfo",
        version="urn:vim25/5.0",
        method="vim.CLIInfo.FetchCLIInfo",
        argument=[argument("typeName", "vim.EsxCLI.storage.nmp.psp.roundrobin.deviceconfig")],
    )
    (info,) = rows(result.response)
    methods = {m["name"]: m for m in as_list(info["method"])}
    assert set(methods) == {"get", "set"}
    aliases = {p["name"]: as_list(p["aliases"]) for p in as_list(methods["set"]["param"])}
    assert aliases["iops"] == ["--iops", "-I"]
    assert aliases["numsamplingcycles"] == ["--num-sampling-cycles", "-S"]


@lab_test
@pytest.mark.parametrize(
    "moid,method,args,invalid",
    [
        ("ha-cli-handler-network-foo", "vim.EsxCLI.network.foo.list", {}, "moid"),
        ("ha-cli-handler-network-nic", "vim.EsxCLI.network.nic.frobnicate", {}, "method"),
        ("ha-cli-handler-network-nic", "vim.EsxCLI.storage.nmp.device.list", {}, "method"),
        ("ha-cli-handler-network-nic", "vim.EsxCLI.network.nic.list", {"bogus": "1"}, "bogus"),
        ("ha-cli-handler-network-diag", "vim.EsxCLI.network.diag.ping", {"size": "x"}, "size"),
    ],
)
def test_unknown_namespace_method_or_parameter_is_an_invalid_argument_fault(
    lab: ApiLab, moid: str, method: str, args: dict[str, str], invalid: str
) -> None:
    from esxcli_api_helpers import argument

    mme = lab.mme(STORAGE_HOST)
    arguments = [argument(k, v) for k, v in args.items()]
    if method.endswith("ping"):
        arguments.append(argument("host", "10.0.10.12"))
    with pytest.raises(vmodl.fault.InvalidArgument) as raised:
        mme.ExecuteSoap(moid=moid, version="urn:vim25/5.0", method=method, argument=arguments)
    assert raised.value.invalidProperty == invalid


@lab_test
def test_esxcli_refusal_is_a_result_fault(lab: ApiLab) -> None:
    result = execute(lab.mme(STORAGE_HOST), "storage nmp psp roundrobin deviceconfig get",
                     device="naa.nope")  # fmt: skip
    assert result.response is None
    assert result.fault.faultMsg == "Unknown device naa.nope"


@lab_test
def test_host_vcenter_cannot_reach_gives_host_faults(lab: ApiLab) -> None:
    with pytest.raises(vmodl.fault.HostNotConnected):
        executer(host_named(lab.content, DOWN))
    mme = lab.mme("esx-wlg-02")
    lab.esxi.set_down("esx-wlg-02", True)
    try:
        with pytest.raises(vmodl.fault.HostCommunication):
            execute(mme, "network nic list")
    finally:
        lab.esxi.set_down("esx-wlg-02", False)
    assert execute(mme, "network nic list").response


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40))
def test_argument_value_survives_the_xml_wrapping(text: str) -> None:
    from xml.sax.saxutils import escape

    from vconsole.lab.esxi.api_xml import argument_values

    assert argument_values("host", f"<host>{escape(text)}</host>") == [text]
    assert argument_values("nic", "<nic>a</nic><nic>b</nic>") == ["a", "b"]


@pytest.mark.parametrize(
    "key,value,accepted",
    [("lockdown", "sometimes", "disabled, normal, strict"), ("ssh", "no", "true or false")],
)
def test_bad_host_access_key_is_refused_by_name(key: str, value: str, accepted: str) -> None:
    from vconsole.lab.scenario import ScenarioError, scenario_from_dict

    data = {
        "site": [{"name": "HQ", "hq": True}],
        "host": [{"name": "esx1", "site": "HQ", "cluster": "C", key: value}],
    }
    with pytest.raises(ScenarioError, match=f"host\\[0\\] \\(esx1\\): {key}.*{accepted}"):
        scenario_from_dict(data)


def test_host_agent_answers_only_the_lab_vcenter_token(tmp_path: Any) -> None:
    import json
    import urllib.error
    import urllib.request

    lab = EsxiLab(api_scenario(), tmp_path)
    lab.start()
    try:
        url = lab.agents.urls()[STORAGE_HOST]
        body = json.dumps(
            {
                "call": "ExecuteSoap",
                "moid": "ha-cli-handler-network-nic",
                "version": "urn:vim25/5.0",
                "method": "vim.EsxCLI.network.nic.list",
            }
        )

        def post(token: str, to: str = url) -> tuple[int, dict[str, Any]]:
            req = urllib.request.Request(to, data=body.encode(),
                                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    return resp.status, json.loads(resp.read())
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read())

        assert post("guess")[0] == 401
        assert post(lab.agents.token, url.rsplit("/", 1)[0] + "/nosuch")[0] == 404
        status, answer = post(lab.agents.token)
        assert status == 200 and "VimEsxCLInetworkniclistNic" in answer["response"]
        assert "<Name>vmnic" in answer["response"]
        lab.set_down(STORAGE_HOST, True)
        assert post(lab.agents.token)[0] == 503
    finally:
        lab.stop()


def test_host_agent_keeps_a_connection_alive_and_closes_it_after_a_refusal(
    tmp_path: Any,
) -> None:
    """The lab vCenter reuses its connection to the agent; a refused call (whose body the agent
    never read) ends the connection, so the next call cannot be read from a stale body."""
    import http.client
    import json
    from urllib.parse import urlsplit

    lab = EsxiLab(api_scenario(), tmp_path)
    lab.start()
    try:
        url = urlsplit(lab.agents.urls()[STORAGE_HOST])
        body = json.dumps({"call": "QueryMoInstances", "typeSubstr": "network.nic"}).encode()
        conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
        opened = lab.agents.connections
        answers = []
        for token in (lab.agents.token, lab.agents.token, "guess"):
            conn.request("POST", url.path, body, {"Authorization": f"Bearer {token}"})
            resp = conn.getresponse()
            answers.append((resp.status, resp.will_close, json.loads(resp.read())))
        conn.close()
        assert [(status, closes) for status, closes, _ in answers] == [
            (200, False),
            (200, False),
            (401, True),
        ]
        assert answers[0][2]["instances"] == [
            {"id": "ha-cli-handler-network-nic", "moType": "vim.EsxCLI.network.nic"}
        ]
        assert lab.agents.connections - opened == 1
    finally:
        lab.stop()
