"""Values as govmomi's simulator writes them: the schema-instance namespace declared on each
`val` (`xmlns:XMLSchema-instance="..." XMLSchema-instance:type="xsd:int"`). The scanner reads
the lab vCenter's answer itself (the three-way property tests in test_vim_answer_shapes draw
that spelling too); a declaration that could change what a value means (another namespace,
or a prefix the type attribute does not use) still goes to ElementTree, read right either way.
"""

from __future__ import annotations

import pytest
from inventory_helpers import lab_scenario, needs_vcsim, shared_lab, vm_answer
from test_vim_answer_shapes import both, one_prop, slow_parse

from vconsole.vim.scanner import FastAnswerParser
from vconsole.vim.soap import MoRef

XSI = "http://www.w3.org/2001/XMLSchema-instance"


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
    (obj,) = both(one_prop(val, name="v"))  # the scanner and ElementTree agree
    assert obj.props == {"v": expected}


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
