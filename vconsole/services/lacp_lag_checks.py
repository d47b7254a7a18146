"""LAG-level checks: one partner and one key per LAG, links bundled vs configured, vCenter drift.

These look across the NICs of one LAG on one host, after each NIC was judged on its own.
"""

from __future__ import annotations

from dataclasses import replace

from vconsole.esx.lacp import HostLagConfig, LagStatus
from vconsole.models.lacp import DvsLag, LacpProblem, LagHealth, LagPortRow, Verdict, worst


def with_problems(row: LagPortRow, problems: list[LacpProblem]) -> LagPortRow:
    """The row with `problems` added; its verdict is the worst and its summary the top one."""
    if not problems and row.verdict == Verdict.OK:
        summary = f"Bundled with {row.partner_device_id or 'partner'}"
        if row.partner_oper_key is not None:
            summary += f" key {row.partner_oper_key}"
        return replace(row, summary=summary)
    merged = (*row.problems, *problems)
    top = max(merged, key=lambda p: p.severity.rank)
    return replace(
        row, problems=merged, verdict=worst([p.severity for p in merged]), summary=top.text
    )


LAG_CODES = ("partner-mismatch", "key-mismatch")
"""Cross-NIC findings: about the LAG as a whole, so they sit on its health line too."""


def cross_nic_checks(rows: list[LagPortRow]) -> list[LagPortRow]:
    """NICs of one LAG must see one partner system and one partner key."""
    heard = [r for r in rows if r.partner_device_id and not _zero(r.partner_device_id)]
    out = rows
    for attr, code, what in (
        ("partner_device_id", "partner-mismatch", "different switch systems"),
        ("partner_oper_key", "key-mismatch", "different partner keys (port-channels)"),
    ):
        values = {getattr(r, attr) for r in heard}
        if len(values) < 2:
            continue
        evidence = ", ".join(f"{r.vmnic}: {getattr(r, attr)}" for r in heard)
        problem = LacpProblem(
            code,
            Verdict.CRITICAL,
            f"NICs of this LAG see {what}: they are not in one port-channel",
            evidence,
        )
        out = [with_problems(r, [problem]) if r in heard else r for r in out]
        heard = [r for r in out if r.partner_device_id and not _zero(r.partner_device_id)]
    return out


def _zero(device_id: str) -> bool:
    return set(device_id) <= {"0", ":", "-", "."}


def lag_health(
    host: str,
    lag: LagStatus,
    name: str,
    rows: list[LagPortRow],
    cfg: HostLagConfig | None,
    vc: DvsLag | None,
) -> tuple[LagHealth, list[LagPortRow]]:
    label = name or f"LAG {lag.lag_id}"
    bundled = sum(1 for r in rows if r.state.lower() == "bundled")
    configured = max(len(rows), len(cfg.nics) if cfg else 0, (cfg.nic_count or 0) if cfg else 0)
    problems: list[LacpProblem] = []
    if bundled < configured:
        down = bundled == 0
        problems.append(
            LacpProblem(
                "lag-down" if down else "lag-degraded",
                Verdict.CRITICAL if down else Verdict.WARNING,
                f"{label} has {bundled} of {configured} links bundled",
                ", ".join(f"{r.vmnic}: {r.state or '?'}" for r in rows) or "no NIC listed",
            )
        )
    shared = {(p.code, p.text): p for r in rows for p in r.problems if p.code in LAG_CODES}
    problems.extend(shared.values())
    drift = _drift(host, lag, rows, cfg, vc)
    problems.extend(drift)
    if drift:
        rows = [with_problems(r, drift) for r in rows]
    port_problems = [p for r in rows for p in r.problems]
    verdict = worst([p.severity for p in problems + port_problems])
    if problems:
        summary = max(problems, key=lambda p: p.severity.rank).text
    elif port_problems:
        summary = f"{label}: {max(port_problems, key=lambda p: p.severity.rank).text}"
    else:
        summary = f"{label}: {bundled} of {configured} links bundled"
    health = LagHealth(
        host, lag.dvs, name, lag.lag_id, lag.mode, configured, bundled, verdict, summary,
        tuple(problems),
    )  # fmt: skip
    return health, rows


def _drift(
    host: str,
    lag: LagStatus,
    rows: list[LagPortRow],
    cfg: HostLagConfig | None,
    vc: DvsLag | None,
) -> list[LacpProblem]:
    if vc is None:
        return []
    out: list[LacpProblem] = []

    def differ(what: str, vc_value: str, host_value: str) -> None:
        out.append(
            LacpProblem(
                "config-drift",
                Verdict.WARNING,
                f"{what} differs between vCenter ({vc_value}) and the host ({host_value})",
                f"vCenter {vc.name} key {vc.key}; host LAGID {lag.lag_id}",
            )
        )

    if vc.mode and lag.mode and vc.mode.lower() != lag.mode.lower():
        differ("LACP mode", vc.mode, lag.mode)
    if vc.timeout_mode:
        host_modes = sorted(
            {"fast" if "F" in r.local_flags.upper() else "slow" for r in rows if r.local_flags}
        )
        if host_modes and host_modes != [vc.timeout_mode.lower()]:
            differ("LACP timeout", vc.timeout_mode, "/".join(host_modes))
    if cfg and cfg.lag_name and vc.name and cfg.lag_name != vc.name:
        differ("LAG name", vc.name, cfg.lag_name)
    if cfg and cfg.load_balance and vc.load_balancing and cfg.load_balance != vc.load_balancing:
        differ("Load balancing", vc.load_balancing, cfg.load_balance)
    vc_nics = vc.nics_of(host)
    host_nics = tuple(sorted({r.vmnic for r in rows if r.vmnic} | set(cfg.nics if cfg else ())))
    if vc_nics is not None and tuple(sorted(vc_nics)) != host_nics:
        differ("LAG membership", ",".join(sorted(vc_nics)) or "none", ",".join(host_nics) or "none")
    nic_count = max(len(rows), len(cfg.nics) if cfg else 0)
    # A LAG with no NIC on this host carries none of its traffic: a switch-wide LAG that another
    # cluster uses is listed on every member host, so only a used LAG is compared.
    if vc.uplink_count is not None and nic_count and nic_count != vc.uplink_count:
        differ("Number of LAG ports", f"{vc.uplink_count} ports", f"{nic_count} NICs in the LAG")
    return out
