"""What the LACP pane shows: one row per host x LAG x vmnic, a health line per host x LAG.

The same objects back the screen and `vconsole lacp --json` (`as_json()`), so both say the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from vconsole.models.common import RawOutput, Verdict, host_transcript, named_json, worst
from vconsole.models.findings import Finding, Subject, SubjectKind

LacpProblem = Finding
"""A finding of the LACP pane, built as `LacpProblem(code, severity, text, evidence)`."""


@dataclass(frozen=True)
class DvsLag:
    """A LAG as vCenter configures it (`VMwareDvsLacpGroupConfig`), with the switch's hosts."""

    dvs: str
    key: str
    name: str
    mode: str = ""
    uplink_count: int | None = None
    load_balancing: str = ""
    timeout_mode: str = ""  # "fast"/"slow" from vSphere API 7.0.2; "" when the API lacks it
    uplink_names: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    dvs_version: str = ""
    host_nics: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(host, vmnics) that vCenter puts in this LAG's ports, per member host."""

    def nics_of(self, host: str) -> tuple[str, ...] | None:
        """The vmnics vCenter assigns to this LAG on `host`, or None when it does not say."""
        return self._nics_by_host.get(short_host(host))

    def has_member(self, host: str) -> bool:
        """`host` (by FQDN or short name, any case) is a member host of this LAG's switch."""
        return short_host(host) in self._members

    # Indexed once per LAG: an estate of 1,000 hosts asks each LAG once per host per refresh.
    @cached_property
    def _members(self) -> frozenset[str]:
        return frozenset(short_host(h) for h in self.hosts)

    @cached_property
    def _nics_by_host(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        for name, nics in self.host_nics:
            found.setdefault(short_host(name), nics)
        return found

    @property
    def timeout_in_vcenter(self) -> bool:
        """DVS 7.0.2+ sets the timeout centrally; older switches only per host (KB 376191)."""
        return bool(self.timeout_mode) or _version(self.dvs_version) >= (7, 0, 2)


def short_host(name: str) -> str:
    """`ESX01.corp.local` and `esx01` name the same host to vCenter and to the host itself."""
    return name.lower().split(".")[0]


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class LagPortRow:
    """One vmnic of one LAG on one host, with its verdict. A failed host has one row, no vmnic."""

    host: str
    dvs: str = ""
    lag: str = ""
    lag_id: str = ""
    vmnic: str = ""
    state: str = ""
    mode: str = ""
    local_flags: str = ""
    partner_flags: str = ""
    port_state: tuple[str, ...] = ()
    partner_port_state: tuple[str, ...] = ()
    partner_device_id: str = ""
    partner_oper_key: int | None = None
    partner_port_number: int | None = None
    local_oper_key: int | None = None
    local_port_number: int | None = None
    partner_age: str = ""
    rx_lacpdus: int | None = None
    tx_lacpdus: int | None = None
    rx_errors: int | None = None
    tx_errors: int | None = None
    rx_delta: int | None = None
    tx_delta: int | None = None
    verdict: Verdict = Verdict.OK
    summary: str = ""
    problems: tuple[LacpProblem, ...] = ()
    error: str = ""

    @property
    def key(self) -> str:
        """Stable table key across refreshes."""
        return "|".join((self.host, self.dvs, self.lag_id, self.vmnic))

    @property
    def subject(self) -> Subject:
        """The vmnic of the LAG on its host; a row without a vmnic stands for the host."""
        if not self.vmnic:
            if self.lag or self.lag_id:
                return lag_subject(self.host, self.dvs, self.lag, self.lag_id)
            return Subject.of(SubjectKind.HOST, self.host, host=self.host)
        return Subject.of(
            SubjectKind.LAG_PORT,
            self.vmnic,
            host=self.host,
            dvs=self.dvs,
            lag=self.lag or self.lag_id,
            lag_id=self.lag_id,
        )

    def as_json(self) -> dict[str, Any]:
        return named_json(
            self,
            "host dvs lag lag_id vmnic state mode local_flags partner_flags port_state"
            " partner_port_state partner_device_id partner_oper_key partner_port_number"
            " local_oper_key local_port_number partner_age rx_lacpdus tx_lacpdus rx_errors"
            " tx_errors rx_delta tx_delta verdict summary",
        ) | {
            "problems": [p.about(self.subject, "lacp").as_json() for p in self.problems],
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class LagHealth:
    """One LAG on one host: how many links are bundled against how many are configured."""

    host: str
    dvs: str
    lag: str
    lag_id: str
    mode: str
    configured_links: int
    bundled_links: int
    verdict: Verdict
    summary: str
    problems: tuple[LacpProblem, ...] = ()

    @property
    def subject(self) -> Subject:
        return lag_subject(self.host, self.dvs, self.lag, self.lag_id)

    def as_json(self) -> dict[str, Any]:
        return named_json(
            self, "host dvs lag lag_id mode configured_links bundled_links verdict summary"
        ) | {"problems": [p.about(self.subject, "lacp").as_json() for p in self.problems]}


def lag_subject(host: str, dvs: str, lag: str, lag_id: str) -> Subject:
    """One LAG on one host (LAG-level findings: bundle count, vCenter drift, partner mismatch)."""
    return Subject.of(SubjectKind.LAG, lag or lag_id, host=host, dvs=dvs, lag_id=lag_id)


@dataclass(frozen=True, slots=True)
class HostOutcome:
    host: str
    ok: bool
    error: str = ""
    duration_s: float = 0.0
    outputs: tuple[RawOutput, ...] = ()

    def transcript(self) -> str:
        """The host's raw output as a pasteable shell transcript."""
        notes = [f"error: {self.error}"] if self.error else []
        return host_transcript(self.host, notes, self.outputs, _EARLIER_CONFIG)


_EARLIER_CONFIG = "output from an earlier refresh; the host's LAGs have not changed"


@dataclass(frozen=True)
class LacpReport:
    """One refresh of the whole estate."""

    rows: tuple[LagPortRow, ...]
    lags: tuple[LagHealth, ...] = ()
    hosts: tuple[HostOutcome, ...] = ()
    vcenter_lags: tuple[DvsLag, ...] = ()
    vcenter_error: str = ""
    taken_at: float = 0.0
    duration_s: float = 0.0
    notes: tuple[str, ...] = field(default=())

    def host(self, name: str) -> HostOutcome | None:
        return next((h for h in self.hosts if h.host == name), None)

    @property
    def verdict(self) -> Verdict:
        return worst([r.verdict for r in self.rows])

    def findings(self) -> tuple[Finding, ...]:
        """Every finding once, on its object: LAG-level ones on the LAG, the rest on the vmnic."""
        out: list[Finding] = []
        on_lag: set[tuple[str, str, str, str, str]] = set()
        for lag in self.lags:
            for p in lag.problems:
                on_lag.add((lag.host, lag.dvs, lag.lag_id, p.code, p.text))
                out.append(p.about(lag.subject, "lacp", self.taken_at or None))
        for row in self.rows:
            for p in row.problems:
                if (row.host, row.dvs, row.lag_id, p.code, p.text) not in on_lag:
                    out.append(p.about(row.subject, "lacp", self.taken_at or None))
        return tuple(out)
