"""Edge shapes of PropertyCollector answers: the fast scanner, ElementTree and pyVmomi agree.

The simulator never writes these shapes (empty data objects, a default namespace on `objects`,
`vim25:` prefixes, entities in moids and names, characters by reference, raw CR, single-quoted
attributes, filter-level missingSet, repeated changeSet entries, a fault without detail), so the
answers are generated after the vim25 WSDL and pyVmomi's deserializer is the referee. The
property tests also spell the value types the simulator's way (a schema-instance declaration on
each `val`).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from vim_answer_helpers import ENVELOPE, answer

from vconsole.vim.parser import AnswerParser, MissingObject, ObjectChange, ObjectProperties
from vconsole.vim.scanner import FastAnswerParser
from vconsole.vim.soap import MoRef


def fast_parse(data: bytes, chunk: int = 7) -> tuple[list[Any], Any]:
    parser = FastAnswerParser()
    out: list[Any] = []
    for i in range(0, len(data), chunk):
        out += parser.feed(data[i : i + chunk])
    return out + parser.close(), parser.tail


def slow_parse(data: bytes) -> tuple[list[Any], Any]:
    parser = AnswerParser()
    return parser.feed(data) + parser.close(), parser.tail


def both(data: bytes) -> list[Any]:
    fast, fast_tail = fast_parse(data)
    slow, slow_tail = slow_parse(data)
    assert fast == slow
    assert fast_tail == slow_tail
    return fast


def one_prop(val: str, name: str = "config", moid: str = "datacenter-2") -> bytes:
    return answer(
        "RetrievePropertiesEx",
        f'<objects><obj type="Datacenter">{moid}</obj>'
        f"<propSet><name>{name}</name>{val}</propSet></objects>",
    )


# ---------------------------------------------------------------- 6: empty data objects


def test_6_empty_data_object_keeps_its_type() -> None:
    (obj,) = both(one_prop('<val xsi:type="DatacenterConfigInfo"></val>'))
    assert obj.props["config"] == {"_type": "DatacenterConfigInfo"}


def test_6_nested_empty_data_object_keeps_its_type() -> None:
    val = (
        '<val xsi:type="HostMultipathInfoPath"><key>k</key><name>vmhba2:C0:T0:L0</name>'
        '<transport xsi:type="HostSerialAttachedTargetTransport"></transport></val>'
    )
    (obj,) = both(one_prop(val))
    assert obj.props["config"]["transport"] == {"_type": "HostSerialAttachedTargetTransport"}


def test_6_an_empty_string_stays_a_string() -> None:
    (obj,) = both(one_prop('<val xsi:type="xsd:string"></val>'))
    assert obj.props["config"] == ""


# ---------------------------------------------------------------- 7: fast path only


def test_7_default_namespace_on_objects_loses_nothing() -> None:
    data = answer(
        "RetrievePropertiesEx",
        '<token>t2</token><objects xmlns="urn:vim25"><obj type="VirtualMachine">vm-1</obj>'
        '<propSet><name>name</name><val xsi:type="xsd:string">a</val></propSet></objects>',
    )
    (obj,), tail = fast_parse(data)
    assert obj.props == {"name": "a"} and tail.token == "t2"


def test_7_prefixed_elements_lose_nothing() -> None:
    data = answer(
        "WaitForUpdatesEx",
        '<vim25:version>9</vim25:version><vim25:filterSet><vim25:filter type="PropertyFilter">f'
        '</vim25:filter><vim25:objectSet><vim25:kind>enter</vim25:kind><vim25:obj type="Network">'
        "network-1</vim25:obj><vim25:changeSet><vim25:name>name</vim25:name><vim25:op>assign"
        '</vim25:op><vim25:val xsi:type="xsd:string">VM Network</vim25:val></vim25:changeSet>'
        "</vim25:objectSet></vim25:filterSet>",
        prefix="vim25",
    )
    (change,), tail = fast_parse(data)
    assert change.props == {"name": "VM Network"} and tail.version == "9"


def test_7_entities_in_moids_and_names_are_decoded() -> None:
    data = one_prop(
        '<val xsi:type="xsd:int">1</val>',
        name="portgroup[&quot;R&amp;D&quot;].port",
        moid="HaNetwork-R&amp;D",
    )
    (obj,) = both(data)
    assert obj.ref == MoRef("Datacenter", "HaNetwork-R&D")
    assert obj.props == {'portgroup["R&D"].port': 1}


def test_7_character_references_are_xml_not_html_and_cr_is_normalised() -> None:
    (obj,) = both(one_prop('<val xsi:type="xsd:string">a&#150;b&#13;\r\nc\rd&#x1F600;</val>'))
    assert obj.props["config"] == "a\x96b\r\nc\nd\U0001f600"


def test_7_single_quoted_attributes_keep_types() -> None:
    data = answer(
        "RetrievePropertiesEx",
        '<objects><obj type="VirtualMachine">vm-1</obj>'
        "<propSet><name>n</name><val xsi:type='xsd:int'>5</val></propSet>"
        "<propSet><name>h</name><val xsi:type='ManagedObjectReference' type='HostSystem'>"
        "host-1</val></propSet></objects>",
    )
    (obj,) = both(data)
    assert obj.props == {"n": 5, "h": MoRef("HostSystem", "host-1")}


# ---------------------------------------------------------------- 8: both paths

GONE = (
    '<missingSet><obj type="VirtualMachine">vm-9</obj><fault><fault '
    'xsi:type="ManagedObjectNotFound"><obj type="VirtualMachine">vm-9</obj></fault>'
    "<localizedMessage>The object has already been deleted.</localizedMessage></fault>"
    "</missingSet>"
)


def test_8_filter_level_missing_set_is_surfaced() -> None:
    data = answer(
        "WaitForUpdatesEx",
        f'<version>4</version><filterSet><filter type="PropertyFilter">f</filter>{GONE}'
        "</filterSet>",
    )
    fast, fast_tail = fast_parse(data)
    slow, slow_tail = slow_parse(data)
    assert fast == slow == []
    expected = [
        MissingObject(
            MoRef("VirtualMachine", "vm-9"),
            "ManagedObjectNotFound",
            "The object has already been deleted.",
        )
    ]
    assert fast_tail.missing_objects == slow_tail.missing_objects == expected


def test_8_repeated_change_set_entries_are_all_kept_and_add_is_not_assign() -> None:
    data = answer(
        "WaitForUpdatesEx",
        '<version>5</version><filterSet><filter type="PropertyFilter">f</filter><objectSet>'
        '<kind>modify</kind><obj type="HostSystem">host-1</obj>'
        '<changeSet><name>vm</name><op>add</op><val xsi:type="ManagedObjectReference" '
        'type="VirtualMachine">vm-1</val></changeSet>'
        '<changeSet><name>vm</name><op>add</op><val xsi:type="ManagedObjectReference" '
        'type="VirtualMachine">vm-2</val></changeSet>'
        '<changeSet><name>name</name><op>assign</op><val xsi:type="xsd:string">a</val></changeSet>'
        '<changeSet><name>name</name><op>assign</op><val xsi:type="xsd:string">b</val></changeSet>'
        "</objectSet></filterSet>",
    )
    (change,) = both(data)
    assert isinstance(change, ObjectChange)
    assert [(c.name, c.op, c.value) for c in change.changes] == [
        ("vm", "add", MoRef("VirtualMachine", "vm-1")),
        ("vm", "add", MoRef("VirtualMachine", "vm-2")),
        ("name", "assign", "a"),
        ("name", "assign", "b"),
    ]
    assert change.props == {"name": "b"}


def test_8_fault_without_detail_is_a_client_fault() -> None:
    data = ENVELOPE.format(
        "<soapenv:Fault><faultcode>ClientFaultCode</faultcode>"
        "<faultstring>Unsupported version URI &quot;urn:vim25/9.9&quot;</faultstring>"
        "</soapenv:Fault>"
    ).encode()
    for _, tail in (fast_parse(data), slow_parse(data)):
        assert tail.fault.kind == "ClientFault"
        assert tail.fault.message == 'Unsupported version URI "urn:vim25/9.9"'


# ---------------------------------------------------------------- differential


_CHARS = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\r\n\t&<>\"'")


@st.composite
def xml_text(draw: st.DrawFn, min_size: int = 0) -> str:
    """Text written the ways servers and proxies write it: raw, or by character reference."""
    out = []
    for ch in draw(st.text(alphabet=_CHARS, min_size=min_size, max_size=12)):
        how = draw(st.sampled_from(("raw", "dec", "hex")))
        if ch == "&" or ch == "<" or (how != "raw" and ch not in "\r\n"):
            named = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}
            out.append(named.get(ch) if how == "raw" else f"&#{ord(ch)};")
            if how == "hex":
                out[-1] = f"&#x{ord(ch):X};"
        else:
            out.append(ch)
    return "".join(out)


_VALUES = st.one_of(
    st.tuples(st.just("xsd:string"), xml_text()),
    st.tuples(st.just("xsd:int"), st.integers(-(2**31), 2**31 - 1).map(str)),
    st.tuples(st.just("xsd:long"), st.integers(-(2**63), 2**63 - 1).map(str)),
    st.tuples(st.just("xsd:boolean"), st.sampled_from(["true", "false"])),
    st.tuples(st.just("VirtualMachinePowerState"), st.sampled_from(["poweredOn", "suspended"])),
    st.tuples(st.just("MoRef"), xml_text(min_size=1)),
    st.tuples(st.just("DatacenterConfigInfo"), st.just("")),
)
_NAMES = st.sampled_from(["name", "config", "portgroup[&quot;R&amp;D&quot;]", "a&#150;b"])


XSI_SPELLINGS = st.sampled_from(["xsi", "XMLSchema-instance", "i"])
"""The envelope's `xsi`, or a prefix each `val` declares itself (as govmomi's simulator does)."""


def _val(p: str, q: str, value: tuple[str, str], x: str = "xsi") -> str:
    xtype, text = value
    declare = "" if x == "xsi" else f" xmlns:{x}={q}http://www.w3.org/2001/XMLSchema-instance{q}"
    if xtype == "MoRef":
        return (
            f"<{p}val{declare} {x}:type={q}ManagedObjectReference{q} type={q}HostSystem{q}>"
            f"{text}</{p}val>"
        )
    return f"<{p}val{declare} {x}:type={q}{xtype}{q}>{text}</{p}val>"


@st.composite
def retrieve_answer(draw: st.DrawFn) -> bytes:
    p = draw(st.sampled_from(["", "vim25:"]))
    q = draw(st.sampled_from(['"', "'"]))
    x = draw(XSI_SPELLINGS)
    ns = draw(st.sampled_from(["", ' xmlns="urn:vim25"'])) if not p else ""
    objects = []
    for _ in range(draw(st.integers(1, 3))):
        props = "".join(
            f"<{p}propSet><{p}name>{draw(_NAMES)}</{p}name>{_val(p, q, draw(_VALUES), x)}"
            f"</{p}propSet>"
            for _ in range(draw(st.integers(0, 3)))
        )
        moid = draw(xml_text(min_size=1))
        objects.append(
            f'<{p}objects{ns}><{p}obj type="VirtualMachine">{moid}</{p}obj>{props}</{p}objects>'
        )
    return answer("RetrievePropertiesEx", "".join(objects), prefix="vim25" if p else "")


@st.composite
def update_answer(draw: st.DrawFn) -> bytes:
    p = draw(st.sampled_from(["", "vim25:"]))
    q = draw(st.sampled_from(['"', "'"]))
    x = draw(XSI_SPELLINGS)
    sets = []
    for _ in range(draw(st.integers(0, 3))):
        changes = []
        for _ in range(draw(st.integers(0, 4))):
            op = draw(st.sampled_from(["assign", "add", "remove", "indirectRemove"]))
            val = "" if op.endswith("emove") else _val(p, q, draw(_VALUES), x)
            changes.append(
                f"<{p}changeSet><{p}name>{draw(_NAMES)}</{p}name><{p}op>{op}</{p}op>{val}"
                f"</{p}changeSet>"
            )
        kind = draw(st.sampled_from(["enter", "modify", "leave"]))
        moid = draw(xml_text(min_size=1))
        sets.append(
            f"<{p}objectSet><{p}kind>{kind}</{p}kind><{p}obj type={q}VirtualMachine{q}>{moid}"
            f"</{p}obj>{''.join(changes)}</{p}objectSet>"
        )
    gone = GONE.replace("<", f"<{p}").replace(f"<{p}/", f"</{p}") if draw(st.booleans()) else ""
    body = (
        f"<{p}version>{draw(st.integers(1, 99))}</{p}version><{p}filterSet><{p}filter "
        f'type="PropertyFilter">f</{p}filter>{"".join(sets)}{gone}</{p}filterSet>'
    )
    return answer("WaitForUpdatesEx", body, prefix="vim25" if p else "")


def _plain(value: Any) -> Any:
    """A pyVmomi value in this parser's terms (MoRef, `{"_type"}` dicts, plain scalars)."""
    from pyVmomi import VmomiSupport

    if isinstance(value, VmomiSupport.ManagedObject):
        return MoRef(value._wsdlName, value._moId)
    if isinstance(value, VmomiSupport.DataObject):
        fields = {
            f.name: _plain(getattr(value, f.name))
            for f in value._GetPropertyList()
            if getattr(value, f.name) not in (None, [])
        }
        return {"_type": value._wsdlName, **fields}
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    return str(value) if isinstance(value, str) else value


def _pyvmomi(data: bytes, result: str) -> Any:
    from pyVmomi import SoapAdapter, vmodl

    stub = SoapAdapter.SoapStubAdapter(host="127.0.0.1", port=-1, version="vim.version.version9")
    kind = getattr(vmodl.query.PropertyCollector, result)
    return SoapAdapter.SoapResponseDeserializer(stub).Deserialize(data, kind)


@settings(max_examples=60, deadline=None)
@given(retrieve_answer(), st.integers(1, 300))
def test_retrieve_answers_agree_three_ways(data: bytes, chunk: int) -> None:
    fast, _ = fast_parse(data, chunk)
    slow, _ = slow_parse(data)
    assert fast == slow
    ref = _pyvmomi(data, "RetrieveResult")
    expected = [
        ObjectProperties(_plain(o.obj), {ps.name: _plain(ps.val) for ps in o.propSet})
        for o in ref.objects
    ]
    assert fast == expected


@settings(max_examples=60, deadline=None)
@given(update_answer(), st.integers(1, 300))
def test_update_answers_agree_three_ways(data: bytes, chunk: int) -> None:
    fast, fast_tail = fast_parse(data, chunk)
    slow, slow_tail = slow_parse(data)
    assert fast == slow and fast_tail == slow_tail
    (filter_set,) = _pyvmomi(data, "UpdateSet").filterSet
    expected = [
        (o.kind, _plain(o.obj), [(c.name, c.op, _plain(c.val)) for c in o.changeSet])
        for o in filter_set.objectSet
    ]
    got = [(c.kind, c.ref, [(x.name, x.op, x.value) for x in c.changes]) for c in fast]
    assert got == expected
    assert [(m.ref, m.fault) for m in fast_tail.missing_objects] == [
        (_plain(m.obj), m.fault._wsdlName) for m in filter_set.missingSet
    ]


def test_8_an_object_reported_gone_leaves_the_inventory() -> None:
    from vconsole.services.inventory_store import VcenterInventory
    from vconsole.vim.collector import UpdateBatch

    store = VcenterInventory("vc01")
    store.add(
        both(
            answer(
                "RetrievePropertiesEx",
                '<objects><obj type="VirtualMachine">vm-9</obj>'
                '<propSet><name>name</name><val xsi:type="xsd:string">db</val></propSet></objects>',
            )
        )
    )
    assert "vm-9" in store.rows
    data = answer(
        "WaitForUpdatesEx",
        f'<version>4</version><filterSet><filter type="PropertyFilter">f</filter>{GONE}'
        "</filterSet>",
    )
    changes, tail = fast_parse(data)
    batch = UpdateBatch("4", tuple(changes), False, tuple(tail.missing_objects))
    store.apply(batch.changes + batch.departures)
    assert "vm-9" not in store.rows
