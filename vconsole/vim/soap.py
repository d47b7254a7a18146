"""SOAP request bodies for the calls the console sends itself.

Only the few high-volume calls (RetrievePropertiesEx, ContinueRetrievePropertiesEx,
WaitForUpdatesEx, CancelWaitForUpdates, QueryPerf) are written here; the element order follows
the vim25 WSDL (PropertyFilterSpec: propSet, objectSet; ObjectSpec: obj, skip, selectSet;
PerfQuerySpec: entity, startTime, endTime, maxSample, metricId, intervalId, format).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

_ENVELOPE_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<soapenv:Body>"
)
_ENVELOPE_TAIL = "</soapenv:Body></soapenv:Envelope>"


@dataclass(frozen=True)
class MoRef:
    """A managed object reference as it travels on the wire: type and value (the moid)."""

    type: str
    value: str

    def __str__(self) -> str:
        return f"{self.type}:{self.value}"


@dataclass(frozen=True)
class PropertySpec:
    """Which properties to read for one managed object type (and its subtypes)."""

    type: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class PerfQuery:
    """One PerfQuerySpec: counters (instance `*`: every instance) of one entity; `start_time`
    is an xsd:dateTime (exclusive) or empty for the newest `max_sample` samples."""

    entity: MoRef
    counter_ids: tuple[int, ...]
    interval_s: int
    max_sample: int
    start_time: str = ""
    format: str = "normal"


def _moref(tag: str, ref: MoRef) -> str:
    """Both parts are data (a moid may come from a server): escaped, quotes included."""
    return f"<{tag} type={quoteattr(ref.type)}>{escape(ref.value)}</{tag}>"


def _prop_sets(specs: Iterable[PropertySpec]) -> list[str]:
    """The `propSet` elements naming the properties to read of each managed type."""
    parts = []
    for spec in specs:
        parts.append(f"<propSet><type>{escape(spec.type)}</type><all>false</all>")
        parts.extend(f"<pathSet>{escape(p)}</pathSet>" for p in spec.paths)
        parts.append("</propSet>")
    return parts


def filter_spec(view: MoRef, specs: Iterable[PropertySpec]) -> str:
    """A PropertyFilterSpec reading `specs` from every object of a ContainerView."""
    return _spec_set(
        view,
        specs,
        '<selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type>'
        "<path>view</path><skip>false</skip></selectSet>",
    )


def _spec_set(start: MoRef, specs: Iterable[PropertySpec], traversal: str) -> str:
    """`specs` read from what `traversal` reaches from `start` (itself skipped)."""
    head = ["<specSet>", *_prop_sets(specs), "<objectSet>", _moref("obj", start)]
    return "".join([*head, "<skip>true</skip>", traversal, "</objectSet></specSet>"])


def vms_under_spec(parent: MoRef, specs: Iterable[PropertySpec]) -> str:
    """A PropertyFilterSpec reading the VMs of one host (host -> vm) or of one cluster's hosts
    (cluster -> host -> vm), without creating a view first: one round trip. The hosts come
    too when `specs` name HostSystem properties."""
    specs = tuple(specs)
    hosts_too = "false" if any(s.type == "HostSystem" for s in specs) else "true"
    vms = (
        '<selectSet xsi:type="TraversalSpec"><name>vms</name><type>HostSystem</type>'
        "<path>vm</path><skip>false</skip></selectSet>"
    )
    parts = ["<specSet>", *_prop_sets(specs), "<objectSet>", _moref("obj", parent)]
    if parent.type == "HostSystem":
        parts.append(f"<skip>{hosts_too}</skip>{vms}")
    else:
        parts.append(
            "<skip>true</skip>"
            '<selectSet xsi:type="TraversalSpec"><name>hosts</name><type>ComputeResource</type>'
            f"<path>host</path><skip>{hosts_too}</skip>{vms}</selectSet>"
        )
    parts.append("</objectSet></specSet>")
    return "".join(parts)


def retrieve_vms_under(collector: MoRef, parent: MoRef, specs: Sequence[PropertySpec]) -> bytes:
    return _call(
        "RetrievePropertiesEx", collector, vms_under_spec(parent, specs) + "<options></options>"
    )


def _call(method: str, this: MoRef, inner: str) -> bytes:
    body = f'<{method} xmlns="urn:vim25">{_moref("_this", this)}{inner}</{method}>'
    return (_ENVELOPE_HEAD + body + _ENVELOPE_TAIL).encode("utf-8")


def retrieve_properties_ex(
    collector: MoRef, view: MoRef, specs: Sequence[PropertySpec], max_objects: int | None
) -> bytes:
    """RetrievePropertiesEx over a ContainerView; `max_objects` pages the answer."""
    options = "<options>"
    if max_objects:
        options += f"<maxObjects>{int(max_objects)}</maxObjects>"
    options += "</options>"
    return _call("RetrievePropertiesEx", collector, filter_spec(view, specs) + options)


def continue_retrieve_properties_ex(collector: MoRef, token: str) -> bytes:
    return _call("ContinueRetrievePropertiesEx", collector, f"<token>{escape(token)}</token>")


def cancel_retrieve_properties_ex(collector: MoRef, token: str) -> bytes:
    return _call("CancelRetrievePropertiesEx", collector, f"<token>{escape(token)}</token>")


def create_filter(collector: MoRef, view: MoRef, specs: Sequence[PropertySpec]) -> bytes:
    """CreateFilter for the update stream (partialUpdates: only changed properties come back)."""
    spec = filter_spec(view, specs).replace("<specSet>", "<spec>").replace("</specSet>", "</spec>")
    return _call("CreateFilter", collector, spec + "<partialUpdates>true</partialUpdates>")


def wait_for_updates_ex(
    collector: MoRef, version: str, max_wait_s: int | None, max_object_updates: int | None
) -> bytes:
    """WaitForUpdatesEx; an empty `version` asks for the full current state first."""
    inner = f"<version>{escape(version)}</version><options>"
    if max_wait_s is not None:
        inner += f"<maxWaitSeconds>{int(max_wait_s)}</maxWaitSeconds>"
    if max_object_updates:
        inner += f"<maxObjectUpdates>{int(max_object_updates)}</maxObjectUpdates>"
    inner += "</options>"
    return _call("WaitForUpdatesEx", collector, inner)


def cancel_wait_for_updates(collector: MoRef) -> bytes:
    return _call("CancelWaitForUpdates", collector, "")


def destroy_property_collector(collector: MoRef) -> bytes:
    return _call("DestroyPropertyCollector", collector, "")


def create_property_collector(collector: MoRef) -> bytes:
    return _call("CreatePropertyCollector", collector, "")


def create_container_view(
    view_manager: MoRef, container: MoRef, types: Sequence[str], recursive: bool = True
) -> bytes:
    inner = _moref("container", container)
    inner += "".join(f"<type>{escape(t)}</type>" for t in types)
    inner += f"<recursive>{'true' if recursive else 'false'}</recursive>"
    return _call("CreateContainerView", view_manager, inner)


def destroy_view(view: MoRef) -> bytes:
    return _call("DestroyView", view, "")


def query_perf(perf_manager: MoRef, specs: Sequence[PerfQuery]) -> bytes:
    parts = []
    for q in specs:
        parts.append("<querySpec>" + _moref("entity", q.entity))
        if q.start_time:
            parts.append(f"<startTime>{escape(q.start_time)}</startTime>")
        parts.append(f"<maxSample>{int(q.max_sample)}</maxSample>")
        parts.extend(
            f"<metricId><counterId>{int(c)}</counterId><instance>*</instance></metricId>"
            for c in q.counter_ids
        )
        parts.append(f"<intervalId>{int(q.interval_s)}</intervalId>")
        parts.append(f"<format>{escape(q.format)}</format></querySpec>")
    return _call("QueryPerf", perf_manager, "".join(parts))
