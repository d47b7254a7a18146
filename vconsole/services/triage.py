"""Triage: every finding of every pane in one list, worst first, grouped by site/cluster/host.

A pane's findings arrive as a `SourceReading`; the `FindingsBoard` keeps the latest reading of
each source, so findings appear and clear as each source refreshes at its own cadence. Sources
are registered in `SOURCES` by module path (imported only when read), so adding one is a line:

    FindingSource("checks", "Checks", "vconsole.services.checks", "CheckFindings", 120.0),

The named attribute is a factory `(manager, profile) -> reader`; the reader's
`async read() -> SourceReading` never raises for a target's failure (it says so in findings).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from vconsole.models.common import Verdict, named_json
from vconsole.models.findings import (
    Finding,
    SubjectKind,
    is_problem,
    since_or_seen,
    worst_first,
)
from vconsole.text_fit import clip_words

if TYPE_CHECKING:
    from vconsole.sessions.protocols import ProfileView, Sessions


@dataclass(frozen=True)
class HostPlace:
    """Where a host lives, as vCenter says: its vCenter (site) and cluster."""

    host: str
    site: str
    cluster: str


@dataclass(frozen=True)
class SourceReading:
    """One refresh of one source: its findings now, and what it learnt about host placement."""

    source: str
    findings: tuple[Finding, ...] = ()
    taken_at: float = 0.0
    places: tuple[HostPlace, ...] = ()
    note: str = ""
    """Why the source has nothing to say (no target of its kind in the profile), when so."""


class SourceReader(Protocol):
    async def read(self) -> SourceReading: ...


@dataclass(frozen=True)
class FindingSource:
    """A registered source of findings; `pane` is the `:alias` that shows its objects."""

    name: str
    title: str
    module: str
    factory: str
    interval_s: float = 60.0
    pane: str = ""

    def reader(self, manager: Sessions, profile: ProfileView) -> SourceReader:
        made: Callable[[Sessions, ProfileView], SourceReader] = getattr(
            importlib.import_module(self.module), self.factory
        )
        return made(manager, profile)


_SOURCES_MODULE = "vconsole.services.triage_sources"

SOURCES: tuple[FindingSource, ...] = (
    FindingSource("inventory", "Inventory", _SOURCES_MODULE, "InventoryFindings", 60.0, "host"),
    FindingSource("lacp", "LACP", _SOURCES_MODULE, "LacpFindings", 30.0, "lag"),
    FindingSource("paths", "Multipathing", _SOURCES_MODULE, "PathsFindings", 60.0, "path"),
    FindingSource("gpus", "Bitfusion", _SOURCES_MODULE, "GpuFindings", 30.0, "gpu"),
    FindingSource("mtu", "MTU (last run)", _SOURCES_MODULE, "MtuFindings", 30.0, "mtu"),
    FindingSource("checks", "Checks", "vconsole.services.checks", "CheckFindings", 300.0, "check"),
)
"""Every source triage reads. Add one line here to add a source."""


def source_named(name: str) -> FindingSource | None:
    return next((s for s in SOURCES if s.name == name), None)


@dataclass(frozen=True)
class Unreadable:
    """A target the console could not read, and which sources have no data for it."""

    target: str
    text: str
    sources: tuple[str, ...]
    seen_at: float | None
    findings: tuple[Finding, ...] = ()

    @property
    def line(self) -> str:
        n = len(self.sources)
        panes = f"{n} pane{'s' if n != 1 else ''} ({', '.join(self.sources)})"
        return f"{self.target}: {self.text} — {panes} ha{'ve' if n != 1 else 's'} no data for it"

    def to_json(self) -> dict[str, object]:
        return {"target": self.target, "text": self.text, "sources": list(self.sources)}


@dataclass(frozen=True)
class Group:
    """The findings of one place (site / cluster / host), worst first then newest."""

    site: str
    cluster: str
    host: str
    findings: tuple[Finding, ...]

    @property
    def label(self) -> str:
        return " / ".join(x for x in (self.site, self.cluster, self.host) if x) or "(no host)"

    @property
    def worst(self) -> Verdict:
        return self.findings[0].severity if self.findings else Verdict.OK

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.severity.value] = out.get(f.severity.value, 0) + 1
        return out

    def count_text(self) -> str:
        counts = self.counts()
        order = [v.value for v in sorted(Verdict, key=lambda v: -v.rank)]
        return ", ".join(f"{counts[v]} {v}" for v in order if v in counts)

    def to_json(self) -> dict[str, object]:
        return named_json(self, "site cluster host worst") | {
            "counts": self.counts(),
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True)
class Triage:
    """What the triage pane and `vconsole triage` show at one moment."""

    groups: tuple[Group, ...]
    unreadable: tuple[Unreadable, ...]
    notes: tuple[str, ...] = ()
    hidden_ok: int = 0

    @property
    def findings(self) -> list[Finding]:
        """Every finding shown, the unreadable ones included."""
        return [f for u in self.unreadable for f in u.findings] + [
            f for g in self.groups for f in g.findings
        ]

    @property
    def problem(self) -> bool:
        """Any warning or worse (or an unreadable target): `vconsole triage` exits 1."""
        return bool(self.unreadable) or any(is_problem(f.severity) for f in self.findings)

    def to_json(self) -> dict[str, object]:
        return {
            "problem": self.problem,
            "unreadable": [u.to_json() for u in self.unreadable],
            "groups": [g.to_json() for g in self.groups],
            "findings": [f.to_json() for f in worst_first(self.findings)],
            "notes": list(self.notes),
        }


def compile_filter(text: str) -> re.Pattern[str] | None:
    """The `/` filter: a case-insensitive regex (raises re.error); empty means no filter."""
    return re.compile(text, re.IGNORECASE) if text else None


def _filter_text(f: Finding) -> str:
    s = f.subject
    return " ".join(
        (f.severity.value, f.code, f.text, f.source, s.label, s.site, s.cluster, s.host)
    )


class FindingsBoard:
    """The latest reading of each source; panes and the triage poller post to it."""

    def __init__(self) -> None:
        self.readings: dict[str, SourceReading] = {}
        self.places: dict[str, HostPlace] = {}
        self.listeners: list[Callable[[], object]] = []
        # per source: (finding key, severity) -> when that reading first held it
        self._first_seen: dict[str, dict[tuple[str, Verdict], float]] = {}

    def post(self, reading: SourceReading) -> None:
        self.readings[reading.source] = reading
        for place in reading.places:
            self.places[place.host] = place
        self._first_seen[reading.source] = _first_seen(
            reading, self._first_seen.get(reading.source, {})
        )
        for listener in list(self.listeners):
            listener()

    def findings(self) -> list[Finding]:
        """Every finding placed on its site and cluster where vCenter told us, worst first."""
        out, since = self._placed()
        return worst_first(out, since)

    def _placed(self) -> tuple[list[Finding], dict[str, float]]:
        """The findings placed, and when each was first seen (by its placed key): a problem
        re-read at every refresh keeps its place in the list; one that cleared and came back,
        or got worse, is new again."""
        out: list[Finding] = []
        since: dict[str, float] = {}
        for name, reading in self.readings.items():
            first = self._first_seen.get(name, {})
            for f in reading.findings:
                placed = _placed(f, self.places)
                out.append(placed)
                seen = first.get((f.key, f.severity))
                if seen is not None:
                    since[placed.key] = seen
        return out, since

    def triage(
        self, pattern: re.Pattern[str] | None = None, show_ok: bool = False, negate: bool = False
    ) -> Triage:
        findings, since = self._placed()
        return build_triage(
            findings,
            pattern,
            show_ok=show_ok,
            negate=negate,
            notes=tuple(f"{r.source}: {r.note}" for r in self.readings.values() if r.note),
            since=since,
        )


def _first_seen(
    reading: SourceReading, before: Mapping[tuple[str, Verdict], float]
) -> dict[tuple[str, Verdict], float]:
    """Each finding of `reading` with the time it was first seen; those gone are dropped."""
    out: dict[tuple[str, Verdict], float] = {}
    for f in reading.findings:
        key = (f.key, f.severity)
        if key not in out:
            earlier = before.get(key)
            out[key] = earlier if earlier is not None else (f.seen_at or reading.taken_at)
    return out


def _placed(f: Finding, places: Mapping[str, HostPlace]) -> Finding:
    place = places.get(f.subject.host or "")
    if place is None or (f.subject.cluster and f.subject.site):
        return f
    subject = replace(
        f.subject, site=f.subject.site or place.site, cluster=f.subject.cluster or place.cluster
    )
    return replace(f, subject=subject)


def build_triage(
    findings: Iterable[Finding],
    pattern: re.Pattern[str] | None = None,
    *,
    show_ok: bool = False,
    negate: bool = False,
    notes: tuple[str, ...] = (),
    since: Mapping[str, float] | None = None,
) -> Triage:
    """Groups worst first (then newest); `ok` findings hidden unless asked; one line per
    unreadable target. `pattern` keeps matching findings (drops them with `negate`). `since`
    says when a finding (by key) was first seen, for "newest"; else its reading time counts."""
    when = since_or_seen(since)
    every = list(findings)
    shown = [f for f in every if show_ok or f.severity is not Verdict.OK]
    if pattern is not None:
        shown = [f for f in shown if bool(pattern.search(_filter_text(f))) != negate]
    unreadable = _unreadable([f for f in shown if f.unreadable])
    grouped: dict[tuple[str, str, str], list[Finding]] = {}
    for f in worst_first((f for f in shown if not f.unreadable), since):
        s = f.subject
        host = s.host or (s.name if s.kind in (SubjectKind.HOST, SubjectKind.CLIENT) else "")
        grouped.setdefault((s.site, s.cluster, host), []).append(f)
    groups = [Group(site, cl, host, tuple(fs)) for (site, cl, host), fs in grouped.items()]
    groups.sort(
        key=lambda g: (
            -g.worst.rank,
            -max(when(f) for f in g.findings if f.severity is g.worst),
            g.label,
        )
    )
    hidden = sum(1 for f in every if f.severity is Verdict.OK) if not show_ok else 0
    return Triage(tuple(groups), unreadable, notes, hidden)


def _unreadable(findings: list[Finding]) -> tuple[Unreadable, ...]:
    by_target: dict[str, list[Finding]] = {}
    for f in findings:
        s = f.subject
        target = s.host or s.name or s.site or "(unknown target)"
        by_target.setdefault(target, []).append(f)
    out = []
    for target, fs in by_target.items():
        sources = tuple(sorted({f.source for f in fs}))
        newest = max(fs, key=lambda f: f.seen_at or 0.0)
        text = _short(newest.text, target)
        out.append(Unreadable(target, text, sources, newest.seen_at, tuple(fs)))
    out.sort(key=lambda u: (-len(u.sources), u.target))
    return tuple(out)


def _short(text: str, target: str) -> str:
    """The first line of why, without the target's name repeated in front of it."""
    first = text.strip().splitlines()[0] if text.strip() else "not readable"
    while first.startswith(f"{target}: "):
        first = first[len(target) + 2 :]
    return clip_words(first, 60)


ReadAll = Callable[[], Awaitable[list[SourceReading]]]


@dataclass
class TriageRun:
    """A one-shot read of the chosen sources (the CLI); each source's failure is a finding."""

    manager: Sessions
    profile: ProfileView
    sources: tuple[FindingSource, ...] = field(default_factory=lambda: SOURCES)

    async def read(self) -> FindingsBoard:
        import asyncio

        board = FindingsBoard()
        readings = await asyncio.gather(
            *(read_source(s, self.manager, self.profile) for s in self.sources)
        )
        for reading in readings:
            board.post(reading)
        return board


async def read_source(
    source: FindingSource, manager: Sessions, profile: ProfileView
) -> SourceReading:
    """One read of `source`; a source that fails as a whole says so as one finding."""
    return await read_with(source, source.reader(manager, profile))


async def read_with(source: FindingSource, reader: SourceReader) -> SourceReading:
    import time

    from vconsole.models.findings import Subject, could_not_read

    try:
        return await reader.read()
    except Exception as exc:  # a source's own bug or failure must not hide the others
        subject = Subject.of(SubjectKind.SITE, source.title)
        text = f"{source.title} could not be read: {str(exc) or type(exc).__name__}"
        finding = could_not_read(subject, source.name, text, seen_at=time.time())
        return SourceReading(source.name, (finding,), time.time())
