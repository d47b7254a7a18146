"""Findings that compare one device across hosts: path count, PSP and Round Robin sub-policy.

Each device is counted once per group (the same LUN on every host, or every device of one
SATP), so an estate of 1,000 hosts sharing a LUN costs one pass over the group. A new latency
sample changes none of these facts, so a refresh keeps them (`PolicyMemo`) until a host's
layout or answers change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from vconsole.models.paths import DeviceInfo, HostPaths, PathProblem, Verdict

RR = "VMW_PSP_RR"


def _majority(counted_values: Counter[str]) -> tuple[str, int] | None:
    counted = counted_values.most_common()
    if not counted or (len(counted) > 1 and counted[0][1] == counted[1][1]):
        return None
    return counted[0]


class _Tally:
    """How often each value of one field occurs over a group of devices, in total and per host,
    so "the other hosts" is the total minus one host: an estate of 1,000 hosts sharing a LUN
    costs one pass over the group instead of one per member."""

    def __init__(self, group: Sequence[DeviceInfo], value: Callable[[DeviceInfo], str]) -> None:
        self.total: Counter[str] = Counter()
        self.by_host: dict[str, dict[str, int]] = {}  # plain dicts: a Counter each costs more
        for d in group:
            v = value(d)
            if v:
                self.total[v] += 1
                own = self.by_host.get(d.host)
                if own is None:
                    self.by_host[d.host] = {v: 1}
                else:
                    own[v] = own.get(v, 0) + 1

    def without_host(self, host: str) -> Counter[str]:
        own = self.by_host.get(host)
        if not own:
            return self.total
        rest = self.total.copy()
        rest.subtract(own)
        return +rest  # drops the values only this host had, keeps first-seen order


@dataclass
class _Group:
    """One device as every host sees it (or every device of one SATP), counted once."""

    members: list[DeviceInfo] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)
    psp: _Tally | None = None
    rr_types: _Tally | None = None
    most_paths: tuple[int, str] = (0, "")  # the most paths any host has, and the first such host

    def add(self, d: DeviceInfo) -> None:
        self.members.append(d)
        self.hosts.add(d.host)

    def count(self) -> _Group:
        self.psp = _Tally(self.members, lambda d: d.psp)
        self.rr_types = _Tally(self.members, lambda d: d.rr_type if d.psp == RR else "")
        most = max(d.paths for d in self.members)
        self.most_paths = (most, next(d.host for d in self.members if d.paths == most))
        return self


def _groups(devices: Sequence[DeviceInfo], key: Callable[[DeviceInfo], str]) -> dict[str, _Group]:
    groups: dict[str, _Group] = {}
    for d in devices:
        groups.setdefault(key(d), _Group()).add(d)
    return {k: g.count() for k, g in groups.items()}


@dataclass
class PolicyMemo:
    """Devices' findings that compare policies and path counts across hosts, kept from one
    refresh to the next while every device's facts are the same (a new sample changes none)."""

    problems: dict[tuple[str, str], tuple[PathProblem, ...]] | None = None
    stranded: dict[tuple[str, str], PathProblem] | None = None  # devices with no active path

    def clear(self) -> None:
        self.problems = self.stranded = None


def cross_host_problems(
    devices: Sequence[DeviceInfo], hosts: Sequence[HostPaths]
) -> dict[tuple[str, str], tuple[PathProblem, ...]]:
    """Each device's findings but its latency thresholds, which a new sample changes."""
    by_device = _groups(devices, lambda d: d.device)
    by_satp = _groups(devices, lambda d: d.satp)
    enabled = {h.host: h.psp_latency_policy_enabled for h in hosts}
    out: dict[tuple[str, str], tuple[PathProblem, ...]] = {}
    for d in devices:
        problems: list[PathProblem] = []
        group = by_device[d.device]
        peers = len(group.hosts) > 1
        most, where = group.most_paths  # fewer than the most: the most are on another host
        if d.paths < most:
            problems.append(
                PathProblem(
                    "paths-missing",
                    Verdict.WARNING,
                    f"{d.paths} path(s) here, {most} on {where}",
                    "device",
                )
            )
        majority = _majority(_psp_elsewhere(d, group, by_satp, peers))
        if d.psp and majority and majority[0] == RR and d.psp != RR:
            problems.append(
                PathProblem(
                    "psp-not-rr",
                    Verdict.WARNING,
                    f"{d.psp} here while {majority[1]} "
                    f"{'host(s)' if peers else 'other device(s) of ' + d.satp} use {RR}",
                    "device",
                )
            )
        if d.rr is not None and d.rr.type == "iops" and d.rr.iops == 1000:
            problems.append(
                PathProblem(
                    "rr-iops-1000",
                    Verdict.WARNING,
                    "Round Robin switches paths every 1000 I/Os (the default): "
                    "arrays usually recommend iops=1 or the latency sub-policy",
                    "device",
                    "policy=iops,iops=1000",
                )
            )
        rr_problem = _rr_type_problem(d, group)
        if rr_problem is not None:
            problems.append(rr_problem)
        if d.rr_type == "latency" and enabled.get(d.host) is False:
            problems.append(
                PathProblem(
                    "latency-policy-off",
                    Verdict.WARNING,
                    "set to the latency sub-policy but the host has "
                    "/Misc/EnablePSPLatencyPolicy = 0",
                    "device",
                )
            )
        if problems:
            out[(d.host, d.device)] = tuple(problems)
    return out


def _psp_elsewhere(
    d: DeviceInfo, group: _Group, by_satp: dict[str, _Group], peers: bool
) -> Counter[str]:
    """PSPs of this device on the other hosts, or (on one host only) of its SATP's other devices."""
    assert group.psp is not None
    if peers:
        return group.psp.without_host(d.host)
    satp = by_satp[d.satp].psp
    assert satp is not None
    rest = satp.total.copy()
    if d.psp:
        rest[d.psp] -= 1
    return +rest


def _rr_type_problem(d: DeviceInfo, group: _Group) -> PathProblem | None:
    """The sub-policy of this device differs from the other hosts' (the majority, or any on a tie)."""
    if d.psp != RR or not d.rr_type:
        return None
    assert group.rr_types is not None
    counted = group.rr_types.total.most_common()
    if len(counted) < 2:
        return None
    tie = counted[0][1] == counted[1][1]
    if not tie and counted[0][0] == d.rr_type:
        return None
    others = group.rr_types.without_host(d.host)
    elsewhere = ", ".join(
        f"by {t} on {n} other host(s)" for t, n in others.items() if t != d.rr_type
    )
    return PathProblem(
        "rr-type-differs",
        Verdict.WARNING,
        f"Round Robin by {d.rr_type} here, {elsewhere}",
        "device",
    )
