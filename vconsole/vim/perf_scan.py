"""The fast path of the QueryPerf reader: compiled patterns over the answer's regular layout.

vCenter and the simulator write a QueryPerf answer in one fixed layout, with no whitespace
between elements: `<soapenv:Envelope xmlns:..><soapenv:Body><QueryPerfResponse xmlns="urn:vim25">
<returnval xsi:type="PerfEntityMetric|PerfEntityMetricCSV"><entity type="..">moid</entity>
(<sampleInfo>..</sampleInfo>* | <sampleInfoCSV>..</sampleInfoCSV>) (<value ..><id><counterId>
..</counterId><instance>..</instance></id><value>..</value>*</value>)*</returnval>..`. Each part
is matched where the previous one ended, so the patterns account for every byte. Text is read
only when it holds no markup XML would change (entity or character references, CR, control
characters, `]`); an answer in any other shape (whitespace, other prefixes, a fault) returns
None and goes to the ElementTree reader in `perf.py`, so an odd answer is slower, never wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from vconsole.vim.perf_model import EntityMetrics, PerfSeries, UnreadablePerf

_XSI = b"http://www.w3.org/2001/XMLSchema-instance"
_SOAP_ENV = b"http://schemas.xmlsoap.org/soap/envelope/"
_TEXT = rb"[^<&\]\r\x00-\x08\x0b\x0c\x0e-\x1f]*"
"""Text XML reads as it stands."""

_HEAD = re.compile(
    rb'(?:<\?xml version="1\.0" encoding="(?i:utf-8)"\?>\n?)?'
    rb"<([\w.-]+):Envelope((?: xmlns:[\w.-]+=\"[^\"<&]*\")*)>"
    rb'<\1:Body><QueryPerfResponse xmlns="urn:vim25">'
)
_DECLARATION = re.compile(rb' xmlns:([\w.-]+)="([^"]*)"')
_TAIL = re.compile(rb"</QueryPerfResponse></([\w.-]+):Body></\1:Envelope>\s*\Z")
_RETURNVAL = re.compile(
    rb'<returnval(?: xmlns:([\w.-]+)="([^"<&]*)")? ([\w.-]+):type="(PerfEntityMetric(?:CSV)?)">'
    rb'<entity type="[\w.-]*">(' + _TEXT + rb")</entity>"
)
_SAMPLE_INFO = re.compile(
    rb"<sampleInfo(?: ([\w.-]+):type=\"PerfSampleInfo\")?><timestamp>("
    + _TEXT
    + rb")</timestamp><interval>(-?\d+)</interval></sampleInfo>"
)
_SAMPLE_INFO_CSV = re.compile(rb"<sampleInfoCSV>(" + _TEXT + rb")</sampleInfoCSV>")
_SERIES = re.compile(
    rb"<value(?: ([\w.-]+):type=\"PerfMetricIntSeries\")?><id><counterId>(-?\d+)</counterId>"
    rb"<instance>(" + _TEXT + rb")</instance></id>((?:<value>-?\d+</value>)*)</value>"
)


def _csv_series(group: bytes) -> bytes:
    """A PerfMetricSeriesCSV: prefix, counter, instance and values, each opened by `group`."""
    return (
        rb"<value(?: " + group + rb"[\w.-]+):type=\"PerfMetricSeriesCSV\")?><id><counterId>"
        + group + rb"-?\d+)</counterId><instance>" + group + _TEXT + rb")</instance></id><value>"
        + group + rb"[-\d,]*)</value></value>"
    )  # fmt: skip


_SERIES_CSV = re.compile(_csv_series(b"("))
_SERIES_CSV_RUN = re.compile(b"(?:" + _csv_series(b"(?:") + b")*")
"""Consecutive CSV series matched as one run, which `_SERIES_CSV.findall` then splits into the
same series: each begins where the one before ended, as a series holds no `<` of its own."""
_SAMPLE_VALUE = re.compile(rb"<value>(-?\d+)</value>")
_END = b"</returnval>"


def scan_answer(
    data: bytes, sample_info_csv: Callable[[str], tuple[float, ...]], epoch: Callable[[str], float]
) -> list[EntityMetrics] | None:
    """The answer's entities, or None when it is not in the regular layout. The two callables
    read dates and sampleInfoCSV exactly as the ElementTree reader does."""
    head = _HEAD.match(data)
    tail = _TAIL.search(data)
    if head is None or tail is None or tail.group(1) != head.group(1):
        return None
    prefixes = dict(_DECLARATION.findall(head.group(2)))
    if _DECLARATION.sub(b"", head.group(2)) or prefixes.get(head.group(1)) != _SOAP_ENV:
        return None
    out = []
    at, end = head.end(), tail.start()
    try:
        while at < end:
            found = _returnval(data, at, prefixes, sample_info_csv, epoch)
            if found is None:
                return None
            entity, at = found
            out.append(entity)
    except (UnicodeDecodeError, ValueError):  # an empty CSV field, bytes that are no UTF-8
        return None
    return out if at == end else None


def _returnval(
    data: bytes,
    at: int,
    prefixes: dict[bytes, bytes],
    sample_info_csv: Callable[[str], tuple[float, ...]],
    epoch: Callable[[str], float],
) -> tuple[EntityMetrics, int] | None:
    m = _RETURNVAL.match(data, at)
    if m is None:
        return None
    declared, namespace, xsi, kind, entity = m.groups()
    scope = {**prefixes, declared: namespace} if declared else prefixes
    if scope.get(xsi) != _XSI:
        return None
    at = m.end()
    series: list[PerfSeries] = []
    if kind == b"PerfEntityMetricCSV":
        info = _SAMPLE_INFO_CSV.match(data, at)
        if info is None:
            return None
        stamps = sample_info_csv(info.group(1).decode())
        at = info.end()
        run = _SERIES_CSV_RUN.match(data, at)
        assert run is not None  # a run of none matches anywhere
        found = _SERIES_CSV.findall(data, at, run.end())
        if any(prefix and prefix != xsi for prefix, _, _, _ in found):
            return None
        count = len(stamps)
        for _, counter, instance, text in found:
            values = tuple(map(int, text.split(b","))) if text else ()
            if len(values) != count:
                raise UnreadablePerf(f"CSV series of {len(values)} values, {count} samples")
            series.append(PerfSeries(int(counter), instance.decode(), values))
        at = run.end()
    else:
        times = []
        while (i := _SAMPLE_INFO.match(data, at)) is not None:
            if i.group(1) not in (None, xsi):
                return None
            times.append(epoch(i.group(2).decode()))
            at = i.end()
        stamps = tuple(times)
        while (s := _SERIES.match(data, at)) is not None:
            if s.group(1) not in (None, xsi):
                return None
            values = tuple(map(int, _SAMPLE_VALUE.findall(s.group(4))))
            series.append(PerfSeries(int(s.group(2)), s.group(3).decode(), values))
            at = s.end()
    if not data.startswith(_END, at):
        return None
    return EntityMetrics(entity.decode(), stamps, tuple(series)), at + len(_END)
