"""Streaming parser for PropertyCollector answers: bytes in, small frozen records out.

The C XMLPullParser builds each `objects` (ObjectContent) or `objectSet` (ObjectUpdate) element
while bytes arrive; it is converted as soon as it closes and then cleared, so memory stays flat
and the first objects are usable before the answer has finished arriving. Values become plain
Python: xsd numbers and booleans typed, ManagedObjectReference as MoRef, ArrayOf* as lists,
complex data objects as dicts (a repeated child becomes a list), and a data object with no
fields as `{"_type": ...}`, never "". Every changeSet entry is kept in order with its op; a
filter-level missingSet (an object gone, with its fault) is surfaced on the tail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast
from xml.etree.ElementTree import Element, XMLPullParser

from vconsole.vim.soap import MoRef

VIM = "{urn:vim25}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
SOAP_FAULT = "{http://schemas.xmlsoap.org/soap/envelope/}Fault"

_OBJECTS = VIM + "objects"
_OBJECT_SET = VIM + "objectSet"
_TOKEN = VIM + "token"
_VERSION = VIM + "version"
_TRUNCATED = VIM + "truncated"
_RETURNVAL = VIM + "returnval"
_MISSING_SET = VIM + "missingSet"
_INTS = frozenset(("int", "long", "short", "byte"))
_FLOATS = frozenset(("double", "float"))
_XSD_PREFIXES = frozenset(("xsd", "xs"))
_XSD_NAMES = (
    frozenset(("string", "anyType", "anyURI", "base64Binary", "dateTime", "decimal", "boolean"))
    | _INTS
    | _FLOATS
)


def is_data_type(xtype: str) -> bool:
    """`DatacenterConfigInfo` or `vim25:...`: a vim data object type, not an xsd primitive, a
    managed object reference or an array (whose empty forms are "", a MoRef and [])."""
    prefix, _, kind = xtype.rpartition(":")
    return (
        bool(kind)
        and prefix not in _XSD_PREFIXES
        and kind not in _XSD_NAMES
        and kind != "ManagedObjectReference"
        and not kind.startswith("ArrayOf")
    )


@dataclass(frozen=True)
class MissingProperty:
    """A property the server could not give for an object, and why (e.g. NoPermission)."""

    path: str
    fault: str
    message: str = ""


@dataclass(frozen=True)
class ObjectProperties:
    """One ObjectContent: an object's requested properties (dotted path -> value)."""

    ref: MoRef
    props: dict[str, Any]
    missing: tuple[MissingProperty, ...] = ()


@dataclass(frozen=True)
class PropertyChange:
    """One changeSet entry as sent: `op` is assign, add, remove or indirectRemove."""

    name: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class ObjectChange:
    """One ObjectUpdate: `kind` is enter, modify or leave; `props` holds assigned values,
    `removed` the paths whose value went away (op remove/unset), and `changes` every entry in
    order, so repeated entries for one path and `add` (to a collection) are not lost."""

    ref: MoRef
    kind: str
    props: dict[str, Any]
    removed: tuple[str, ...] = ()
    missing: tuple[MissingProperty, ...] = ()
    changes: tuple[PropertyChange, ...] = ()


@dataclass(frozen=True)
class MissingObject:
    """A filter-level missingSet entry: an object the filter names but the server could not
    report (e.g. ManagedObjectNotFound when it was deleted), and why."""

    ref: MoRef
    fault: str
    message: str = ""


def record_change(
    name: str,
    op: str,
    value: Any,
    has_value: bool,
    props: dict[str, Any],
    removed: list[str],
    changes: list[PropertyChange],
) -> None:
    """Apply one changeSet entry the same way on both parsing paths."""
    changes.append(PropertyChange(name, op, value))
    if op in ("remove", "indirectRemove") or (op == "assign" and not has_value):
        removed.append(name)
    elif op == "assign":
        props[name] = value


@dataclass
class SoapFaultInfo:
    """A SOAP fault answer: the vim fault type (e.g. NotAuthenticated) and its message; a fault
    without detail is `ClientFault` or `ServerFault` after its faultcode."""

    kind: str = ""
    message: str = ""
    code: str = ""


@dataclass
class AnswerTail:
    """What a PropertyCollector answer says besides its objects (paging and update cursor)."""

    token: str | None = None
    version: str | None = None
    truncated: bool = False
    returned: MoRef | None = None
    fault: SoapFaultInfo | None = None
    missing_objects: list[MissingObject] = field(default_factory=list)


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def value_of(el: Element) -> Any:
    """Convert a `val` (or nested data object) element to Python."""
    xtype = el.get(XSI_TYPE)
    kind = xtype.rpartition(":")[2] if xtype else ""
    if not len(el):
        text = el.text or ""
        if not text and xtype and is_data_type(xtype):
            return {"_type": kind}
        if kind in _INTS:
            return int(text)
        if kind == "boolean":
            return text == "true"
        if kind in _FLOATS:
            return float(text)
        ref_type = el.get("type")
        if ref_type is not None and (not kind or kind == "ManagedObjectReference"):
            return MoRef(ref_type, text)
        if kind.startswith("ArrayOf"):
            return []
        return text
    if kind.startswith("ArrayOf"):
        return [value_of(child) for child in el]
    out: dict[str, Any] = {}
    if kind:
        out["_type"] = kind
    for child in el:
        key = local(child.tag)
        item = value_of(child)
        if key in out:
            current = out[key]
            if isinstance(current, _Repeated):
                current.append(item)
            else:
                out[key] = _Repeated((current, item))
        else:
            out[key] = item
    return out


class _Repeated(list):  # type: ignore[type-arg]
    """A data-object field that appeared more than once (an array in the WSDL)."""


def _missing(el: Element) -> MissingProperty:
    kind, message = _missing_fault(el)
    return MissingProperty(el.findtext(VIM + "path") or "", kind, message)


def _missing_object(el: Element) -> MissingObject:
    kind, message = _missing_fault(el)
    return MissingObject(_ref(el.find(VIM + "obj")), kind, message)


def _missing_fault(el: Element) -> tuple[str, str]:
    fault = el.find(VIM + "fault")
    kind, message = "", ""
    if fault is not None:
        inner = fault.find(VIM + "fault")
        typed = inner if inner is not None and inner.get(XSI_TYPE) else fault
        kind = (typed.get(XSI_TYPE) or "").rpartition(":")[2]
        message = fault.findtext(VIM + "localizedMessage") or ""
    return kind or "Fault", message


def _ref(el: Element | None) -> MoRef:
    if el is None:
        return MoRef("", "")
    return MoRef(el.get("type") or "", el.text or "")


def object_properties(el: Element) -> ObjectProperties:
    ref = MoRef("", "")
    props: dict[str, Any] = {}
    missing: list[MissingProperty] = []
    for child in el:
        tag = child.tag
        if tag == VIM + "propSet":
            name = child[0]
            val = child[1] if len(child) > 1 else None
            if local(name.tag) != "name":  # tolerate either order
                name, val = val, name  # type: ignore[assignment]
            if name is not None:
                props[name.text or ""] = value_of(val) if val is not None else None
        elif tag == VIM + "obj":
            ref = _ref(child)
        elif tag == VIM + "missingSet":
            missing.append(_missing(child))
    return ObjectProperties(ref, props, tuple(missing))


def object_change(el: Element) -> ObjectChange:
    ref = MoRef("", "")
    kind = "modify"
    props: dict[str, Any] = {}
    removed: list[str] = []
    missing: list[MissingProperty] = []
    changes: list[PropertyChange] = []
    for child in el:
        tag = child.tag
        if tag == VIM + "changeSet":
            name = child.findtext(VIM + "name") or ""
            op = child.findtext(VIM + "op") or "assign"
            val = child.find(VIM + "val")
            value = value_of(val) if val is not None else None
            record_change(name, op, value, val is not None, props, removed, changes)
        elif tag == VIM + "obj":
            ref = _ref(child)
        elif tag == VIM + "kind":
            kind = child.text or "modify"
        elif tag == VIM + "missingSet":
            missing.append(_missing(child))
    return ObjectChange(ref, kind, props, tuple(removed), tuple(missing), tuple(changes))


class AnswerParser:
    """Feed it the HTTP body chunk by chunk; `feed()` returns the objects completed so far."""

    def __init__(self) -> None:
        self._parser: XMLPullParser = XMLPullParser(events=("end",))
        self.tail = AnswerTail()

    def feed(self, chunk: bytes) -> list[ObjectProperties | ObjectChange]:
        self._parser.feed(chunk)
        return self._drain()

    def close(self) -> list[ObjectProperties | ObjectChange]:
        self._parser.close()
        return self._drain()

    def _drain(self) -> list[ObjectProperties | ObjectChange]:
        out: list[ObjectProperties | ObjectChange] = []
        tail = self.tail
        for event in self._parser.read_events():
            el = cast(Element, cast(Any, event)[1])
            tag = el.tag
            if tag == _OBJECTS:
                out.append(object_properties(el))
                el.clear()
            elif tag == _OBJECT_SET:
                out.append(object_change(el))
                el.clear()
            elif tag == _RETURNVAL:
                _read_tail(el, tail)
            elif tag == SOAP_FAULT:
                tail.fault = _fault(el)
            elif tag == _MISSING_SET and el.find(VIM + "obj") is not None:
                tail.missing_objects.append(_missing_object(el))
        return out


def _read_tail(el: Element, tail: AnswerTail) -> None:
    """Paging token, update version and truncation are direct children of `returnval`."""
    if el.get("type") is not None:
        tail.returned = MoRef(el.get("type") or "", el.text or "")
        return
    token = el.find(_TOKEN)
    if token is not None:
        tail.token = token.text
    version = el.find(_VERSION)
    if version is not None:
        tail.version = version.text or ""
    truncated = el.find(_TRUNCATED)
    if truncated is not None:
        tail.truncated = truncated.text == "true"


def _fault(el: Element) -> SoapFaultInfo:
    message = ""
    kind = ""
    code = ""
    for child in el:
        name = local(child.tag)
        if name == "faultcode":
            code = (child.text or "").strip()
        elif name == "faultstring":
            message = child.text or ""
        elif name == "detail":
            for detail in child:
                kind = (detail.get(XSI_TYPE) or local(detail.tag)).rpartition(":")[2]
                kind = kind.removesuffix("Fault") if not detail.get(XSI_TYPE) else kind
                break
    if not kind:  # no detail: the faultcode says whose fault it is
        client = code.rpartition(":")[2].startswith("Client")
        kind = "ClientFault" if client else "ServerFault"
    return SoapFaultInfo(kind, message, code)
