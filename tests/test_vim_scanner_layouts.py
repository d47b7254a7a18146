"""The scanner's layouts: objects of a shape already seen are read by one pattern, and read
exactly as ElementTree and pyVmomi read them; a value the pattern does not take (a reference,
an odd number, an empty enum, a property left out, other attributes) takes the usual way."""

from __future__ import annotations

from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st
from test_vim_answer_shapes import XSI_SPELLINGS, _plain, _pyvmomi, _val, slow_parse, xml_text
from vim_answer_helpers import answer

from vconsole.vim import scanner
from vconsole.vim.parser import ObjectProperties
from vconsole.vim.scanner import FastAnswerParser
from vconsole.vim.soap import MoRef

_TEXTS = {
    "xsd:string": xml_text(),
    "xsd:int": st.integers(-(2**31), 2**31 - 1).map(str) | st.sampled_from(["+5", "007", "-0"]),
    "xsd:long": st.integers(-(2**63), 2**63 - 1).map(str),
    "xsd:boolean": st.sampled_from(["true", "false"]),
    "xsd:double": st.sampled_from(["1.5", "-2", "1e3", "2.5E-2", "INF", "-0.0"]),
    "VirtualMachinePowerState": st.sampled_from(["poweredOn", "suspended", "powered&#79;ff"]),
    "DatacenterConfigInfo": st.just(""),
    "MoRef": xml_text(min_size=1),
}
_SHAPE = st.lists(
    st.tuples(
        st.sampled_from(["name", "runtime.host", "a&amp;b", "x"]), st.sampled_from(list(_TEXTS))
    ),
    max_size=4,
)


def _parse(data: bytes, chunk: int) -> tuple[list[object], FastAnswerParser]:
    parser = FastAnswerParser()
    out: list[object] = []
    for i in range(0, len(data), chunk):
        out += parser.feed(data[i : i + chunk])
    return out + parser.close(), parser


@st.composite
def many_alike(draw: st.DrawFn) -> bytes:
    """Objects of one or two shapes, each repeated, spelled as the simulator or vCenter does."""
    q = draw(st.sampled_from(['"', "'"]))
    x = draw(XSI_SPELLINGS)
    shapes = draw(st.lists(_SHAPE, min_size=1, max_size=2))
    objects = []
    for _ in range(draw(st.integers(2, 12))):
        shape = draw(st.sampled_from(shapes))
        if shape and draw(st.integers(0, 5)) == 0:  # one property left out, as when unset
            shape = shape[1:]
        props = "".join(
            f"<propSet><name>{name}</name>{_val('', q, (xtype, draw(_TEXTS[xtype])), x)}</propSet>"
            for name, xtype in shape
        )
        moid = draw(xml_text(min_size=1))
        objects.append(f'<objects><obj type="VirtualMachine">{moid}</obj>{props}</objects>')
    return answer("RetrievePropertiesEx", "".join(objects))


@settings(max_examples=80, deadline=None)
@given(many_alike(), st.integers(1, 400))
def test_objects_read_by_a_layout_agree_with_elementtree_and_pyvmomi(
    data: bytes, chunk: int
) -> None:
    fast, _ = _parse(data, chunk)
    slow, _ = slow_parse(data)
    assert fast == slow
    ref = _pyvmomi(data, "RetrieveResult")
    assert fast == [
        ObjectProperties(_plain(o.obj), {ps.name: _plain(ps.val) for ps in o.propSet})
        for o in ref.objects
    ]


def _vm(moid: str, vals: str) -> str:
    return f'<objects><obj type="VirtualMachine">{moid}</obj>{vals}</objects>'


def _prop(name: str, xtype: str, text: str) -> str:
    return f'<propSet><name>{name}</name><val xsi:type="{xtype}">{text}</val></propSet>'


def test_a_repeated_shape_is_read_by_its_layout_and_odd_values_are_not() -> None:
    def vm(i: int, cpus: str = "2", name: str = "", power: str = "poweredOn") -> str:
        return _vm(
            f"vm-{i}",
            _prop("name", "xsd:string", name or f"web-{i}")
            + _prop("summary.config.numCpu", "xsd:int", cpus)
            + _prop("runtime.powerState", "VirtualMachinePowerState", power),
        )

    odd = [vm(10, cpus=" 4"), vm(11, name="R&amp;D"), vm(12, power=""), vm(13, cpus="+3")]
    data = answer("RetrievePropertiesEx", "".join([vm(i) for i in range(5)] + odd))
    fast, parser = _parse(data, 64)
    assert fast == slow_parse(data)[0]
    assert parser._layouts.hits == 4  # the first object teaches the shape; the odd ones miss
    assert [o.props for o in fast[5:]] == [  # type: ignore[attr-defined]
        {"name": "web-10", "summary.config.numCpu": 4, "runtime.powerState": "poweredOn"},
        {"name": "R&D", "summary.config.numCpu": 2, "runtime.powerState": "poweredOn"},
        {
            "name": "web-12",
            "summary.config.numCpu": 2,
            "runtime.powerState": {"_type": "VirtualMachinePowerState"},
        },
        {"name": "web-13", "summary.config.numCpu": 3, "runtime.powerState": "poweredOn"},
    ]
    assert fast[0].ref == MoRef("VirtualMachine", "vm-0")  # type: ignore[attr-defined]


_ODD_VALUES = {  # name, numCpu: read the usual way (an entity, a CR, a number not in decimal)
    "entity": ("R&amp;D", "2"),
    "cr": ("line\rbreak", "2"),
    "plus": ("web", "+3"),
    "space": ("web", " 4"),
}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["plain", "plain", "plain", "accented", *_ODD_VALUES]), max_size=30),
    st.lists(st.integers(1, 4000), max_size=8),
)
def test_a_run_of_one_shape_cut_anywhere_reads_as_elementtree_and_pyvmomi_do(
    kinds: list[str], cuts: list[int]
) -> None:
    """Objects of one shape read in place, chunk by chunk, with odd ones among them (and a
    non-ASCII name, which the layout still reads): the same objects as the other readers,
    and every object a layout can read after the first is read by it."""
    objects = []
    for i, kind in enumerate(kinds):
        name, cpus = _ODD_VALUES.get(
            kind, (f"vm-{i}-café" if kind == "accented" else f"vm-{i}", "2")
        )
        objects.append(
            _vm(
                f"vm-{i}",
                _prop("name", "xsd:string", name)
                + _prop("summary.config.numCpu", "xsd:int", cpus)
                + '<propSet><name>runtime.host</name><val xsi:type="ManagedObjectReference" '
                f'type="HostSystem">host-{i % 3}</val></propSet>',
            )
        )
    data = answer("RetrievePropertiesEx", "".join(objects))
    parser = FastAnswerParser()
    fast: list[object] = []
    last = 0
    for cut in sorted({c for c in cuts if c < len(data)}):
        fast += parser.feed(data[last:cut])
        last = cut
    fast += parser.feed(data[last:]) + parser.close()
    assert fast == slow_parse(data)[0]
    ref = _pyvmomi(data, "RetrieveResult")
    assert fast == [
        ObjectProperties(_plain(o.obj), {ps.name: _plain(ps.val) for ps in o.propSet})
        for o in ref.objects
    ]
    # the first object not sent to ElementTree (a CR) teaches the shape; a layout reads the rest
    readable = [kind in ("plain", "accented") for kind in kinds]
    teacher = next((i for i, kind in enumerate(kinds) if kind != "cr"), None)
    taught = teacher is not None and readable[teacher]
    assert parser._layouts.hits == sum(readable) - taught


_NEIGHBOURS = {  # objects next to a run of one shape, in the same chunk
    "known": lambda i: _vm(f"vm-{i}", _prop("name", "xsd:string", f"web-{i}")),
    "other shape": lambda i: _vm(f"vm-{i}", _prop("guest.ipAddress", "xsd:string", "10.0.0.1")),
    "odd value": lambda i: _vm(f"vm-{i}", _prop("name", "xsd:string", "a&amp;b")),
    "declared": lambda i: (
        f'<objects xmlns="urn:vim25"><obj type="VirtualMachine">vm-{i}</obj>'
        f"{_prop('name', 'xsd:string', 'web')}</objects>"
    ),
    "accented": lambda i: _vm(f"vm-{i}", _prop("name", "xsd:string", f"café-{i}")),
    "host": lambda i: (
        f'<objects><obj type="HostSystem">host-{i}</obj>'
        f"{_prop('name', 'xsd:string', f'esx-{i}')}</objects>"
    ),
}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(_NEIGHBOURS)), min_size=1, max_size=25),
    st.sampled_from([97, 500, 1 << 20]),
    st.integers(1, 2000),
)
def test_runs_read_in_place_stop_at_any_other_object(
    kinds: list[str], chunk: int, window: int
) -> None:
    """Runs of known shapes are read in place in a chunk's text, decoded a window at a time;
    the object after a run (a new shape, an odd value, a declaration, a non-ASCII window) is
    read the usual way, and every object reads as ElementTree and pyVmomi read it."""
    data = answer("RetrievePropertiesEx", "".join(_NEIGHBOURS[k](i) for i, k in enumerate(kinds)))
    with patch.object(scanner, "WINDOW", window):
        fast, parser = _parse(data, chunk)
    by_moid = sorted(fast, key=lambda o: o.ref.value)  # type: ignore[attr-defined]
    assert by_moid == sorted(slow_parse(data)[0], key=lambda o: o.ref.value)
    ref = _pyvmomi(data, "RetrieveResult")
    assert by_moid == [  # a declared element is returned last (it is read with the skeleton)
        ObjectProperties(_plain(o.obj), {ps.name: _plain(ps.val) for ps in o.propSet})
        for o in sorted(ref.objects, key=lambda o: o.obj._moId)
    ]
    plain = [k for k in kinds if k in ("known", "accented")]  # one shape: name only
    assert parser._layouts.hits >= len(plain) - 1
