"""The XML forms of esxcli over the vSphere API: argument values in, result objects out.

Shapes are those of docs/esxcli-api.md §2: a list result is an `ArrayOfDataObject` of
`DataObject` rows, a single structure carries its `VimEsxCLI...` type, a scalar is `xsd:*`;
fields are child elements in alphabetical order, list fields repeat their element.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Union
from xml.sax.saxutils import escape, quoteattr

XSD = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_ROOT_ATTRS = f'xmlns:xsd="{XSD}" xmlns:xsi="{XSI}" xmlns="urn:vim25" versionId="5.0"'

Value = Union[str, int, bool, "Struct", list[str], list["Struct"]]


@dataclass
class Struct:
    """One esxcli data object: (API field name, value) pairs."""

    fields: list[tuple[str, Value]] = field(default_factory=list)


@dataclass(frozen=True)
class Rows:
    """A list result; `type_name` is the WSDL name of each row."""

    type_name: str
    rows: list[Struct]


@dataclass(frozen=True)
class Single:
    type_name: str
    value: Struct


@dataclass(frozen=True)
class Scalar:
    xsd_type: str  # boolean | string | long
    text: str


Result = Rows | Single | Scalar


# one element, no attributes, text with nothing an XML parser would change (entities, CR)
_ONE_ELEMENT = re.compile(
    r"<([A-Za-z_][A-Za-z0-9_.-]*)>([^<&\]\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]*)</\1>"
)


class ArgumentError(ValueError):
    """A `val` that is not the XML of its parameter."""


def argument_values(name: str, val: str) -> list[str]:
    """The values one `argument` carries: the text of each element in `val` (a list repeats
    the element); attributes and namespaces are ignored, bare text is taken as one value."""
    if "<" not in val:
        return [val]
    if simple := _ONE_ELEMENT.fullmatch(val):  # `<size>1472</size>`, nearly every argument
        return [simple.group(2)]
    return parsed_values(name, val)


def parsed_values(name: str, val: str) -> list[str]:
    """`argument_values` through the XML parser, for any `val`."""
    wrapped = f'<v xmlns:xsi="{XSI}" xmlns:xsd="{XSD}">{val}</v>'
    try:
        root = ET.fromstring(wrapped)
    except ET.ParseError as exc:
        raise ArgumentError(f"argument {name!r}: not XML ({exc})") from None
    children = list(root)
    if not children:
        return [root.text or ""]
    return [child.text or "" for child in children]


def _text(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _fields_xml(struct: Struct) -> str:
    out = []
    for name, value in sorted(struct.fields, key=lambda f: f[0]):
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, Struct):
                out.append(f"<{name}>{_fields_xml(item)}</{name}>")
            else:
                out.append(f"<{name}>{_text(item)}</{name}>")
    return "".join(out)


def result_xml(result: Result) -> str:
    """The `response` string of a SoapResult."""
    if isinstance(result, Scalar):
        return f'<obj {_ROOT_ATTRS} xsi:type="xsd:{result.xsd_type}">{escape(result.text)}</obj>'
    if isinstance(result, Single):
        body = _fields_xml(result.value)
        return f"<obj {_ROOT_ATTRS} xsi:type={quoteattr(result.type_name)}>{body}</obj>"
    rows = "".join(
        f"<DataObject xsi:type={quoteattr(result.type_name)}>{_fields_xml(r)}</DataObject>"
        for r in result.rows
    )
    return f'<obj {_ROOT_ATTRS} xsi:type="ArrayOfDataObject">{rows}</obj>'


def cli_fault_detail(message: str) -> str:
    """The `faultDetail` of an esxcli refusal: a serialised `VimEsxCLICLIFault`."""
    return (
        f'<obj {_ROOT_ATTRS} xsi:type="VimEsxCLICLIFault"><errMsg>{escape(message)}</errMsg></obj>'
    )
