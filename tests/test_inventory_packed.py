"""VMs kept as their layout matched them (`inventory_packed`): the parser's objects read as
ElementTree and pyVmomi read them, and the store's rows and objects are those it derives from
the same VMs read the usual way, before and after updates, whatever the values' types and texts
(entities, CR, non-decimal numbers, non-ASCII, properties left out, a type the row does not
take as it is)."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_vim_answer_shapes import XSI_SPELLINGS, _plain, _pyvmomi, _val, slow_parse, xml_text
from vim_answer_helpers import answer

from vconsole.models.inventory import VmRow, new_vm_row
from vconsole.services.inventory_packed import PackedVm, pack_vm
from vconsole.services.inventory_specs import VM_PATHS
from vconsole.services.inventory_store import VcenterInventory
from vconsole.vim.parser import ObjectChange, ObjectProperties
from vconsole.vim.scanner import FastAnswerParser
from vconsole.vim.scanner_layout import Packer
from vconsole.vim.soap import MoRef

_INTS = st.integers(-(2**31), 2**31 - 1).map(str) | st.sampled_from(["+5", "007", "-0", " 4"])
_TEXTS = {  # per path: (type, text) as servers write them, and types the row must not trust
    "name": st.tuples(st.sampled_from(["xsd:string"]), xml_text() | st.just("web-01")),
    "runtime.powerState": st.tuples(
        st.sampled_from(["VirtualMachinePowerState", "xsd:string"]),
        st.sampled_from(["poweredOn", "poweredOff", "powered&#79;ff"]),
    ),
    "runtime.host": st.tuples(
        st.sampled_from(["MoRef", "MoRef", "xsd:string"]), xml_text(min_size=1) | st.just("host-1")
    ),
    "runtime.connectionState": st.tuples(
        st.just("VirtualMachineConnectionState"), st.sampled_from(["connected", "orphaned"])
    ),
    "summary.config.numCpu": st.tuples(
        st.sampled_from(["xsd:int", "xsd:int", "xsd:string"]), _INTS
    ),
    "summary.config.memorySizeMB": st.tuples(st.sampled_from(["xsd:int", "xsd:long"]), _INTS),
    "summary.config.guestFullName": st.tuples(st.just("xsd:string"), xml_text()),
    "summary.config.template": st.tuples(
        st.sampled_from(["xsd:boolean", "xsd:boolean", "xsd:string"]),
        st.sampled_from(["true", "false"]),
    ),
    "guest.ipAddress": st.tuples(st.just("xsd:string"), xml_text() | st.just("10.0.0.1")),
    "guest.toolsRunningStatus": st.tuples(st.just("xsd:string"), st.just("guestToolsRunning")),
    "config.annotation": st.tuples(st.just("xsd:string"), xml_text()),
}
_SHAPE = st.lists(st.sampled_from(list(_TEXTS)), max_size=12)


@st.composite
def vm_answer(draw: st.DrawFn) -> bytes:
    """VMs of one or two shapes (a path may repeat), each value's type fixed per shape as a
    server would send it, some VMs leaving a property out (unset on that VM)."""
    q = draw(st.sampled_from(['"', "'"]))
    x = draw(XSI_SPELLINGS)
    shapes = [
        [(path, draw(_TEXTS[path])[0]) for path in draw(_SHAPE)]
        for _ in range(draw(st.integers(1, 2)))
    ]
    objects = []
    for i in range(draw(st.integers(1, 10))):
        shape = draw(st.sampled_from(shapes))
        if shape and draw(st.integers(0, 5)) == 0:
            shape = shape[: -1 - draw(st.integers(0, len(shape) - 1))]
        props = "".join(
            f"<propSet><name>{path}</name>"
            f"{_val('', q, (xtype, draw(_TEXTS[path])[1]), x)}</propSet>"
            for path, xtype in shape
        )
        moid = draw(st.just(f"vm-{i}") | xml_text(min_size=1))
        objects.append(f'<objects><obj type="VirtualMachine">{moid}</obj>{props}</objects>')
    return answer("RetrievePropertiesEx", "".join(objects))


def _parse(data: bytes, chunk: int, packer: Packer | None) -> list[ObjectProperties]:
    parser = FastAnswerParser(packer)
    out: list[Any] = []
    for i in range(0, len(data), chunk):
        out += parser.feed(data[i : i + chunk])
    return out + parser.close()


def _kept(store: VcenterInventory) -> dict[str, tuple[str, dict[str, object], tuple[str, ...]]]:
    return {moid: (o.type, o.props, o.denied) for moid, o in store.objects.items()}


_STRUCTURE = [
    ObjectProperties(MoRef("Datacenter", "dc-1"), {"name": "DC"}),
    ObjectProperties(MoRef("ClusterComputeResource", "c-1"), {"name": "CL", "parent": MoRef("Datacenter", "dc-1")}),
    ObjectProperties(MoRef("HostSystem", "host-1"), {"name": "esx-1", "parent": MoRef("ClusterComputeResource", "c-1")}),
]  # fmt: skip


def _changes(moids: list[str]) -> st.SearchStrategy[list[ObjectChange]]:
    vm = st.sampled_from(moids).map(lambda moid: MoRef("VirtualMachine", moid))
    return st.lists(
        st.one_of(
            st.builds(lambda r, n: ObjectChange(r, "modify", {"name": n}), vm, st.text(max_size=3)),
            st.builds(
                lambda r: ObjectChange(
                    r, "modify", {"runtime.host": MoRef("HostSystem", "host-1")}
                ),
                vm,
            ),
            st.builds(lambda r: ObjectChange(r, "modify", {}, ("summary.config.numCpu",)), vm),
            st.builds(lambda r: ObjectChange(r, "leave", {}), vm),
            st.just(ObjectChange(MoRef("HostSystem", "host-1"), "modify", {"name": "esx-9"})),
        ),
        max_size=5,
    )


@settings(max_examples=80, deadline=None)
@given(vm_answer(), st.integers(1, 500), st.data())
def test_packed_vms_read_and_derive_as_the_usual_way(
    data: bytes, chunk: int, more: st.DataObject
) -> None:
    packed = _parse(data, chunk, pack_vm)
    usual = _parse(data, chunk, None)
    assert packed == usual == slow_parse(data)[0]
    ref = _pyvmomi(data, "RetrieveResult")
    assert packed == [
        ObjectProperties(_plain(o.obj), {ps.name: _plain(ps.val) for ps in o.propSet})
        for o in ref.objects
    ]
    stores = [VcenterInventory("vc01") for _ in range(2)]
    added = []
    for store, objects in zip(stores, (packed, usual), strict=True):
        store.add(_STRUCTURE)
        added.append(store.add(objects))
    assert added[0].upserts == added[1].upserts
    assert stores[0].rows == stores[1].rows
    assert _kept(stores[0]) == _kept(stores[1])
    moids = [o.ref.value for o in usual]
    if moids:
        for batch in more.draw(st.lists(_changes(moids), max_size=3)):
            deltas = [store.apply(batch) for store in stores]
            assert deltas[0].upserts == deltas[1].upserts
            assert deltas[0].removed == deltas[1].removed
            assert stores[0].rows == stores[1].rows
            assert _kept(stores[0]) == _kept(stores[1])


def _vm(moid: str, cpus: str = '<val xsi:type="xsd:int">2</val>', name: str = "web") -> str:
    props = {
        "name": f'<val xsi:type="xsd:string">{name}</val>',
        "runtime.powerState": '<val xsi:type="VirtualMachinePowerState">poweredOn</val>',
        "runtime.host": '<val xsi:type="ManagedObjectReference" type="HostSystem">host-1</val>',
        "summary.config.numCpu": cpus,
        "summary.config.template": '<val xsi:type="xsd:boolean">true</val>',
    }
    return f'<objects><obj type="VirtualMachine">{moid}</obj>' + "".join(
        f"<propSet><name>{path}</name>{val}</propSet>" for path, val in props.items()
    ) + "</objects>"  # fmt: skip


def test_a_regular_shape_is_kept_packed_and_others_are_not() -> None:
    """After the first VM of a shape (which teaches it), its VMs come packed; a shape whose
    CPU count is sent as a string, and a VM with an entity in its name, come the usual way;
    the rows read alike."""
    as_text = '<val xsi:type="xsd:string">4</val>'
    vms = [_vm(f"vm-{i}") for i in range(4)] + [_vm("vm-8", name="R&amp;D")]
    vms += [_vm(f"vm-t{i}", cpus=as_text) for i in range(3)]
    objects = _parse(answer("RetrievePropertiesEx", "".join(vms)), 97, pack_vm)
    assert [type(o) is PackedVm for o in objects] == [False] + [True] * 3 + [False] * 4
    store = VcenterInventory("vc01")
    store.add(_STRUCTURE + objects)
    rows = {moid: store.rows[moid] for moid in ("vm-1", "vm-8", "vm-t1")}
    assert [(r.name, r.host, r.cluster, r.vcpu, r.template) for r in rows.values()] == [
        ("web", "esx-1", "CL", 2, True),
        ("R&D", "esx-1", "CL", 2, True),
        ("web", "esx-1", "CL", 4, True),
    ]
    assert store.objects["vm-1"].props["runtime.host"] == MoRef("HostSystem", "host-1")
    assert set(VM_PATHS) >= set(store.objects["vm-1"].props)


def test_an_update_to_a_packed_vm_is_kept_and_its_row_follows() -> None:
    objects = _parse(answer("RetrievePropertiesEx", _vm("vm-1") + _vm("vm-2")), 50, pack_vm)
    store = VcenterInventory("vc01")
    store.add(_STRUCTURE + objects)
    assert type(store.objects["vm-2"]) is PackedVm
    store.apply([ObjectChange(MoRef("VirtualMachine", "vm-2"), "modify", {"name": "db"})])
    assert store.rows["vm-2"].name == "db"
    assert store.objects["vm-2"].props["summary.config.numCpu"] == 2
    assert type(objects[1]) is PackedVm and objects[1].props["name"] == "web"  # not shared


_CELL = st.text(max_size=4)
_NUMBER = st.none() | st.integers(-5, 2**40)


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(_CELL, _CELL, _CELL, _CELL, _CELL, _CELL),
    st.lists(_CELL, max_size=3).map(tuple),
    st.tuples(_CELL, _CELL, _CELL),
    st.tuples(_NUMBER, _NUMBER),
    st.tuples(_CELL, _CELL, _CELL, _CELL),
    st.booleans(),
)
def test_a_vm_row_made_without_init_is_that_row(
    common: tuple[str, ...],
    denied: tuple[str, ...],
    placed: tuple[str, ...],
    numbers: tuple[int | None, ...],
    texts: tuple[str, ...],
    template: bool,
) -> None:
    cells = (*common, denied, *placed, *numbers, *texts, template)
    made, usual = new_vm_row(*cells), VmRow(*cells)
    assert type(made) is VmRow and isinstance(made, VmRow)
    assert made == usual and hash(made) == hash(usual) and repr(made) == repr(usual)
    assert made.values() == usual.values() and made.as_json() == usual.as_json()
    assert replace(made, name="other") == replace(usual, name="other")
    with pytest.raises(FrozenInstanceError):
        made.name = "changed"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del made.host  # type: ignore[misc]
    assert made == usual
