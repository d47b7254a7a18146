"""The LACP pane's service: LAG config from vCenter, runtime from every host, verdicts.

Hosts are asked in parallel through the session manager's fan-out (bounded), each host's
commands in one batched exec on its one SSH connection (`run_each`; `batch=False` or a host
that refuses the batch: one exec per command, in parallel); a failing host becomes error rows and never
holds up the rest. Counters are kept between refreshes for deltas. `config get` is
configuration: it is asked on the first refresh, on a full refresh, and again only when a host's
running LAGs no longer match what it said, which saves a third of the round trips per poll.
vCenter's LAG config is likewise re-read on a full refresh or when older than five minutes.
The same object backs `vconsole lacp`, `vconsole analyze` (on replay targets) and the screen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from vconsole.errors import VconsoleError
from vconsole.esx.api_map import decode
from vconsole.esx.lacp import (
    ConfigOutput,
    StatsOutput,
    StatusOutput,
    config_command,
    parse_config,
    parse_stats,
    parse_status,
    stats_command,
    status_command,
    timeout_set_command,
)
from vconsole.kept import kept_if_equal
from vconsole.models.common import last_transcript
from vconsole.models.lacp import DvsLag, HostOutcome, LacpReport, LagHealth, LagPortRow, RawOutput
from vconsole.services.answers import error_text, raw_output
from vconsole.services.lacp_verdicts import CounterSample, host_error_row, judge_host
from vconsole.tokens import Command
from vconsole.vim.gc_pause import full_collections_postponed, gc_paused

if TYPE_CHECKING:
    from vconsole.sessions.protocols import Sessions
    from vconsole.sessions.results import Answer, CommandResult

Progress = Callable[[int, int], None]
_STATUS, _STATS, _CONFIG = status_command(), stats_command(), config_command()
VCENTER_MAX_AGE_S = 300.0
"""LAG config from vCenter is re-read at most this often, and on every full refresh."""


@dataclass(frozen=True)
class _HostFetch:
    status: StatusOutput
    stats: StatsOutput | None
    config: ConfigOutput | None
    outputs: tuple[RawOutput, ...]


class LacpService:
    """Refreshes LACP state of `hosts` (esxi or replay targets), optionally with vCenter config."""

    def __init__(
        self,
        manager: Sessions,
        hosts: Sequence[str],
        vcenter: str | None = None,
        *,
        concurrency: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        batch: bool = True,
    ) -> None:
        self.manager = manager
        self.hosts = list(hosts)
        self.vcenter = vcenter
        self.concurrency = concurrency
        self.clock = clock
        self.batch = batch  # False: one exec per command (the way before batching)
        self.last: LacpReport | None = None
        self._counters: dict[str, CounterSample] = {}
        # each host's last `config get`: read, and its output as shown when it is reused
        self._configs: dict[str, tuple[ConfigOutput, RawOutput]] = {}
        self.vcenter_max_age_s = VCENTER_MAX_AGE_S
        self._vc_cache: tuple[float, tuple[DvsLag, ...]] | None = None

    async def refresh(
        self, on_progress: Progress | None = None, *, full: bool = False
    ) -> LacpReport:
        """Ask every host (and vCenter) now; never raises for a single host's failure.

        `full` also re-reads every host's `config get` (otherwise cached until its LAGs change).
        """
        started = self.clock()
        vc_due = self.vcenter is not None and (
            full or self._vc_cache is None or started - self._vc_cache[0] >= self.vcenter_max_age_s
        )
        vc_task = asyncio.ensure_future(self._vcenter_lags()) if vc_due else None

        def progress(done: int, total: int, _result: object) -> None:
            if on_progress is not None:
                on_progress(done, total)

        async def fetch_one(host: str) -> _HostFetch:
            return await self._fetch_host(host, full)

        # the parsed answers all outlive the fan-out: full collections would walk them in vain
        with full_collections_postponed():
            results = await self.manager.fan_out(
                fetch_one, self.hosts, limit=self.concurrency, on_progress=progress
            )
        vc_lags: tuple[DvsLag, ...] | None = self._vc_cache[1] if self._vc_cache else None
        vc_error = ""
        if vc_task is not None:
            try:
                vc_lags = kept_if_equal(vc_lags, await vc_task)
                self._vc_cache = (started, vc_lags)
            except VconsoleError as exc:
                vc_error = exc.message
            except Exception as exc:
                vc_error = f"{type(exc).__name__}: {exc}"
            if vc_error:
                self._vc_cache = None
                vc_lags = None
        now = self.clock()
        rows: list[LagPortRow] = []
        lags: list[LagHealth] = []
        outcomes: list[HostOutcome] = []
        counters: dict[str, CounterSample] = {}
        with gc_paused():  # no await inside: the rows are built in one go
            for result in results:
                host = result.target
                if result.error is not None:
                    text = error_text(result.error).removeprefix(f"{host}: ")
                    rows.append(host_error_row(host, _error_code(result.error), text))
                    outcomes.append(HostOutcome(host, False, text, result.duration_s))
                    continue
                fetch = result.value
                assert fetch is not None  # no error: the host's reading came back
                try:
                    judged = judge_host(
                        host, fetch.status, fetch.stats, fetch.config, vc_lags, self._counters, now
                    )
                except Exception as exc:  # a verdict bug shows on its host, the others still show
                    text = f"could not judge this host's output: {type(exc).__name__}: {exc}"
                    rows.append(host_error_row(host, "verdict-failed", text))
                    outcomes.append(
                        HostOutcome(host, False, text, result.duration_s, fetch.outputs)
                    )
                    continue
                rows.extend(judged.rows)
                lags.extend(judged.lags)
                counters.update(judged.counters)
                outcomes.append(HostOutcome(host, True, "", result.duration_s, fetch.outputs))
        self._counters = counters
        report = LacpReport(
            rows=tuple(sorted(rows, key=lambda r: (r.host, r.dvs, r.lag_id, r.vmnic))),
            lags=tuple(lags),
            hosts=tuple(outcomes),
            vcenter_lags=vc_lags or (),
            vcenter_error=vc_error,
            taken_at=time.time(),
            duration_s=self.clock() - started,
        )
        self.last = report
        return report

    async def _fetch_host(self, host: str, full: bool) -> _HostFetch:
        cached = None if full else self._configs.get(host)
        commands = [_STATUS, _STATS]  # built once: a token check per host per poll adds up
        if cached is None:
            commands.append(_CONFIG)
        answers = await self.manager.run_each(host, commands, batch=self.batch)
        status_answer = answers[0]
        if isinstance(status_answer, BaseException):
            raise status_answer
        status = decode(status_answer, parse_status, _text(status_answer))
        if cached is not None and not _config_covers(cached[0], status):
            commands.append(_CONFIG)
            answers.append(await _answer(self.manager.run(host, _CONFIG)))
            cached = None
        outputs = [raw_output(c, a) for c, a in zip(commands, answers, strict=True)]
        stats = (
            None
            if isinstance(answers[1], BaseException)
            else decode(answers[1], parse_stats, _text(answers[1]))
        )
        if cached is not None:
            config: ConfigOutput | None = cached[0]
            outputs.append(cached[1])
        elif isinstance(answers[2], BaseException):
            config = None
            self._configs.pop(host, None)
        else:
            config = decode(answers[2], parse_config, _text(answers[2]))
            self._configs[host] = (config, replace(outputs[2], earlier=True))
        return _HostFetch(status, stats, config, tuple(outputs))

    async def _vcenter_lags(self) -> tuple[DvsLag, ...]:
        from vconsole.services.lacp_vcenter import read_dvs_lags

        assert self.vcenter is not None
        vim = await self.manager.vim(self.vcenter)
        lags: tuple[DvsLag, ...] = await vim.call(read_dvs_lags, vim.content)
        return lags

    def transcript(self, host: str) -> str:
        """The last raw output of one host, ready to paste into a support case."""
        return last_transcript(self.last, host)

    def timeout_command(self, dvs: str, lag: str, timeout: str, nic: str | None = None) -> Command:
        """The exact command `set_timeout` would run (shown in the confirmation)."""
        return timeout_set_command(dvs, lag, timeout, nic)

    async def set_timeout(
        self, host: str, dvs: str, lag: str, timeout: str, nic: str | None = None
    ) -> RawOutput:
        """`lacp timeout set` on one host; the manager refuses it in read-only mode and audits it."""
        command = timeout_set_command(dvs, lag, timeout, nic)
        result = await self.manager.run(host, command)
        if result.exit != 0:
            detail = (result.stderr or result.stdout).strip() or f"exit status {result.exit}"
            raise VconsoleError(f"{host}: {command.line} failed: {detail}", target=host)
        return RawOutput(command.line, result.stdout, result.stderr, result.exit)


async def _answer(pending: Awaitable[CommandResult]) -> Answer:
    try:
        return await pending
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return exc


def _config_covers(config: ConfigOutput, status: StatusOutput) -> bool:
    """True when every LAG the host runs now was in its last `config get`."""
    known = {(c.dvs, c.lag_id) for c in config.lags}
    return all((lag.dvs, lag.lag_id) in known for lag in status.lags)


def _text(answer: Answer) -> str:
    stdout = str(getattr(answer, "stdout", ""))
    stderr = str(getattr(answer, "stderr", ""))
    code = getattr(answer, "exit", 0)
    if code and not stdout.strip():
        return stderr or f"Error: exit status {code}"
    return stdout


def _error_code(error: BaseException) -> str:
    """A short code for why a host gave no answer, for scripts reading the JSON."""
    from vconsole import errors

    codes: tuple[tuple[type[BaseException], str], ...] = (
        (errors.CommandNotCaptured, "not-captured"),
        (errors.TrustError, "host-key-untrusted"),
        (errors.AuthFailed, "login-failed"),
        (errors.SecretUnavailable, "no-password"),
        (errors.CommandTimeout, "timeout"),
        (asyncio.TimeoutError, "timeout"),
        (errors.TargetUnreachable, "host-unreachable"),
    )
    return next((code for kind, code in codes if isinstance(error, kind)), "host-error")


def report_json(report: LacpReport) -> list[dict[str, object]]:
    """`vconsole lacp --json`: the list of rows."""
    return [row.as_json() for row in report.rows]


async def analyze_targets(manager: Sessions, targets: Sequence[str]) -> list[dict[str, object]]:
    """The `analyze` entry for this pane: the same rows from captured (replay) hosts."""
    report = await LacpService(manager, targets).refresh()
    return report_json(report)
