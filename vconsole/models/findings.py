"""One finding type for every pane: what is wrong, about which object, how bad, and since when.

Every pane used to have its own problem class of the same shape; the triage pane, `vconsole
triage --json` and the checks need to rank, group and jump across panes, so they share this.

API (stable; other modules build on it):

- `Severity` is the one ordered scale, `vconsole.models.common.Verdict`:
  `ok < info < warning < critical`, plus `error`, which says "could not read" (the console
  cannot tell; it ranks above critical because it hides everything else about the object).
  `Severity.rank` orders it; `is_problem(sev)` is "warning or worse" (what makes a CLI exit 1).
- `Subject(kind, name, host=, cluster=, site=, fields=)` is the object a finding is about.
  `kind` is a `SubjectKind` value (host, lag, lag_port, device, path, server, vmk_target, org,
  dvs, portgroup, cluster, ...); `name` is the object's own name as its pane shows it;
  `host`/`cluster`/`site` place it (site = the vCenter/Cloud Director/target it was read
  from) when known; `fields` are the other identifying parts (`(("dvs", "dvs-a"), ("lag",
  "lag1"))`). `Subject.key` is a stable identity across refreshes; `Subject.label` a short
  human name; `Subject.of(kind, name, host=..., **fields)` builds one.
- `Finding(code, severity, text, evidence="", subject=NO_SUBJECT, source="", seen_at=None)`.
  `code` is stable for scripts (kebab or snake case, as the pane always had it); `text` is a
  sentence for the admin; `evidence` what it rests on; `source` the pane alias that found it
  (`lacp`, `mtu`, `paths`, `gpus`, `inventory`, `branding`, `checks`); `seen_at` epoch seconds.
  Verdict logic may build findings without a subject and the pane attaches it with
  `finding.about(subject, source, seen_at)`.
- `Finding.to_json()` keys, always all present: `code`, `severity`, `text`, `evidence`,
  `subject` (the label), `kind`, `site`, `cluster`, `host`, `fields` (object of the identifying
  parts), `key` (the subject key), `source`, `seen_at` (ISO-8601 UTC or null). Panes whose
  problems had more keys (`scope`, `message`) add them, never rename these.
- `could_not_read(subject, source, text, ...)` builds the `error` finding for an unreadable
  target; `Finding.unreadable` tells one apart; `worst_first(findings)` sorts worst, then newest.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, TypeVar

from vconsole.models.common import Verdict, named_json

Severity = Verdict


def is_problem(severity: Verdict) -> bool:
    """Warning or worse, including "could not read": what makes `vconsole triage` exit 1."""
    return severity.rank >= Verdict.WARNING.rank


class SubjectKind(str, enum.Enum):
    """What sort of object a finding is about; the triage pane jumps to the pane that shows it."""

    SITE = "site"  # a configured target: a vCenter, a Cloud Director, a Bitfusion client
    CLUSTER = "cluster"
    HOST = "host"
    VM = "vm"
    DATASTORE = "datastore"
    DVS = "dvs"
    PORTGROUP = "portgroup"
    LAG = "lag"  # one LAG on one host
    LAG_PORT = "lag_port"  # one vmnic of one LAG on one host
    VMK = "vmk"
    VMK_TARGET = "vmk_target"  # one vmk -> target pair of the MTU pane
    DEVICE = "device"  # a storage device (LUN) on one host
    PATH = "path"  # one path of a storage device
    SERVER = "server"  # a Bitfusion server
    GPU = "gpu"
    CLIENT = "client"  # a Bitfusion client VM
    ORG = "org"  # a Cloud Director organisation
    LINK = "link"  # a Cloud Director custom link
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Subject:
    """The object a finding is about, placed as far as it is known (site > cluster > host)."""

    kind: SubjectKind = SubjectKind.UNKNOWN
    name: str = ""
    host: str = ""
    cluster: str = ""
    site: str = ""
    fields: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls,
        kind: SubjectKind | str,
        name: str,
        *,
        host: str = "",
        cluster: str = "",
        site: str = "",
        **fields: str,
    ) -> Subject:
        parts = tuple((k, str(v)) for k, v in fields.items() if v not in ("", None))
        return cls(SubjectKind(kind), name, host, cluster, site, parts)

    def field(self, name: str) -> str:
        return next((v for k, v in self.fields if k == name), "")

    @property
    def key(self) -> str:
        """Stable identity across refreshes: the same object gives the same key every time."""
        parts = [self.kind.value, self.site, self.host, self.name]
        parts += [f"{k}={v}" for k, v in self.fields]
        return "|".join(parts)

    @property
    def label(self) -> str:
        """A short name an admin recognises: `esx01 lag1/vmnic1`, `esx01 naa.600…`."""
        own = self.name
        if self.host and self.host != own:
            return f"{self.host} {own}".strip()
        return own or self.host or self.cluster or self.site

    def to_json(self) -> dict[str, Any]:
        return (
            {"subject": self.label}
            | named_json(self, "kind site cluster host")
            | {
                "fields": dict(self.fields) | {"name": self.name},
                "key": self.key,
            }
        )


NO_SUBJECT = Subject()
F = TypeVar("F", bound="Finding")


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or worth knowing) about one object, as one pane saw it at one time."""

    code: str
    severity: Verdict
    text: str
    evidence: str = ""
    subject: Subject = NO_SUBJECT
    source: str = ""
    seen_at: float | None = None

    def about(self: F, subject: Subject, source: str = "", seen_at: float | None = None) -> F:
        """This finding placed on its object (kept values win when the new ones are empty)."""
        return replace(
            self,
            subject=subject,
            source=source or self.source,
            seen_at=seen_at if seen_at is not None else self.seen_at,
        )

    @property
    def unreadable(self) -> bool:
        """The console could not read the object: nothing else is known about it."""
        return self.severity is Verdict.ERROR

    @property
    def key(self) -> str:
        """Stable identity of this finding across refreshes (the object and the code)."""
        return f"{self.source}|{self.subject.key}|{self.code}"

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape; every key always present."""
        return {
            **named_json(self, "code severity text evidence"),
            **self.subject.to_json(),
            "source": self.source,
            "seen_at": iso_time(self.seen_at),
        }

    def as_json(self) -> dict[str, Any]:
        """The name the panes' models use for `to_json`."""
        return self.to_json()


def iso_time(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return (
        datetime.fromtimestamp(epoch, timezone.utc)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )


def could_not_read(
    subject: Subject,
    source: str,
    text: str,
    *,
    evidence: str = "",
    seen_at: float | None = None,
    code: str = "unreadable",
) -> Finding:
    """The finding for a target or object the console could not read (severity `error`)."""
    return Finding(code, Verdict.ERROR, text, evidence, subject, source, seen_at)


def worst_first(
    findings: Iterable[Finding], since: Mapping[str, float] | None = None
) -> list[Finding]:
    """Worst severity first, then newest, then by object so the order is stable. Newest is by
    `since[finding.key]` (when the problem was first seen) where given, else by `seen_at`."""
    when = since_or_seen(since)
    return sorted(findings, key=lambda f: (-f.severity.rank, -when(f), f.subject.key, f.code))


def since_or_seen(since: Mapping[str, float] | None) -> Callable[[Finding], float]:
    """When a finding counts as new: first seen where `since` knows it, else its reading time."""
    if not since:
        return lambda f: f.seen_at or 0.0

    def when(f: Finding) -> float:
        first = since.get(f.key)
        return first if first is not None else (f.seen_at or 0.0)

    return when
