"""Character data and attributes as XML reads them, for the scanner (`scanner.py`): entity and
character references, the namespace declarations in scope, and a value's own declaration of
the schema-instance prefix. What these do not read exactly raises `Unusual`: ElementTree
decides then."""

from __future__ import annotations

import re

_XMLNS = re.compile(rb'\s(xmlns(?::[\w.-]+)?)="([^"]*)"')
_XSI_DECLARATION = re.compile(
    rb"""\sxmlns:([\w.-]+)=(["'])http://www\.w3\.org/2001/XMLSchema-instance\2"""
)
"""The XML Schema instance namespace declared on the `val` itself, as govmomi's simulator
writes every value (`xmlns:XMLSchema-instance="..." XMLSchema-instance:type="xsd:int"`)."""
_PREFIXED_TYPE_NAME = re.compile(rb"""\s([\w.-]+):type=""")
_REFERENCE = re.compile(r"&([^;&<]*)(;?)")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


class Unusual(Exception):
    """Raised inside the scanner for a shape it does not read exactly; ElementTree takes over."""


def text(data: bytes) -> str:
    """Character data as an XML parser gives it (the element holds no raw CR: the scanner
    hands those to ElementTree)."""
    if b"&" not in data:
        return data.decode()
    return _REFERENCE.sub(_reference, data.decode())


def _reference(match: re.Match[str]) -> str:
    """One entity or character reference, as XML defines them; anything else (`&nbsp;`, a
    bare `&`, `&#0;`) is not read here: ElementTree decides (and refuses, as XML does)."""
    ref, closed = match.group(1), match.group(2)
    if closed and ref in _NAMED:
        return _NAMED[ref]
    number = re.fullmatch(r"#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))", ref) if closed else None
    if number is not None:
        code = int(number.group(1), 16) if number.group(1) else int(number.group(2))
        allowed = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
        if allowed or 0x10000 <= code <= 0x10FFFF:
            return chr(code)
    raise Unusual(match.group(0).encode())


def own_xsi_declaration_removed(attrs: bytes) -> bytes:
    """`attrs` without a declaration of the schema-instance namespace on the element itself,
    when that is the only declaration and the type attribute uses its prefix; any other
    declaration (it could rebind `xsd`, say) is left in, so ElementTree reads that value."""
    if b"xmlns" not in attrs:
        return attrs
    declared = _XSI_DECLARATION.findall(attrs)
    if len(declared) != 1 or attrs.count(b"xmlns") != 1:
        return attrs
    prefix = declared[0][0]
    if any(p != prefix for p in _PREFIXED_TYPE_NAME.findall(attrs)):
        return attrs
    return _XSI_DECLARATION.sub(b"", attrs)


def declarations(head: bytes) -> bytes:
    """The namespace declarations in scope for the object elements (last one per prefix wins)."""
    found = {name: uri for name, uri in _XMLNS.findall(head)}
    found.setdefault(b"xmlns", b"urn:vim25")
    return b" ".join(name + b'="' + uri + b'"' for name, uri in found.items())
