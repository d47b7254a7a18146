"""QueryPerf sent as raw SOAP on the session's connection, its answer read by a strict reader.

pyVmomi's deserializer spends 2-5 ms of CPU per host on a latency answer (Python calls per
element); here an answer in the regular layout is read by compiled patterns (`perf_scan`), and
any other by ElementTree's C parser and one walk over the tree. The reader knows
the two answer shapes of the vim25 WSDL: PerfEntityMetric ("normal": `sampleInfo` elements and
PerfMetricIntSeries with one `value` per sample) and PerfEntityMetricCSV ("csv": `sampleInfoCSV`
"interval,dateTime,..." and PerfMetricSeriesCSV with one "v1,v2,..." value). Anything else (a
fault, an element or attribute it does not know, text where none belongs, a CSV series whose
length differs from its sample count) raises `UnreadablePerf`: the caller asks again the
pyVmomi way, so an odd answer costs a second call, never a wrong or partial one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from xml.etree.ElementTree import XML, Element, ParseError

from vconsole.vim import soap, transport
from vconsole.vim.perf_model import EntityMetrics, PerfSeries, UnreadablePerf
from vconsole.vim.perf_scan import scan_answer
from vconsole.vim.soap import MoRef, PerfQuery

_ENV = "{http://schemas.xmlsoap.org/soap/envelope/}"
_VIM = "{urn:vim25}"
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def query_perf(stub: Any, perf_manager: MoRef, specs: Sequence[PerfQuery]) -> list[EntityMetrics]:
    """Blocking: one QueryPerf over the stub's session; UnreadablePerf for any answer (a fault
    included) the reader cannot read exactly, OSError/HTTPException when the connection breaks."""
    return read_answer(transport.post_bytes(stub, soap.query_perf(perf_manager, specs)))


def read_answer(data: bytes) -> list[EntityMetrics]:
    """The answer's entities: scanned when in the regular layout, else walked as a tree."""
    scanned = read_scanned(data)
    if scanned is not None:
        return scanned
    return read_tree(data)


def read_scanned(data: bytes) -> list[EntityMetrics] | None:
    """The answer's entities when it is in the regular layout (`perf_scan`), else None."""
    return scan_answer(data, _sample_info_csv, _epoch)


def read_tree(data: bytes) -> list[EntityMetrics]:
    """The answer's entities through ElementTree, every element's shape checked."""
    try:
        root = XML(data)
    except ParseError as exc:
        raise UnreadablePerf(f"answer is not well-formed XML ({exc})") from None
    _expect(root, _ENV + "Envelope")
    parts = [c for c in _children(root) if c.tag != _ENV + "Header"]
    if len(parts) != 1:
        raise UnreadablePerf("answer has no single soapenv:Body")
    (body,) = parts
    _expect(body, _ENV + "Body")
    answers = list(_children(body))
    if len(answers) != 1:
        raise UnreadablePerf("soapenv:Body does not hold one answer")
    (answer,) = answers
    if answer.tag == _ENV + "Fault":
        raise UnreadablePerf("QueryPerf answered with a fault")
    _expect(answer, _VIM + "QueryPerfResponse")
    out = []
    for returnval in _children(answer):
        _expect(returnval, _VIM + "returnval", _XSI_TYPE)
        kind = _xsi_type(returnval)
        if kind == "PerfEntityMetric":
            out.append(_normal(returnval))
        elif kind == "PerfEntityMetricCSV":
            out.append(_csv(returnval))
        else:
            raise UnreadablePerf(f"returnval of type {kind!r}")
    return out


def _normal(returnval: Element) -> EntityMetrics:
    children = list(_children(returnval))
    entity = _entity(children)
    stamps: list[float] = []
    at = 1
    while at < len(children) and children[at].tag == _VIM + "sampleInfo":
        info = children[at]
        _expect(info, info.tag, _XSI_TYPE)
        _type_is(info, "PerfSampleInfo")
        fields = _fields(info, ("timestamp", "interval"))
        _int(fields[1])  # an interval that is no integer is no answer pyVmomi takes
        stamps.append(_epoch(fields[0]))
        at += 1
    series = tuple(_series(child, "PerfMetricIntSeries") for child in children[at:])
    return EntityMetrics(entity, tuple(stamps), series)


def _csv(returnval: Element) -> EntityMetrics:
    children = list(_children(returnval))
    entity = _entity(children)
    if len(children) < 2:
        raise UnreadablePerf("PerfEntityMetricCSV without sampleInfoCSV")
    _expect(children[1], _VIM + "sampleInfoCSV")
    stamps = _sample_info_csv(_text(children[1]))
    series = tuple(_series(child, "PerfMetricSeriesCSV") for child in children[2:])
    for one in series:
        if len(one.values) != len(stamps):
            raise UnreadablePerf(f"CSV series of {len(one.values)} values, {len(stamps)} samples")
    return EntityMetrics(entity, stamps, series)


_VALUE = _VIM + "value"
_ID = _VIM + "id"
_COUNTER = _VIM + "counterId"
_INSTANCE = _VIM + "instance"


def _series(element: Element, kind: str) -> PerfSeries:
    """One PerfMetricIntSeries or PerfMetricSeriesCSV, its shape checked inline (the hot loop:
    one call per series, not one per element)."""
    attrib = element.attrib
    if element.tag != _VALUE or (
        attrib and (len(attrib) > 1 or attrib.get(_XSI_TYPE, "").rpartition(":")[2] != kind)
    ):
        raise UnreadablePerf(f"{_local(element.tag)} where a {kind} belongs")
    parts = list(element)
    if not parts or _mixed(element, parts):
        raise UnreadablePerf(f"{kind} is not an id and values")
    ident = parts[0]
    ids = list(ident)
    if ident.tag != _ID or (ident.attrib and _xsi_type(ident) != "PerfMetricId"):
        raise UnreadablePerf(f"{_local(ident.tag)} where a PerfMetricId belongs")
    if len(ident.attrib) > 1 or not 1 <= len(ids) <= 2 or _mixed(ident, ids):
        raise UnreadablePerf("PerfMetricId is not a counterId and an instance")
    counter = ids[0]
    instance = ids[1] if len(ids) == 2 else None
    if counter.tag != _COUNTER or counter.attrib or len(counter):
        raise UnreadablePerf("PerfMetricId without a plain counterId")
    if instance is not None and (instance.tag != _INSTANCE or instance.attrib or len(instance)):
        raise UnreadablePerf("PerfMetricId with more than an instance")
    texts = []
    for v in parts[1:]:
        if v.tag != _VALUE or v.attrib or len(v):
            raise UnreadablePerf(f"{_local(v.tag)} where a sample value belongs")
        texts.append(v.text or "")
    if kind == "PerfMetricSeriesCSV":
        if len(texts) > 1:
            raise UnreadablePerf("CSV series with more than one value")
        texts = texts[0].split(",") if texts and texts[0] else []
    try:
        values = tuple(int(t) for t in texts)
    except ValueError:
        raise UnreadablePerf(f"a {kind} value is not an integer") from None
    name = "" if instance is None else instance.text or ""
    return PerfSeries(_int(counter.text or ""), name, values)


def _mixed(element: Element, children: list[Element]) -> bool:
    """Text beside child elements (XML whitespace aside): not a shape the WSDL gives."""
    text = element.text
    if text is not None and not text.isspace():
        return True
    return any(c.tail is not None and not c.tail.isspace() for c in children)


def _sample_info_csv(text: str) -> tuple[float, ...]:
    """ "interval,dateTime" pairs as the API reference documents them; the date first (as
    govmomi's client helper writes them) is read too: the integer is the interval."""
    if not text:
        return ()
    fields = text.split(",")
    if len(fields) % 2:
        raise UnreadablePerf("sampleInfoCSV has an odd number of fields")
    stamps = []
    for a, b in zip(fields[::2], fields[1::2], strict=True):
        if a.isdigit() and not b.isdigit():
            stamps.append(_epoch(b))
        elif b.isdigit() and not a.isdigit():
            stamps.append(_epoch(a))
        else:
            raise UnreadablePerf(f"sampleInfoCSV pair {a!r},{b!r} is not an interval and a date")
    return tuple(stamps)


def _entity(children: list[Element]) -> str:
    if not children:
        raise UnreadablePerf("returnval without an entity")
    entity = children[0]
    _expect(entity, _VIM + "entity", "type")
    return _text(entity)


def _fields(element: Element, names: tuple[str, ...]) -> list[str]:
    children = list(_children(element))
    if [c.tag for c in children] != [_VIM + n for n in names]:
        raise UnreadablePerf(f"{_local(element.tag)} is not {', '.join(names)}")
    out = []
    for c in children:
        _expect(c, c.tag)
        out.append(_text(c))
    return out


def _children(element: Element) -> Iterator[Element]:
    """Child elements; text or tails that are not whitespace make the answer unreadable."""
    if element.text and not element.text.isspace():
        raise UnreadablePerf(f"text inside {_local(element.tag)}")
    for child in element:
        if child.tail and not child.tail.isspace():
            raise UnreadablePerf(f"text after {_local(child.tag)}")
        yield child


def _text(element: Element) -> str:
    if len(element):
        raise UnreadablePerf(f"{_local(element.tag)} has child elements")
    return element.text or ""


def _expect(element: Element, tag: str, *attributes: str) -> None:
    if element.tag != tag:
        raise UnreadablePerf(f"{_local(element.tag)} where {_local(tag)} belongs")
    if element.attrib and not set(element.attrib) <= set(attributes):
        raise UnreadablePerf(f"{_local(tag)} has unexpected attributes")


def _xsi_type(element: Element) -> str:
    return element.get(_XSI_TYPE, "").rpartition(":")[2]


def _type_is(element: Element, kind: str) -> None:
    if _XSI_TYPE in element.attrib and _xsi_type(element) != kind:
        raise UnreadablePerf(f"{_local(element.tag)} of type {_xsi_type(element)!r}")


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UnreadablePerf(f"{text[:40]!r} is not an integer") from None


def _epoch(text: str) -> float:
    """Seconds since the epoch, read by pyVmomi's own xsd:dateTime parser so both ways agree."""
    from pyVmomi.Iso8601 import ParseISO8601

    value = ParseISO8601(text)
    if value is None:
        raise UnreadablePerf(f"{text[:40]!r} is not an xsd:dateTime")
    return float(value.timestamp())


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
