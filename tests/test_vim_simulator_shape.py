"""Values as govmomi's simulator writes them: the schema-instance namespace declared on each
`val` (`xmlns:XMLSchema-instance="..." XMLSchema-instance:type="xsd:int"`). The scanner reads
that shape itself, agreeing with ElementTree and pyVmomi; a declaration that could change what
a value means (another namespace, or a prefix the type attribute does not use) still goes to
ElementTree, so it is read right either way.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inventory_helpers import lab_scenario, needs_vcsim, shared_lab, vm_answer
from test_vim_answer_shapes import _VALUES, _plain, _pyvmomi, answer, fast_parse, slow_parse

from vconsole.vim.scanner import FastAnswerParser
from vconsole.vim.soap import MoRef

XSI = "http://www.w3.org/2001/XMLSchema-instance"


def declared_val(prefix: str, quote: str, value: tuple[str, str]) -> str:
    xtype, text = value
    q = quote
    declare = f" xmlns:{prefix}={q}{XSI}{q}"
    if xtype == "MoRef":
        return f"<val{declare} {prefix}:type={q}ManagedObjectReference{q} type={q}HostSystem{q}>{text}</val>"
    return f"<val{declare} {prefix}:type={q}{xtype}{q}>{text}</val>"


@st.composite
def simulator_answer(draw: st.DrawFn) -> bytes:
    prefix = draw(st.sampled_from(["XMLSchema-instance", "xsi", "i"]))
    quote = draw(st.sampled_from(['"', "'"]))
    objects = []
    for n in range(draw(st.integers(1, 3))):
        props = "".join(
            f"<propSet><name>p{i}</name>{declared_val(prefix, quote, draw(_VALUES))}</propSet>"
            for i in range(draw(st.integers(0, 4)))
        )
        objects.append(f'<objects><obj type="VirtualMachine">vm-{n}</obj>{props}</objects>')
    return answer("RetrievePropertiesEx", "".join(objects))


@settings(max_examples=60, deadline=None)
@given(simulator_answer(), st.integers(1, 300))
def test_declared_schema_instance_values_agree_three_ways(data: bytes, chunk: int) -> None:
    fast, _ = fast_parse(data, chunk)
    slow, _ = slow_parse(data)
    assert fast == slow
    ref = _pyvmomi(data, "RetrieveResult")
    assert [(o.ref, o.props) for o in fast] == [
        (_plain(o.obj), {ps.name: _plain(ps.val) for ps in o.propSet}) for o in ref.objects
    ]


@pytest.mark.parametrize(
    "val, expected",
    [
        # the prefix the type attribute uses is the envelope's xsi, not the one declared here
        (f'<val xmlns:x="{XSI}" xsi:type="xsd:int">5</val>', 5),
        # xsi rebound to another namespace: no schema type at all, so the text as it is
        ('<val xmlns:xsi="urn:other" xsi:type="xsd:int">5</val>', "5"),
        # two declarations on one value
        (f'<val xmlns:a="{XSI}" xmlns:b="{XSI}" a:type="xsd:boolean">true</val>', True),
    ],
)
def test_other_declarations_are_read_as_xml_reads_them(val: str, expected: object) -> None:
    data = answer(
        "RetrievePropertiesEx",
        f'<objects><obj type="VirtualMachine">vm-1</obj><propSet><name>v</name>{val}</propSet>'
        "</objects>",
    )
    fast, _ = fast_parse(data)
    slow, _ = slow_parse(data)
    assert fast == slow
    assert fast[0].props == {"v": expected}


@needs_vcsim
@pytest.mark.timeout(120)
def test_the_lab_vcenter_answer_is_read_by_the_scanner_itself() -> None:
    data = vm_answer(shared_lab("default", lab_scenario))
    parser = FastAnswerParser()
    fast = [o for i in range(0, len(data), 4096) for o in parser.feed(data[i : i + 4096])]
    fast += parser.close()
    slow, _ = slow_parse(data)
    assert fast == slow and len(fast) > 50
    assert parser.fallbacks == 0  # no object of the simulator's answer needed ElementTree
    assert all(isinstance(o.props["runtime.host"], MoRef) for o in fast)
    assert all(isinstance(o.props["summary.config.numCpu"], int) for o in fast)
