"""Verdicts on joined path rows: what is broken on its own, and what differs from its siblings.

Siblings are the other paths of the same device on the same host (latency outliers) and the
same device on other hosts (path count, PSP, Round Robin sub-policy); the latency switch
`/Misc/EnablePSPLatencyPolicy` is compared between hosts. Latency verdicts use p50 of the
window for path outliers and p95 for device thresholds, so one slow command cannot trip them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from statistics import median

from vconsole.models.paths import (
    DeviceInfo,
    HostPaths,
    PathProblem,
    PathRow,
    Thresholds,
    Verdict,
    worst,
)
from vconsole.services.paths_policy import RR, PolicyMemo, cross_host_problems

__all__ = ["RR", "PolicyMemo", "judge"]


def _fmt(ms: float) -> str:
    return f"{ms:.1f}".rstrip("0").rstrip(".") + " ms"


def judge(
    rows: Sequence[PathRow],
    devices: Sequence[DeviceInfo],
    hosts: Sequence[HostPaths],
    thresholds: Thresholds,
    *,
    in_place: bool = False,
    kept: Collection[str] = (),
    bases: Sequence[tuple[PathProblem, ...]] | None = None,
    memo: PolicyMemo | None = None,
) -> tuple[tuple[PathRow, ...], tuple[DeviceInfo, ...]]:
    """Rows and devices with problems and verdicts filled in: copies, or (`in_place`, for the
    rows and devices a refresh has just made and nobody else holds) the same objects.

    Rows and devices of `kept` hosts are an earlier refresh's, already judged and held by its
    report: each stays the same object if its verdict is unchanged, else is copied. `bases`
    (aligned with `rows`) are the problems each row had before it was first judged. `memo`
    holds the policy findings across refreshes: valid while no device's facts changed.
    """
    policy = memo.problems if memo is not None else None
    if policy is None:
        policy = cross_host_problems(devices, hosts)
        if memo is not None:
            memo.problems = policy
    device_problems = {key: list(found) for key, found in policy.items()}
    for d in devices:
        over = _threshold_problems(d, thresholds)
        if over:
            device_problems.setdefault((d.host, d.device), []).extend(over)
    host_problems = _host_problems(hosts)
    by_device: dict[tuple[str, str], list[PathRow]] = {}
    for row in rows:
        if row.device:
            by_device.setdefault((row.host, row.device), []).append(row)
    timed = {key: _timed(siblings) for key, siblings in by_device.items()}
    stranded = memo.stranded if memo is not None else None
    if stranded is None:
        stranded = {}
        for key, siblings in by_device.items():
            cut_off = _no_active_path(siblings)
            if cut_off is not None:
                stranded[key] = cut_off
        if memo is not None:
            memo.stranded = stranded
    for key, cut_off in stranded.items():
        device_problems.setdefault(key, []).append(cut_off)
    own: list[tuple[tuple[PathProblem, ...], Verdict]] = []
    verdicts: dict[tuple[str, str], list[Verdict]] = {}
    own_bases = bases if bases is not None else [r.problems for r in rows]
    for row, base in zip(rows, own_bases, strict=True):
        problems = list(base)
        if row.device:
            problems += _path_problems(row, timed[(row.host, row.device)], thresholds)
        verdict = worst([p.severity for p in problems]) if problems else Verdict.OK
        if row.error:
            verdict = Verdict.ERROR
        own.append((tuple(problems), verdict))
        verdicts.setdefault((row.host, row.device), []).append(verdict)
    out_devices = []
    for d in devices:
        problems = device_problems.get((d.host, d.device), []) + host_problems.get(d.host, [])
        mine = verdicts.get((d.host, d.device), []) + [p.severity for p in problems]
        verdict = worst(mine)
        if d.host in kept:
            same = d.problems == tuple(problems) and d.verdict == verdict
            out_devices.append(d if same else d.judged(tuple(problems), verdict))
        elif in_place:
            out_devices.append(d.judged_in_place(tuple(problems), verdict))
        else:
            out_devices.append(d.judged(tuple(problems), verdict))
    device_verdict = {(d.host, d.device): d for d in out_devices}
    judged = []
    for row, (row_problems, verdict) in zip(rows, own, strict=True):  # one copy per row
        device = device_verdict.get((row.host, row.device))
        if row.host in kept:
            same = _unchanged(row, row_problems, verdict, device)
            judged.append(row if same else row.judged(row_problems, verdict, device))
        elif in_place:
            judged.append(row.judged_in_place(row_problems, verdict, device))
        else:
            judged.append(row.judged(row_problems, verdict, device))
    return tuple(judged), tuple(out_devices)


def _unchanged(
    row: PathRow, problems: tuple[PathProblem, ...], verdict: Verdict, device: DeviceInfo | None
) -> bool:
    """True when judging `row` again would give it what it already holds."""
    if row.verdict != verdict or row.problems != problems:
        return False
    return device is None or (
        row.device_verdict == device.verdict and row.device_problems == device.problems
    )


_KNOWN_STATES = frozenset({"active", "standby", "disabled", "dead"})


def _no_active_path(siblings: list[PathRow]) -> PathProblem | None:
    """A device none of whose paths can carry I/O from this host: each path dead, standby or
    disabled (each path's own finding names it; this one says the device is cut off). Said only
    when every path's state was read, so a host that could not be asked is not called cut off."""
    states = [s.state for s in siblings]
    if not states or any(state not in _KNOWN_STATES for state in states):
        return None
    if any(s.state == "active" and s.group_state not in ("dead", "standby") for s in siblings):
        return None
    if all(state == "dead" for state in states):
        text = f"all {len(states)} path(s) dead: the device is unreachable from this host"
    else:
        tally = Counter(states)
        text = "no active path (" + ", ".join(f"{n} {st}" for st, n in sorted(tally.items()))
        text += "): I/O to this device has nowhere to go"
    return PathProblem("no-active-path", Verdict.CRITICAL, text, "device")


_Timed = dict[str, tuple[list[tuple[PathRow, float]], float]]
"""Per kind (read, write): the device's active, not known idle paths with that latency and their
p50, and the lowest of those p50s (no median of siblings is below it)."""


def _timed(siblings: list[PathRow]) -> _Timed:
    """Read once per device, not once per path: each path is compared with the rest of these."""
    active = [s for s in siblings if s.state == "active" and s.working is not False]
    out: _Timed = {}
    for kind, timed in (
        ("read", [(s, p50) for s in active if (p50 := s.read_ms) is not None]),
        ("write", [(s, p50) for s in active if (p50 := s.write_ms) is not None]),
    ):
        out[kind] = (timed, min((p50 for _, p50 in timed), default=0.0))
    return out


def _path_problems(row: PathRow, siblings: _Timed, thresholds: Thresholds) -> list[PathProblem]:
    out = []
    if row.state == "dead" or row.group_state == "dead":
        out.append(
            PathProblem("path-dead", Verdict.CRITICAL, f"path {row.path or row.uid} is dead")
        )
    elif row.state == "disabled":
        out.append(PathProblem("path-disabled", Verdict.INFO, "path disabled by an administrator"))
    elif row.state in ("unknown", "unavailable") or row.group_state == "unavailable":
        out.append(
            PathProblem(
                "path-unknown", Verdict.WARNING, f"path state {row.state or row.group_state}"
            )
        )
    slow = _slow_path(row, siblings, thresholds)
    if slow is not None:
        out.append(slow)
    return out


def _slow_path(row: PathRow, siblings: _Timed, t: Thresholds) -> PathProblem | None:
    worst_finding: tuple[float, str, str] | None = None
    for kind, p50 in (("read", row.read_ms), ("write", row.write_ms)):
        timed, lowest = siblings[kind]
        if p50 is None or p50 - lowest < t.slow_path_min_ms:
            continue  # the sibling median is at least `lowest`: not far enough above it
        others = [p for s, p in timed if s is not row]
        if not others:
            continue
        base = median(others)
        if p50 >= t.slow_path_ratio * max(base, 0.5) and p50 - base >= t.slow_path_min_ms:
            excess = p50 - base
            if worst_finding is None or excess > worst_finding[0]:
                mine = row.read if kind == "read" else row.write
                assert mine is not None
                text = (
                    f"{kind} latency p50 {_fmt(p50)} vs {_fmt(base)} on "
                    f"{len(others)} sibling path(s)"
                )
                evidence = f"{kind} p50/p95/max {p50:g}/{mine.p95:g}/{mine.max:g} ms"
                worst_finding = (excess, text, evidence)
    if worst_finding is None:
        return None
    return PathProblem("path-slow", Verdict.WARNING, worst_finding[1], "path", worst_finding[2])


def _threshold_problems(d: DeviceInfo, t: Thresholds) -> list[PathProblem]:
    out = []
    for code, window, limit, label in (
        ("davg-high", d.device_latency, t.davg_ms, "device latency (DAVG)"),
        ("kavg-high", d.kernel_latency, t.kavg_ms, "kernel latency (KAVG)"),
    ):
        if window is not None and window.p95 > limit:
            out.append(
                PathProblem(
                    code,
                    Verdict.WARNING,
                    f"{label} p95 {_fmt(window.p95)} over {_fmt(limit)}",
                    "device",
                    f"p50/p95/max {window.p50:g}/{window.p95:g}/{window.max:g} ms",
                )
            )
    return out


def _host_problems(hosts: Sequence[HostPaths]) -> dict[str, list[PathProblem]]:
    out: dict[str, list[PathProblem]] = {}
    on = [h.host for h in hosts if h.psp_latency_policy_enabled is True]
    for h in hosts:
        problems = []
        if h.psp_latency_policy_enabled is False and on:
            problems.append(
                PathProblem(
                    "latency-policy-disabled",
                    Verdict.WARNING,
                    f"/Misc/EnablePSPLatencyPolicy = 0 here, 1 on {len(on)} other host(s)",
                    "host",
                )
            )
        if h.perf_note:
            problems.append(
                PathProblem("no-latency", Verdict.INFO, f"no latency: {h.perf_note}", "host")
            )
        if problems:
            out[h.host] = problems
    return out
