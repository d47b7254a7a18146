"""The panes as sources of findings for triage: each reads what its pane reads, once per call.

A reader keeps its pane service between reads (LACP counter deltas, vCenter caches), so a
background poll costs what the pane's own refresh costs. MTU runs only when an admin asks (it
sends probes), so its source is the last saved run, not a new one.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from vconsole.models.common import Verdict
from vconsole.models.findings import Finding, Subject, SubjectKind, could_not_read
from vconsole.services.triage import HostPlace, SourceReading

if TYPE_CHECKING:
    from vconsole.models.inventory import HostRow
    from vconsole.sessions.protocols import ProfileView, Sessions
    from vconsole.untyped import Json


class _Report(Protocol):
    @property
    def taken_at(self) -> float | None: ...

    def findings(self) -> Iterable[Finding]: ...


class _Refreshable(Protocol):
    """A pane service as triage reads it: one refresh gives a report with findings."""

    async def refresh(self) -> _Report: ...


def _first(profile: ProfileView, kind: str) -> str | None:
    names = profile.names(kind)
    return names[0] if names else None


async def _refreshed(source: str, service: _Refreshable, missing: str) -> SourceReading:
    """The pane's findings after one refresh of its service; `missing` says why there is
    nothing to read (no target of the kinds it needs), and then nothing is asked."""
    if missing:
        return SourceReading(source, taken_at=time.time(), note=missing)
    report = await service.refresh()
    return SourceReading(source, tuple(report.findings()), report.taken_at or time.time())


class LacpFindings:
    def __init__(self, manager: Sessions, profile: ProfileView) -> None:
        from vconsole.services.lacp import LacpService

        self.hosts = profile.names("esxi", "replay")
        self.service = LacpService(manager, self.hosts, _first(profile, "vcenter"))

    async def read(self) -> SourceReading:
        return await _refreshed("lacp", self.service, "" if self.hosts else "no esxi targets")


class PathsFindings:
    def __init__(self, manager: Sessions, profile: ProfileView) -> None:
        from vconsole.services.paths import PathsService

        self.vcenter = _first(profile, "vcenter")
        self.hosts = profile.names("esxi", "replay")
        self.service = PathsService(manager, self.hosts, self.vcenter)

    async def read(self) -> SourceReading:
        none = not self.hosts and self.vcenter is None
        missing = "no esxi or vcenter targets" if none else ""
        return await _refreshed("paths", self.service, missing)


class GpuFindings:
    def __init__(self, manager: Sessions, profile: ProfileView) -> None:
        from vconsole.services.gpus import GpuPoolService

        self.client = _first(profile, "bitfusion")
        self.service = GpuPoolService(manager, self.client, _first(profile, "vcenter"))

    async def read(self) -> SourceReading:
        missing = "no bitfusion target" if self.client is None else ""
        return await _refreshed("gpus", self.service, missing)


class InventoryFindings:
    """Hosts vCenter cannot reach, datastores not accessible; and where each host lives."""

    def __init__(self, manager: Sessions, profile: ProfileView) -> None:
        from vconsole.services.inventory import InventoryService

        self.vcenters = profile.names("vcenter")
        self.service = InventoryService(manager, self.vcenters)

    async def read(self) -> SourceReading:
        from vconsole.models.inventory import DatastoreRow, HostRow, ObjectKind

        now = time.time()
        if not self.vcenters:
            return SourceReading("inventory", taken_at=now, note="no vcenter targets")
        statuses = await self.service.load([ObjectKind.HOST, ObjectKind.DATASTORE])
        found: list[Finding] = []
        for status in statuses:
            if status.error:
                site = Subject.of(SubjectKind.SITE, status.vcenter, site=status.vcenter)
                found.append(could_not_read(site, "inventory", status.error, seen_at=now))
        places = []
        for row in self.service.rows():
            if isinstance(row, HostRow):
                places.append(HostPlace(row.name, row.vcenter, row.cluster))
                found += _host_findings(row, now)
            elif isinstance(row, DatastoreRow) and row.accessible is False:
                subject = Subject.of(SubjectKind.DATASTORE, row.name, site=row.vcenter)
                text = f"datastore {row.name} is not accessible"
                found.append(
                    Finding("datastore-inaccessible", Verdict.CRITICAL, text, "", subject, "inventory", now)
                )  # fmt: skip
        return SourceReading("inventory", tuple(found), now, tuple(places))


def _host_findings(row: HostRow, now: float) -> list[Finding]:
    subject = Subject.of(
        SubjectKind.HOST, row.name, host=row.name, cluster=row.cluster, site=row.vcenter
    )
    out = []
    state = row.connection_state
    if state and state != "connected":
        text = f"vCenter reports the host {state}"
        out.append(Finding("host-" + state.lower(), Verdict.CRITICAL, text, "", subject, "", now))
    if row.maintenance:
        out.append(
            Finding("maintenance", Verdict.INFO, "in maintenance mode", "", subject, "", now)
        )
    return [f.about(subject, "inventory") for f in out]


class MtuFindings:
    """The last saved MTU run (the pane and `vconsole mtu` save every result)."""

    def __init__(self, manager: Sessions, profile: ProfileView) -> None:
        from vconsole.services.mtu_store import MtuStore

        self.store = MtuStore()

    async def read(self) -> SourceReading:
        results = self.store.last_results()
        found = [f for data in results.values() for f in mtu_findings(data)]
        if not results:
            return SourceReading("mtu", taken_at=time.time(), note="no MTU run saved yet")
        return SourceReading("mtu", tuple(found), time.time())


_LEGACY = {"unreachable": Verdict.CRITICAL}


def mtu_findings(data: dict[str, Json]) -> list[Finding]:
    """Findings of one saved MTU result (its `to_json()` shape, older files included)."""
    from vconsole.models.mtu import epoch_of

    vmk, target = str(data.get("vmk") or "auto"), str(data.get("label") or data.get("target"))
    family = str(data.get("family", "ipv4"))
    subject = Subject.of(
        SubjectKind.VMK_TARGET,
        f"{vmk} -> {target}" + (" (v6)" if family == "ipv6" else ""),
        host=str(data.get("host", "")),
        vmk=vmk,
        netstack=str(data.get("netstack", "")),
        target=str(data.get("address") or data.get("target") or ""),
        family=family,
    )
    seen = epoch_of(str(data.get("checked_at", "")))
    out = []
    for item in data.get("findings") or []:
        if not isinstance(item, dict):
            continue
        raw = str(item.get("severity", ""))
        try:
            severity = _LEGACY.get(raw) or Verdict(raw)
        except ValueError:
            continue
        text = str(item.get("text") or item.get("message") or "")
        code = str(item.get("code", ""))
        out.append(
            Finding(code, severity, text, str(item.get("evidence", "")), subject, "mtu", seen)
        )
    return out
