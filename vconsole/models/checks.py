"""The design checks' rows: one per check x object, each a `Finding` plus why it matters and the fix.

The fix is a command line or a setting to show an admin; the console never runs it. A row with
verdict `ok` is kept (the check looked and found nothing), so `vconsole checks` lists every
check with its verdicts, and `findings()` gives the problems alone to the triage pane.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from vconsole.models.common import RawOutput, Verdict, host_transcript, worst
from vconsole.models.findings import Finding, is_problem


@dataclass(frozen=True)
class CheckInfo:
    """One design check: its stable id, a title, why an admin should care, its source of truth."""

    id: str
    number: int
    title: str
    why: str
    source: str


@dataclass(frozen=True)
class CheckRow:
    check: CheckInfo
    finding: Finding
    fix: str = ""
    value: str = ""  # what was read, in a few words (e.g. "snooping, 7.0.3")

    @property
    def verdict(self) -> Verdict:
        return self.finding.severity

    def as_json(self) -> dict[str, Any]:
        return {
            "check": self.check.id,
            "title": self.check.title,
            "verdict": self.verdict.value,
            **self.finding.to_json(),
            "value": self.value,
            "why": self.check.why,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class HostReading:
    """What one host answered to the checks' commands, kept for the raw-output view."""

    host: str
    ok: bool
    error: str = ""
    outputs: tuple[RawOutput, ...] = ()

    def transcript(self) -> str:
        notes = [f"could not read: {self.error}"] if self.error else []
        return host_transcript(self.host, notes, self.outputs)


@dataclass(frozen=True)
class ChecksReport:
    rows: tuple[CheckRow, ...]
    hosts: tuple[HostReading, ...] = ()
    vcenter: str = ""
    vcenter_error: str = ""
    taken_at: float = 0.0
    checks: tuple[CheckInfo, ...] = field(default_factory=tuple)

    def findings(self) -> list[Finding]:
        """The problems (anything but `ok`), for the triage pane."""
        return [r.finding for r in self.rows if r.verdict is not Verdict.OK]

    @property
    def worst(self) -> Verdict:
        return worst([r.verdict for r in self.rows])

    @property
    def exit_code(self) -> int:
        """`vconsole checks`: 1 when anything is a warning or worse (or unreadable), else 0."""
        return 1 if any(is_problem(r.verdict) for r in self.rows) else 0

    def host(self, name: str) -> HostReading | None:
        return next((h for h in self.hosts if h.host == name), None)

    def rows_of(self, check_id: str) -> list[CheckRow]:
        return [r for r in self.rows if r.check.id == check_id]

    def as_json(self) -> dict[str, Any]:
        return {
            "taken_at": self.taken_at,
            "vcenter": self.vcenter or None,
            "vcenter_error": self.vcenter_error,
            "checks": [
                {
                    "check": c.id,
                    "number": c.number,
                    "title": c.title,
                    "why": c.why,
                    "source": c.source,
                    "verdict": worst([r.verdict for r in self.rows_of(c.id)]).value,
                    "rows": len(self.rows_of(c.id)),
                }
                for c in self.checks
            ],
            "rows": [r.as_json() for r in self.rows],
        }


def sorted_rows(rows: Iterable[CheckRow]) -> tuple[CheckRow, ...]:
    """Check order, then worst first, then by object, so the table and JSON are stable."""
    return tuple(
        sorted(
            rows,
            key=lambda r: (r.check.number, -r.verdict.rank, r.finding.subject.key, r.finding.code),
        )
    )
