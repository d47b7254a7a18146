"""The `:check` pane's service: the six design checks over every host and the vCenter.

Hosts are read through the session manager's fan-out (bounded; SSH, replay captures, or any
path `manager.run` serves), vCenter through one PropertyCollector read; each check is a pure
function of what was read (`checks_network`, `checks_boot`, `checks_ha`, `checks_drift`), so
the same rows back `vconsole checks`, `vconsole analyze` and the screen. A host that gives no
answer becomes an `error` row in each host check, never a missing row; the fixes are shown,
never run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from vconsole.models.checks import CheckInfo, CheckRow, ChecksReport, HostReading, sorted_rows
from vconsole.models.common import Verdict, last_transcript
from vconsole.models.findings import Subject, SubjectKind
from vconsole.services.answers import error_text
from vconsole.services.checks_boot import boot_rows
from vconsole.services.checks_catalog import BOOT, CHECKS, FLAPPING, HA_SLOTS, LLDP, MULTICAST, row
from vconsole.services.checks_drift import drift_rows
from vconsole.services.checks_ha import ha_rows
from vconsole.services.checks_host import BACKGROUND_COMMANDS_AT_ONCE, HostFacts, read_host
from vconsole.services.checks_network import (
    DEFAULT_NLB_PATTERNS,
    flapping_rows,
    lldp_rows,
    multicast_rows,
)
from vconsole.services.checks_vcenter import VcenterFacts, host_subject

if TYPE_CHECKING:
    from vconsole.services.triage import SourceReading
    from vconsole.sessions.protocols import ProfileView, Sessions

Progress = Callable[[int, int], None]


class ChecksService:
    """Runs the design checks on `hosts` (esxi or replay targets) and, when given, a vCenter;
    `concurrency` bounds the hosts read at once, `commands_at_once` (when given) their commands
    in flight."""

    def __init__(
        self,
        manager: Sessions,
        hosts: Sequence[str],
        vcenter: str | None = None,
        *,
        nlb_patterns: Sequence[str] = DEFAULT_NLB_PATTERNS,
        concurrency: int | None = None,
        commands_at_once: int | None = None,
    ) -> None:
        self.manager = manager
        self.hosts = list(hosts)
        self.vcenter = vcenter
        self.nlb_patterns = tuple(nlb_patterns) or DEFAULT_NLB_PATTERNS
        self.concurrency = concurrency
        self.commands_at_once = commands_at_once
        self.last: ChecksReport | None = None

    async def refresh(self, on_progress: Progress | None = None) -> ChecksReport:
        """Ask every host and the vCenter now; never raises for one host's or vCenter's failure."""
        import asyncio

        now = time.time()
        vc_task = asyncio.ensure_future(self._vcenter()) if self.vcenter else None

        def progress(done: int, total: int, _result: object) -> None:
            if on_progress is not None:
                on_progress(done, total)

        gate = asyncio.Semaphore(self.commands_at_once) if self.commands_at_once else None

        async def one(host: str) -> HostFacts:
            return await read_host(self.manager, host, gate)

        results = await self.manager.fan_out(
            one, self.hosts, limit=self.concurrency, on_progress=progress
        )
        vc: VcenterFacts | None = None
        vc_error = ""
        if vc_task is not None:
            try:
                vc = await vc_task
            except Exception as exc:  # vCenter down: its checks say so, host checks still run
                vc_error = error_text(exc)
        facts: dict[str, HostFacts] = {}
        readings: list[HostReading] = []
        rows: list[CheckRow] = []
        site = self.vcenter or ""
        for result in results:
            if result.error is not None:
                text = error_text(result.error).removeprefix(f"{result.target}: ")
                readings.append(HostReading(result.target, False, text))
                rows.extend(_host_down_rows(result.target, text, vc, site, now))
                continue
            value = result.value
            assert value is not None  # no error: the host's reading came back
            facts[result.target] = value
            readings.append(HostReading(result.target, True, "", value.outputs))
        rows.extend(self._vcenter_rows(vc, vc_error, site, now))
        rows.extend(flapping_rows(facts, vc, site, now))
        rows.extend(lldp_rows(facts, vc, site, now))
        rows.extend(boot_rows(facts, vc, site, now))
        rows.extend(drift_rows(facts, vc, site, now))
        report = ChecksReport(
            rows=sorted_rows(rows),
            hosts=tuple(readings),
            vcenter=self.vcenter or "",
            vcenter_error=vc_error,
            taken_at=now,
            checks=CHECKS,
        )
        self.last = report
        return report

    def _vcenter_rows(
        self, vc: VcenterFacts | None, vc_error: str, site: str, now: float
    ) -> list[CheckRow]:
        if vc is not None:
            out = multicast_rows(vc, site, self.nlb_patterns) + ha_rows(vc, site, now)
            if vc.events_error:
                subject = Subject.of(SubjectKind.SITE, site, site=site)
                out.append(
                    row(
                        FLAPPING,
                        subject,
                        "events-unreadable",
                        Verdict.ERROR,
                        vc.events_error,
                        seen_at=now,
                    )
                )
            return out
        subject = Subject.of(SubjectKind.SITE, site or "vCenter", site=site)
        if vc_error:
            text = f"could not read vCenter {site}: {vc_error}"
            return _unreadable_rows((MULTICAST, HA_SLOTS), subject, text, now)
        return [
            row(
                check,
                subject,
                "needs-vcenter",
                Verdict.INFO,
                "this check reads vCenter, and no vCenter was given (captures hold host "
                "commands only)",
                seen_at=now,
            )
            for check in (MULTICAST, HA_SLOTS)
        ]

    async def _vcenter(self) -> VcenterFacts:
        from vconsole.services.checks_vcenter import read_check_facts

        assert self.vcenter is not None
        vim = await self.manager.vim(self.vcenter)
        facts: VcenterFacts = await vim.call(read_check_facts, vim.content)
        return facts

    def transcript(self, host: str) -> str:
        """The last raw output of one host, ready to paste into a support case."""
        return last_transcript(self.last, host, "not read yet")


def _host_down_rows(
    host: str, text: str, vc: VcenterFacts | None, site: str, now: float
) -> list[CheckRow]:
    subject = host_subject(host, vc, site)
    return _unreadable_rows(
        (FLAPPING, LLDP, BOOT), subject, f"could not read the host: {text}", now
    )


def _unreadable_rows(
    checks: Sequence[CheckInfo], subject: Subject, text: str, now: float
) -> list[CheckRow]:
    """One `unreadable` row per check that could not run, all on the object that failed."""
    return [row(check, subject, "unreadable", Verdict.ERROR, text, seen_at=now) for check in checks]


def report_json(report: ChecksReport) -> dict[str, object]:
    """`vconsole checks --json`: the checks with their worst verdict, then one row per
    check x object."""
    return report.as_json()


async def analyze_targets(manager: Sessions, targets: Sequence[str]) -> dict[str, object]:
    """The `analyze` entry: the host checks on captured (replay) hosts; vCenter checks say they
    need a vCenter."""
    report = await ChecksService(manager, targets).refresh()
    return report_json(report)


class CheckFindings:
    """The triage source: the checks' problems (rows that are not ok), host placement from vCenter."""

    def __init__(self, manager: Sessions, profile: ProfileView) -> None:
        vcenters = profile.names("vcenter")
        self.hosts = profile.names("esxi", "replay")
        nlb = tuple(getattr(profile, "nlb_portgroups", ()) or ()) or DEFAULT_NLB_PATTERNS
        self.service = ChecksService(
            manager,
            self.hosts,
            vcenters[0] if vcenters else None,
            nlb_patterns=nlb,
            commands_at_once=BACKGROUND_COMMANDS_AT_ONCE,
        )

    async def read(self) -> SourceReading:
        from vconsole.services.triage import SourceReading

        if not self.hosts and self.service.vcenter is None:
            return SourceReading("checks", taken_at=time.time(), note="no esxi or vcenter targets")
        report = await self.service.refresh()
        # triage shows findings only: the hosts' transcripts, made amid the read's transient
        # objects and kept until the next read, would only pin the memory the read peaked at
        self.service.last = None
        return SourceReading("checks", tuple(report.findings()), report.taken_at)
