"""The QueryPerf reader beside pyVmomi's deserializer, on generated answers.

Answers are written in the layouts servers use (the simulator's: the XML Schema instance prefix
declared on each `returnval`; vCenter's: `xsi` declared on the envelope; and an indented one),
in the "normal" and the "csv" format. Whatever the layout or format, the reader must give what
pyVmomi gives for the "normal" answer of the same data; what it cannot read (a cut answer, an
unknown element, a fault) must raise UnreadablePerf, never come back partial.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.services.paths_vcenter import entity_metrics_of
from vconsole.vim.perf import read_answer, read_scanned, read_tree
from vconsole.vim.perf_model import UnreadablePerf

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
LAYOUTS = ("simulator", "vcenter", "indented")
DATE_FORMS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.250Z", "%Y-%m-%dT%H:%M:%S+00:00")

instances = st.one_of(
    st.sampled_from(["", "vmhba64:C0:T1:L3", "naa.600a098038304437415d4b6a59684a52"]),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
)
entities = st.builds(
    lambda moid, count, start, series: (moid, count, start, series),
    st.from_regex(r"host-[0-9]{1,5}", fullmatch=True),
    st.integers(0, 6),
    st.integers(1_700_000_000, 1_900_000_000),
    st.lists(st.tuples(st.integers(1, 2**31 - 1), instances, st.randoms()), max_size=5),
)


def answer(entity_list, fmt: str, layout: str, date_form: str) -> bytes:  # type: ignore[no-untyped-def]
    """A QueryPerf answer for `entity_list` as a server in `layout` writes it."""
    nl = "\n  " if layout == "indented" else ""
    xsi = "XMLSchema-instance" if layout == "simulator" else "xsi"
    declare = f' xmlns:{xsi}="{XSI}"' if layout == "simulator" else ""
    head = "" if layout == "simulator" else f' xmlns:xsi="{XSI}"'
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="{SOAP}"{head}>'
        f'<soapenv:Body>{nl}<QueryPerfResponse xmlns="urn:vim25">'
    ]
    for moid, count, start, series in entity_list:
        kind = "PerfEntityMetricCSV" if fmt == "csv" else "PerfEntityMetric"
        parts.append(f'{nl}<returnval{declare} {xsi}:type="{kind}">')
        parts.append(f'<entity type="HostSystem">{moid}</entity>')
        stamps = [datetime.fromtimestamp(start + 20 * i, tz=timezone.utc) for i in range(count)]
        dates = [s.strftime(date_form) for s in stamps]
        if fmt == "csv":
            parts.append(f"<sampleInfoCSV>{','.join(f'20,{d}' for d in dates)}</sampleInfoCSV>")
        else:
            parts.extend(
                f"{nl}<sampleInfo><timestamp>{d}</timestamp><interval>20</interval></sampleInfo>"
                for d in dates
            )
        for counter, instance, rnd in series:
            values = [rnd.choice([-1, 0, 1, 7, 250, 2**40]) for _ in stamps]
            ident = (
                f"<id><counterId>{counter}</counterId><instance>{escape(instance)}</instance></id>"
            )
            if fmt == "csv":
                text = ",".join(str(v) for v in values)
                parts.append(f"{nl}<value>{ident}<value>{text}</value></value>")
            else:
                samples = "".join(f"<value>{v}</value>" for v in values)
                parts.append(
                    f'{nl}<value {xsi}:type="PerfMetricIntSeries">{ident}{samples}</value>'
                )
        parts.append("</returnval>")
    parts.append("</QueryPerfResponse></soapenv:Body></soapenv:Envelope>")
    return "".join(parts).encode()


def pyvmomi_reads(data: bytes):  # type: ignore[no-untyped-def]
    from pyVmomi import vim
    from pyVmomi.SoapAdapter import SoapResponseDeserializer, SoapStubAdapter

    info = vim.PerformanceManager._GetMethodInfo("QueryStats")  # the wsdl name is QueryPerf
    stub = SoapStubAdapter(host="127.0.0.1", port=1, version=info.version)
    result = SoapResponseDeserializer(stub).Deserialize(io.BytesIO(data), info.result)
    if isinstance(result, Exception):
        raise result
    return [entity_metrics_of(em) for em in result]


@settings(max_examples=60, deadline=None)
@given(
    entity_list=st.lists(entities, max_size=4),
    layout=st.sampled_from(LAYOUTS),
    date_form=st.sampled_from(DATE_FORMS),
)
def test_every_layout_and_format_reads_as_pyvmomi_reads_the_normal_answer(
    entity_list, layout, date_form
):
    # the same random values for each format: every series draws from its own Random copy
    state = [[r.getstate() for _, _, r in e[3]] for e in entity_list]
    docs = {}
    for fmt in ("normal", "csv"):
        for e, states in zip(entity_list, state, strict=True):
            for (_, _, r), s in zip(e[3], states, strict=True):
                r.setstate(s)
        docs[fmt] = answer(entity_list, fmt, layout, date_form)
    expected = pyvmomi_reads(docs["normal"])
    for data in docs.values():
        assert read_answer(data) == expected
        assert read_tree(data) == expected
    names = [i for e in entity_list for _, i, _ in e[3]]
    if layout != "indented" and not any(c in i for i in names for c in "&<>]"):
        for data in docs.values():  # the regular layout is scanned, not walked as a tree
            assert read_scanned(data) == expected


@settings(max_examples=40, deadline=None)
@given(
    entity_list=st.lists(entities, min_size=1, max_size=3),
    fmt=st.sampled_from(["normal", "csv"]),
    layout=st.sampled_from(LAYOUTS),
    cut=st.floats(0.0, 1.0, exclude_max=True),
)
def test_a_cut_answer_is_unreadable_never_partial(entity_list, fmt, layout, cut):
    data = answer(entity_list, fmt, layout, DATE_FORMS[0])
    with pytest.raises(UnreadablePerf):
        read_answer(data[: int(len(data) * cut)])


@pytest.mark.parametrize("fmt", ["normal", "csv"])
@pytest.mark.parametrize(
    "change",
    [
        ("<entity ", "<extra/><entity "),  # an element the WSDL does not have
        ("<id>", '<id unknown="1">'),  # an attribute
        ("<counterId>", "<counterId>x"),  # a counter id that is no integer
        ("</returnval>", "stray</returnval>"),  # text beside elements
        ('type="HostSystem">', 'type="HostSystem"><b/>'),  # an element inside a leaf
    ],
)
def test_an_unexpected_shape_is_unreadable(fmt, change):
    data = answer([("host-1", 2, 1_800_000_000, [(5, "p", __import__("random").Random(1))])],
                  fmt, "vcenter", DATE_FORMS[0])  # fmt: skip
    old, new = change
    assert old.encode() in data
    with pytest.raises(UnreadablePerf):
        read_answer(data.replace(old.encode(), new.encode(), 1))


def test_a_fault_is_unreadable_and_pyvmomi_raises_it():
    fault = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="{SOAP}" '
        f'xmlns:xsi="{XSI}"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode>'
        '<faultstring></faultstring><detail><InvalidArgumentFault xmlns="urn:vim25" '
        'xsi:type="InvalidArgument"><invalidProperty>Entity</invalidProperty>'
        "</InvalidArgumentFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()
    with pytest.raises(UnreadablePerf):
        read_answer(fault)
    with pytest.raises(Exception, match="Entity"):
        pyvmomi_reads(fault)


def test_csv_pairs_are_read_date_first_too():
    """govmomi's client helper writes "date,interval"; the API reference "interval,date"."""
    base = answer([("host-1", 2, 1_800_000_000, [])], "csv", "vcenter", DATE_FORMS[0])
    first = datetime.fromtimestamp(1_800_000_000, tz=timezone.utc)
    dates = [(first + timedelta(seconds=20 * i)).strftime(DATE_FORMS[0]) for i in range(2)]
    swapped = base.replace(
        f"20,{dates[0]},20,{dates[1]}".encode(), f"{dates[0]},20,{dates[1]},20".encode()
    )
    assert swapped != base
    assert read_answer(swapped) == read_answer(base)
    assert read_answer(base)[0].timestamps == (1_800_000_000.0, 1_800_000_020.0)
