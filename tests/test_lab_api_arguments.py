"""The lab host agent reads an ExecuteSoap argument's `val` the same way with or without its
shortcut for one plain element: whatever the text, the values (or the refusal) are the XML
parser's, so a probe's size or target reaches the host exactly as sent."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.lab.esxi.api_xml import ArgumentError, argument_values, parsed_values

NAMES = st.sampled_from(["size", "host", "df", "a.b", "x-y", "_n", "1bad", "p:q", "xmlns"])
TEXTS = st.one_of(
    st.sampled_from(
        ["1472", "10.0.10.5", "fd00::5", "true", "", " 9000 ", "a]]>b", "&amp;", "x\r\ny"]
    ),
    st.text(max_size=12),
)


def _read(fn, name, val):  # type: ignore[no-untyped-def]
    try:
        return fn(name, val)
    except ArgumentError:
        return "refused"


@settings(max_examples=300)
@given(name=NAMES, closing=NAMES, text=TEXTS, same=st.booleans())
def test_one_element_reads_as_the_xml_parser_reads_it(name, closing, text, same) -> None:  # type: ignore[no-untyped-def]
    val = f"<{name}>{text}</{name if same else closing}>"
    assert _read(argument_values, "size", val) == _read(parsed_values, "size", val)


@pytest.mark.parametrize(
    ("val", "expected"),
    [
        ("<size>1472</size>", ["1472"]),
        ("<host>10.0.10.5</host>", ["10.0.10.5"]),
        ("<a>1</a><a>2</a>", ["1", "2"]),
        ("<a>x &amp; y</a>", ["x & y"]),
        ("plain", ["plain"]),
    ],
)
def test_argument_values(val: str, expected: list[str]) -> None:
    assert argument_values("arg", val) == expected


def test_broken_xml_is_refused_naming_the_argument() -> None:
    with pytest.raises(ArgumentError, match="argument 'size'"):
        argument_values("size", "<size>1</sise>")
