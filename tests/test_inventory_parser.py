"""The PropertyCollector answer parsers: the fast scanner must say exactly what ElementTree says.

Real answers come from the lab vCenter. A few shapes the simulator never writes (NoPermission in
missingSet, paging tokens, pretty-printed XML, entities) are written by hand after the vim25
WSDL, because no real part here can produce them; each such test says so.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from inventory_helpers import lab_scenario, needs_vcsim, shared_lab
from sessions_helpers import QuietHandler
from vim_answer_helpers import ENVELOPE, answer

from vconsole.models.inventory import ObjectKind
from vconsole.services.inventory_specs import STRUCTURE_SPECS, STRUCTURE_TYPES, VM_SPECS
from vconsole.services.inventory_store import VcenterInventory, vlan_text
from vconsole.vim import soap, transport
from vconsole.vim.parser import AnswerParser, ObjectChange, ObjectProperties
from vconsole.vim.scanner import FastAnswerParser
from vconsole.vim.soap import MoRef


def vm_object(moid: str, name: str, power: str = "poweredOn", extra: str = "") -> str:
    return (
        f'<objects><obj type="VirtualMachine">{moid}</obj>'
        f'<propSet><name>name</name><val xsi:type="xsd:string">{name}</val></propSet>'
        f'<propSet><name>runtime.powerState</name><val xsi:type="VirtualMachinePowerState">{power}'
        "</val></propSet>"
        '<propSet><name>runtime.host</name><val xsi:type="ManagedObjectReference" '
        'type="HostSystem">host-1</val></propSet>'
        '<propSet><name>summary.config.numCpu</name><val xsi:type="xsd:int">2</val></propSet>'
        f"{extra}</objects>"
    )


def parse_both(data: bytes, chunk: int) -> tuple[list[Any], list[Any], Any, Any]:
    fast, slow = FastAnswerParser(), AnswerParser()
    got_fast: list[Any] = []
    for i in range(0, len(data), chunk):
        got_fast += fast.feed(data[i : i + chunk])
    got_fast += fast.close()
    got_slow = slow.feed(data) + slow.close()
    return got_fast, got_slow, fast.tail, slow.tail


@pytest.mark.parametrize("chunk", [1, 5, 64, 100_000])
def test_chunk_boundaries_do_not_change_the_result(chunk: int) -> None:
    data = answer(
        "RetrievePropertiesEx",
        "<token>page-2</token>"
        + vm_object("vm-1", "web&amp;db &lt;01&gt;")
        + vm_object("vm-2", "b"),
    )
    fast, slow, fast_tail, slow_tail = parse_both(data, chunk)
    assert fast == slow
    assert [o.props["name"] for o in fast] == ["web&db <01>", "b"]
    assert fast[0].props["runtime.host"] == MoRef("HostSystem", "host-1")
    assert fast[0].props["summary.config.numCpu"] == 2
    assert fast_tail.token == slow_tail.token == "page-2"


def test_pretty_printed_answer_takes_the_slow_path_and_agrees() -> None:
    """Whitespace between elements (no vCenter writes it; a proxy might): same objects."""
    pretty = vm_object("vm-7", "pretty").replace("><", ">\n  <")
    fast, slow, _, _ = parse_both(answer("RetrievePropertiesEx", pretty), 4096)
    assert fast == slow and fast[0].props["name"] == "pretty"


def test_no_permission_objects_are_kept_and_marked() -> None:
    """Hand-written after the WSDL: the simulator never denies a property to a logged-in user."""
    denied = (
        '<objects><obj type="VirtualMachine">vm-9</obj>'
        '<missingSet><path>name</path><fault><fault xsi:type="NoPermission">'
        '<object type="VirtualMachine">vm-9</object><privilegeId>System.Read</privilegeId>'
        "</fault><localizedMessage>Permission to perform this operation was denied.</localizedMessage>"
        "</fault></missingSet>"
        '<missingSet><path>runtime.powerState</path><fault><fault xsi:type="NoPermission">'
        "<privilegeId>System.Read</privilegeId></fault></fault></missingSet></objects>"
    )
    data = answer("RetrievePropertiesEx", vm_object("vm-1", "ok") + denied)
    fast, slow, _, _ = parse_both(data, 333)
    assert fast == slow
    assert [m.fault for m in fast[1].missing] == ["NoPermission", "NoPermission"]
    store = VcenterInventory("vc01")
    store.add(fast)
    row = store.rows["vm-9"]
    assert row.name == "vm-9" and row.denied == ("name", "runtime.powerState")
    assert row.access == "no permission"
    assert store.rows["vm-1"].access == ""


def test_update_answer_enter_modify_leave_and_version() -> None:
    objects = (
        '<filterSet><filter type="PropertyFilter">f1</filter>'
        '<objectSet><kind>modify</kind><obj type="VirtualMachine">vm-1</obj>'
        "<changeSet><name>runtime.powerState</name><op>assign</op>"
        '<val xsi:type="VirtualMachinePowerState">poweredOff</val></changeSet>'
        "<changeSet><name>guest.ipAddress</name><op>assign</op></changeSet></objectSet>"
        '<objectSet><kind>leave</kind><obj type="VirtualMachine">vm-2</obj></objectSet>'
        '<objectSet><kind>enter</kind><obj type="Datastore">ds-1</obj>'
        '<changeSet><name>host</name><op>assign</op><val xsi:type="ArrayOfDatastoreHostMount">'
        '<DatastoreHostMount><key type="HostSystem">host-1</key><mountInfo><accessMode>readWrite'
        "</accessMode></mountInfo></DatastoreHostMount></val></changeSet></objectSet></filterSet>"
        "<version>7</version><truncated>true</truncated>"
    )
    data = answer(
        "WaitForUpdatesEx", "<version>7</version>" + objects.replace("<version>7</version>", "")
    )
    fast, slow, tail, _ = parse_both(data, 50)
    assert fast == slow
    modify, leave, enter = fast
    assert isinstance(modify, ObjectChange)
    assert modify.props == {"runtime.powerState": "poweredOff"}
    assert modify.removed == ("guest.ipAddress",)
    assert (leave.kind, leave.ref) == ("leave", MoRef("VirtualMachine", "vm-2"))
    assert enter.props["host"][0]["key"] == MoRef("HostSystem", "host-1")
    assert tail.version == "7" and tail.truncated is True


def test_fault_answer() -> None:
    data = ENVELOPE.format(
        "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
        "<faultstring>The session is not authenticated.</faultstring><detail>"
        '<NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated">'
        '<object type="Folder">group-d1</object><privilegeId>System.View</privilegeId>'
        "</NotAuthenticatedFault></detail></soapenv:Fault>"
    ).encode()
    fast, slow, tail, slow_tail = parse_both(data, 17)
    assert fast == slow == []
    assert tail.fault is not None and tail.fault.kind == "NotAuthenticated"
    assert tail.fault.message == "The session is not authenticated."
    assert slow_tail.fault == tail.fault


def test_vlan_text_of_port_configs() -> None:
    assert (
        vlan_text({"vlan": {"_type": "VmwareDistributedVirtualSwitchVlanIdSpec", "vlanId": "120"}})
        == "120"
    )
    assert vlan_text({"vlan": {"vlanId": {"start": "0", "end": "4094"}}}) == "trunk 0-4094"
    assert (
        vlan_text(
            {"vlan": {"vlanId": [{"start": "10", "end": "10"}, {"start": "20", "end": "29"}]}}
        )
        == "trunk 10,20-29"
    )
    assert vlan_text({"vlan": {"pvlanId": "301"}}) == "pvlan 301"
    assert vlan_text(None) == ""


@needs_vcsim
@pytest.mark.parametrize("chunk", [97, 4096, 262_144])
def test_real_lab_answers_parse_the_same_both_ways(chunk: int) -> None:
    from pyVim.connect import SmartConnect

    lab = shared_lab("default", lab_scenario)
    si = SmartConnect(
        host=lab.host, port=lab.port, user=lab.user, pwd=lab.password, protocol="http"
    )
    content = si.content
    stub = si._stub
    collector = MoRef("PropertyCollector", content.propertyCollector._moId)
    view_manager = MoRef("ViewManager", content.viewManager._moId)
    root = MoRef("Folder", content.rootFolder._moId)
    for types, specs in ((STRUCTURE_TYPES, STRUCTURE_SPECS), (("VirtualMachine",), VM_SPECS)):
        view = transport.post(stub, soap.create_container_view(view_manager, root, types)).returned
        body = soap.retrieve_properties_ex(collector, view, specs, None)
        raw = _raw(stub, body)
        fast, slow, _, _ = parse_both(raw, chunk)
        assert fast == slow and len(fast) > 5
        assert all(
            isinstance(o, ObjectProperties) and o.props.get("name")
            for o in fast
            if o.ref.type != "DistributedVirtualPortgroup" or o.props
        )


def _raw(stub: Any, body: bytes) -> bytes:
    conn = stub.GetConnection()
    headers = {"Cookie": transport.session_cookie(stub), "SOAPAction": stub.versionId}
    conn.request("POST", stub.path, body, headers)
    data: bytes = conn.getresponse().read()
    stub.ReturnConnection(conn)
    return data


# -- paging over a real HTTP server (the simulator never pages) --------------------------------
class _PagingHandler(QuietHandler):
    """Answers RetrievePropertiesEx with page 1 and a token, ContinueRetrievePropertiesEx after."""

    requests: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).requests.append(body)
        if b"<RetrievePropertiesEx" in body:
            data = answer("RetrievePropertiesEx", "<token>t1</token>" + vm_object("vm-1", "a"))
        elif b"<token>t1</token>" in body:
            data = answer(
                "ContinueRetrievePropertiesEx", "<token>t2</token>" + vm_object("vm-2", "b")
            )
        elif b"<token>t2</token>" in body:
            data = answer("ContinueRetrievePropertiesEx", vm_object("vm-3", "c"))
        else:
            data = answer("CreateContainerView", "")
            data = data.replace(
                b"<returnval></returnval>", b'<returnval type="ContainerView">view-1</returnval>'
            )
        self.answer(data, "text/xml")


class _Conn:
    """Stands in for VimConnection around a stub that talks to the paging server."""

    def __init__(self, port: int) -> None:
        from pyVmomi import SoapAdapter, vim

        self.si = type("SI", (), {})()
        self.si._stub = SoapAdapter.SoapStubAdapter(
            host="127.0.0.1", port=-port, version="vim.version.version9"
        )
        self.content = type(
            "Content",
            (),
            {
                "propertyCollector": vim.PropertyCollector("propertyCollector"),
                "viewManager": vim.view.ViewManager("ViewManager"),
                "rootFolder": vim.Folder("group-d1"),
            },
        )()

    async def call(self, fn: Any, *args: Any, what: str = "") -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


@pytest.fixture
def paging_server() -> Iterator[int]:
    _PagingHandler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PagingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()


async def test_pages_follow_the_token_until_the_last(paging_server: int, tmp_path: Path) -> None:
    from vconsole.vim.collector import PropertyReader

    reader = PropertyReader(_Conn(paging_server))
    batches = [batch async for batch in reader.stream(("VirtualMachine",), VM_SPECS, page_size=1)]
    assert [o.props["name"] for batch in batches for o in batch] == ["a", "b", "c"]
    assert len(batches) == 3  # each page reaches the caller on its own
    sent = _PagingHandler.requests
    assert b"<maxObjects>1</maxObjects>" in sent[1]
    assert b"<ContinueRetrievePropertiesEx" in sent[2] and b"<token>t1</token>" in sent[2]
    assert b"<token>t2</token>" in sent[3] and b"<DestroyView" in sent[-1]
    store = VcenterInventory("vc01")
    for batch in batches:
        store.add(batch)  # type: ignore[arg-type]
    assert sorted(r.name for r in store.rows.values() if r.kind == ObjectKind.VM) == ["a", "b", "c"]
