"""Verdicts on parsed LACP output: pure functions from what a host said to rows with findings.

Rules follow the reference's health rule of thumb: every vmnic Bundled, partner heard and the
same switch system and key on every NIC of a LAG, Port State with SYN,COL,DIST, and matching
S/F timeout letters on both sides (KB 376191). Partner silence is read from the all-zero
partner fields (KB 439174), from Rx LACPDUs staying at 0 while Tx counts, from Rx standing
still while Tx rises across refreshes, and from a partner Age past three PDU periods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vconsole.esx.lacp import (
    ConfigOutput,
    HostLagConfig,
    LagNicCounters,
    LagNicStatus,
    LagStatus,
    OutputKind,
    StatsOutput,
    StatusOutput,
)
from vconsole.models.lacp import DvsLag, LacpProblem, LagHealth, LagPortRow, Verdict
from vconsole.services.lacp_lag_checks import cross_nic_checks, lag_health, with_problems
from vconsole.services.lacp_match import (
    find_counters,
    find_host_config,
    index_configs,
    index_counters,
)

SLOW_PERIOD_S = 30
FAST_PERIOD_S = 1
SILENCE_WINDOW_S = 3 * SLOW_PERIOD_S
"""Rx standing still this long while Tx rises means the switch stopped talking (LACP's long timeout)."""

REQUIRED_BITS = ("SYN", "COL", "DIST")
_BIT_NOTES = {
    "DEF": "DEF: partner information is defaulted, no LACPDU received",
    "EXP": "EXP: the partner's information expired",
}


@dataclass(frozen=True, slots=True)
class CounterSample:
    """Counters of one LAG port at one refresh, kept to compute deltas at the next."""

    rx: int | None
    tx: int | None
    at: float
    rx_changed_at: float


def host_error_row(host: str, code: str, text: str, evidence: str = "") -> LagPortRow:
    problem = LacpProblem(code, Verdict.ERROR, text, evidence)
    return LagPortRow(
        host=host, verdict=Verdict.ERROR, summary=text, problems=(problem,), error=text
    )


@dataclass(frozen=True)
class HostJudgement:
    rows: tuple[LagPortRow, ...]
    lags: tuple[LagHealth, ...]
    counters: dict[str, CounterSample]


def judge_host(
    host: str,
    status: StatusOutput,
    stats: StatsOutput | None = None,
    config: ConfigOutput | None = None,
    vcenter: tuple[DvsLag, ...] | None = None,
    previous: Mapping[str, CounterSample] | None = None,
    now: float = 0.0,
) -> HostJudgement:
    """Rows and per-LAG health for one host from its three outputs and vCenter's LAG config."""
    previous = previous or {}
    expected = _expected_lags(host, vcenter)
    if status.kind in (OutputKind.NO_LAG, OutputKind.DISABLED, OutputKind.EMPTY):
        return _no_lag(host, status, expected)
    if status.kind != OutputKind.OK:
        return HostJudgement((_unread_row(host, "status", status),), (), {})
    rows: list[LagPortRow] = []
    lags: list[LagHealth] = []
    counters: dict[str, CounterSample] = {}
    host_configs = config.lags if config and config.kind == OutputKind.OK else ()
    matched: list[HostLagConfig] = []
    by_nic, by_lag_id = index_counters(stats), index_configs(host_configs)
    for lag in status.lags:
        host_cfg = find_host_config(lag, host_configs, by_lag_id)
        if host_cfg is not None:
            matched.append(host_cfg)
        vc = _find_vcenter_lag(lag, host_cfg, vcenter or ())
        name = (host_cfg.lag_name if host_cfg else "") or (vc.name if vc else "")
        lag_rows = []
        for nic in lag.nics:
            c = find_counters(lag, nic.nic, by_nic)
            row, sample = _judge_port(host, lag, name, nic, c, previous, now)
            if sample is not None:
                counters[row.key] = sample
            lag_rows.append(row)
        lag_rows = cross_nic_checks(lag_rows)
        health, lag_rows = lag_health(host, lag, name, lag_rows, host_cfg, vc)
        rows.extend(lag_rows)
        lags.append(health)
    rows.extend(_missing_lag_rows(host, status, expected))
    rows.extend(
        _unread_row(host, what, out)
        for what, out in (("stats", stats), ("config", config))
        if out is not None and out.kind in (OutputKind.UNRECOGNISED, OutputKind.ERROR)
    )
    rows.extend(_not_running_rows(host, [c for c in host_configs if c not in matched], expected))
    return HostJudgement(tuple(rows), tuple(lags), counters)


def _unread_row(host: str, what: str, out: StatusOutput | StatsOutput | ConfigOutput) -> LagPortRow:
    """A verdict that says it rests on nothing: `could not read lacp stats on esx01`."""
    code = "output-unrecognised" if out.kind == OutputKind.UNRECOGNISED else "command-failed"
    text = f"could not read lacp {what} on {host}: {out.message or out.kind.value}"
    return host_error_row(host, code, text)


def _not_running_rows(
    host: str, configs: list[HostLagConfig], expected: tuple[DvsLag, ...]
) -> list[LagPortRow]:
    """LAGs the host's own `config get` lists (enabled, with NICs) that `status get` lacks."""
    out = []
    for cfg in configs:
        if cfg.enabled is False or not cfg.nics:
            continue
        if any((lag.dvs, lag.key) == (cfg.dvs, cfg.lag_id) for lag in expected):
            continue  # already reported as missing against vCenter's config
        label = cfg.lag_name or f"LAG {cfg.lag_id}"
        text = f"{label} is configured on this host ({', '.join(cfg.nics)}) but not running"
        problem = LacpProblem(
            "lag-not-running",
            Verdict.CRITICAL,
            text,
            f"lacp config get lists {label} on {cfg.dvs}; lacp status get does not",
        )
        out.append(_lag_row(host, cfg.dvs, cfg.lag_name, cfg.lag_id, "not running", problem))
    return out


def _lag_row(
    host: str, dvs: str, lag: str, lag_id: str, state: str, problem: LacpProblem
) -> LagPortRow:
    """A LAG-level row (no vmnic) that stands for its one problem."""
    return LagPortRow(
        host=host,
        dvs=dvs,
        lag=lag,
        lag_id=lag_id,
        state=state,
        verdict=problem.severity,
        summary=problem.text,
        problems=(problem,),
    )


def _expected_lags(host: str, vcenter: tuple[DvsLag, ...] | None) -> tuple[DvsLag, ...]:
    """vCenter LAGs on switches this host is a member of (empty when membership is unknown)."""
    if not vcenter:
        return ()
    return tuple(lag for lag in vcenter if lag.has_member(host))


def _no_lag(host: str, status: StatusOutput, expected: tuple[DvsLag, ...]) -> HostJudgement:
    said = status.message or "no output"
    if expected:
        rows = tuple(_missing_row(host, lag, f"the host says: {said}") for lag in expected)
        return HostJudgement(rows, (), {})
    row = LagPortRow(host=host, state="no LAG", summary=said)
    return HostJudgement((row,), (), {})


def _missing_row(host: str, lag: DvsLag, evidence: str) -> LagPortRow:
    text = (
        f"vCenter configures {lag.name} on {lag.dvs} for this host, but the host runs no such LAG"
    )
    problem = LacpProblem("config-drift", Verdict.CRITICAL, text, evidence)
    return _lag_row(host, lag.dvs, lag.name, lag.key, "missing", problem)


def _missing_lag_rows(
    host: str, status: StatusOutput, expected: tuple[DvsLag, ...]
) -> list[LagPortRow]:
    running = {(lag.dvs, lag.lag_id) for lag in status.lags}
    return [
        _missing_row(host, lag, f"lacp status get lists LAG ids {sorted(i for _, i in running)}")
        for lag in expected
        if (lag.dvs, lag.key) not in running
    ]


def _find_vcenter_lag(
    lag: LagStatus, cfg: HostLagConfig | None, vcenter: tuple[DvsLag, ...]
) -> DvsLag | None:
    on_dvs = [v for v in vcenter if v.dvs == lag.dvs]
    for v in on_dvs:
        if v.key == lag.lag_id:
            return v
    if cfg and cfg.lag_name:
        return next((v for v in on_dvs if v.name == cfg.lag_name), None)
    return None


def _judge_port(
    host: str,
    lag: LagStatus,
    name: str,
    nic: LagNicStatus,
    counters: LagNicCounters | None,
    previous: Mapping[str, CounterSample],
    now: float,
) -> tuple[LagPortRow, CounterSample | None]:
    prev = previous.get("|".join((host, lag.dvs, lag.lag_id, nic.nic)))  # the row's key
    rx_delta = tx_delta = None
    if counters is not None:
        rx_delta = _delta(counters.rx_lacpdus, prev.rx if prev else None)
        tx_delta = _delta(counters.tx_lacpdus, prev.tx if prev else None)
    row = LagPortRow(  # built once, its deltas in it: a frozen row is costly to copy
        host=host,
        dvs=lag.dvs,
        lag=name,
        lag_id=lag.lag_id,
        vmnic=nic.nic,
        state=nic.state,
        mode=lag.mode,
        local_flags=nic.local.flags,
        partner_flags=nic.partner.flags,
        port_state=nic.local.port_state,
        partner_port_state=nic.partner.port_state,
        partner_device_id=nic.partner.device_id,
        partner_oper_key=nic.partner.oper_key,
        partner_port_number=nic.partner.port_number,
        local_oper_key=nic.local.oper_key,
        local_port_number=nic.local.port_number,
        partner_age=nic.partner.age,
        rx_lacpdus=counters.rx_lacpdus if counters else None,
        tx_lacpdus=counters.tx_lacpdus if counters else None,
        rx_errors=counters.rx_errors if counters else None,
        tx_errors=counters.tx_errors if counters else None,
        rx_delta=rx_delta,
        tx_delta=tx_delta,
    )
    sample = None
    if counters is not None:
        changed = prev is None or rx_delta is None or rx_delta != 0
        sample = CounterSample(
            counters.rx_lacpdus,
            counters.tx_lacpdus,
            now,
            now if changed or prev is None else prev.rx_changed_at,
        )
    problems = _port_problems(nic, row, prev, sample, now)
    return with_problems(row, problems), sample


def _delta(current: int | None, before: int | None) -> int | None:
    if current is None or before is None or current < before:
        return None
    return current - before


def _port_problems(
    nic: LagNicStatus,
    row: LagPortRow,
    prev: CounterSample | None,
    sample: CounterSample | None,
    now: float,
) -> list[LacpProblem]:
    out: list[LacpProblem] = []
    state = nic.state.strip()
    if state.lower() != "bundled":
        severity = Verdict.WARNING if state.lower() == "hot-standby" else Verdict.CRITICAL
        meaning = {
            "stand-alone": "no LACP partner, the NIC is used on its own",
            "independent": "not aggregated with the other NICs",
            "hot-standby": "standing by, not carrying traffic",
        }.get(state.lower(), "not carrying LAG traffic")
        shown = state or "(no State line)"
        out.append(
            LacpProblem(
                "not-bundled",
                severity,
                f"{nic.nic} is {shown}: {meaning}",
                f"State: {shown}",
            )
        )
    silent = _silence(nic, row, prev, sample, now)
    if silent:
        out.append(silent)
    if nic.partner.heard:
        local_t, partner_t = nic.local.timeout_letter, nic.partner.timeout_letter
        if local_t and partner_t and local_t != partner_t:
            out.append(
                LacpProblem(
                    "timeout-mismatch",
                    Verdict.WARNING,
                    f"Timeout mismatch: the host sends {_speed(local_t)} LACPDUs, the switch "
                    f"{_speed(partner_t)} (KB 376191); the bundle can flap",
                    f"local Flags: {nic.local.flags}, partner Flags: {nic.partner.flags}",
                )
            )
        if nic.local.activity_letter == "P" and nic.partner.activity_letter == "P":
            out.append(
                LacpProblem(
                    "both-passive",
                    Verdict.CRITICAL,
                    "Both sides are passive: neither starts LACP",
                    f"local Flags: {nic.local.flags}, partner Flags: {nic.partner.flags}",
                )
            )
    for side, info in (("host", nic.local), ("switch", nic.partner)):
        if side == "switch" and not nic.partner.heard:
            continue
        bits = {b.upper() for b in info.port_state}
        missing = [bit for bit in REQUIRED_BITS if bit not in bits]
        if missing:
            notes = [_BIT_NOTES[b] for b in ("DEF", "EXP") if b in bits]
            out.append(
                LacpProblem(
                    "port-not-syn-col-dist",
                    Verdict.CRITICAL,
                    f"The {side} side of {nic.nic} is not {'/'.join(missing)}: the port does "
                    "not forward LAG traffic",
                    f"{'local' if side == 'host' else 'partner'} Port State: "
                    f"{','.join(info.port_state) or '(empty)'}"
                    + "".join(f" ({note})" for note in notes),
                )
            )
    errors = [(n, v) for n, v in (("Rx", row.rx_errors), ("Tx", row.tx_errors)) if v]
    if errors:
        out.append(
            LacpProblem(
                "lacpdu-errors",
                Verdict.WARNING,
                f"{nic.nic} counts LACPDU errors",
                ", ".join(f"{n} Errors: {v}" for n, v in errors),
            )
        )
    return out


def _speed(letter: str) -> str:
    return "fast (every 1 s)" if letter == "F" else "slow (every 30 s)"


def _silence(
    nic: LagNicStatus,
    row: LagPortRow,
    prev: CounterSample | None,
    sample: CounterSample | None,
    now: float,
) -> LacpProblem | None:
    text = f"The switch sends no LACPDUs on {nic.nic}: check the port-channel on its switch port"
    evidence: list[str] = []
    if not nic.partner.heard:
        p = nic.partner
        evidence.append(
            f"partner Device ID {p.device_id or '(empty)'}, Oper Key {p.oper_key or 0}, "
            f"Port Number {p.port_number or 0}"
        )
    if row.rx_lacpdus == 0 and (row.tx_lacpdus or 0) > 0:
        evidence.append(f"Rx LACPDUs 0 while Tx LACPDUs {row.tx_lacpdus}")
    elif (
        prev is not None
        and sample is not None
        and row.rx_delta == 0
        and (row.tx_delta or 0) > 0
        and now - sample.rx_changed_at >= SILENCE_WINDOW_S
    ):
        evidence.append(
            f"Rx LACPDUs stuck at {row.rx_lacpdus} for {now - sample.rx_changed_at:.0f} s "
            f"while Tx rose by {row.tx_delta}"
        )
    age = nic.partner.age_seconds
    if nic.partner.heard and age is not None:
        period = FAST_PERIOD_S if nic.partner.timeout_letter == "F" else SLOW_PERIOD_S
        if age > 3 * period:
            evidence.append(f"last LACPDU from the switch {nic.partner.age} ago (Age)")
    if not evidence:
        return None
    return LacpProblem("partner-silent", Verdict.CRITICAL, text, "; ".join(evidence))
