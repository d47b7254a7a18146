"""A host's rows again with a new latency sample, everything else as its last join made them.

At the pane's 20 s cadence a host's layout and SSH answers are usually what they were and only
its latency windows have a new sample: the paths are not matched again, each row keeps its
static fields and gets its windows (and its sources' "perf") anew, unjudged, as `join_host`
would have made it from the same inputs. `Kept` is a host's join as the next refresh finds it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter

from vconsole.models.paths import (
    DeviceInfo,
    Packed,
    PathProblem,
    PathRow,
    RoundRobin,
    Verdict,
)
from vconsole.services.paths_join import HostInputs, JoinedHost
from vconsole.services.paths_rows import WITH_PERF, series_of, window_of
from vconsole.services.paths_vcenter import (
    DEVICE_LATENCY,
    KERNEL_LATENCY,
    PATH_READ,
    PATH_WRITE,
    HostLatency,
)

_Rr = RoundRobin | None
_DEVICE_HEAD: Callable[  # a device's fields before its windows
    [DeviceInfo], tuple[str, str, str, str, str, str, _Rr, int, int, tuple[str, ...]]
] = attrgetter(
    *"host device display_name datastore satp psp rr paths dead_paths working_paths".split()
)
_WITHOUT_PERF = {with_perf: plain for plain, with_perf in WITH_PERF.items()} | {
    plain: plain for plain in WITH_PERF
}


def rejoin_latency(
    last: JoinedHost, bases: Sequence[tuple[PathProblem, ...]], latency: HostLatency | None
) -> JoinedHost | None:
    """`last` (the host's join, judged or not; `bases` its rows' problems before judging) with
    the windows of `latency`; None when a host has no device (no row of it has a window)."""
    if not last.devices or len(last.names) != len(last.rows):
        return None
    device_series = series_of(latency, DEVICE_LATENCY)
    kernel_series = series_of(latency, KERNEL_LATENCY)
    read_series, write_series = series_of(latency, PATH_READ), series_of(latency, PATH_WRITE)
    windows = {}
    devices = []
    for d in last.devices:
        davg, kavg = windows[d.device] = (
            window_of(device_series, d.device),
            window_of(kernel_series, d.device),
        )
        devices.append(DeviceInfo(*_DEVICE_HEAD(d), davg, kavg))  # unjudged, by position
    rows = []
    for row, names, base in zip(last.rows, last.names, bases, strict=True):
        read = window_of(read_series, *names)
        write = window_of(write_series, *names)
        sources = _WITHOUT_PERF[row.sources]
        if read is not None or write is not None:
            sources = WITH_PERF[sources]
        davg, kavg = windows[row.device]
        rows.append(unjudged_with(row, read, write, davg, kavg, base, sources))
    return JoinedHost(last.outcome, tuple(rows), tuple(devices), last.names)


_HEAD: Callable[  # a row's fields before its read window, in PathRow's order
    [PathRow],
    tuple[str, str, str, str, str, str, _Rr, str, str, str, str, bool | None, str, str, int | None],
] = attrgetter(
    *"host device display_name datastore satp psp rr path uid state group_state working "
    "adapter target lun".split()
)


def unjudged_with(
    row: PathRow,
    read: Packed | None,
    write: Packed | None,
    device_latency: Packed | None,
    kernel_latency: Packed | None,
    problems: tuple[PathProblem, ...],
    sources: tuple[str, ...],
) -> PathRow:
    """`row` with these windows, its own problems and no verdict yet, as join_host's _path_row
    would make it: by position through __init__. (Copying the row's `__dict__` instead took
    less CPU here, but made each row keep a dict object of its own: 40,000 more objects for
    the collector to walk and some 6 MB at 1,000 hosts.)"""
    return PathRow(
        *_HEAD(row),
        read,
        write,
        device_latency,
        kernel_latency,
        row.psp_latency_policy_enabled,
        Verdict.OK,
        problems,
        row.error,
        sources,
    )


@dataclass(frozen=True)
class Kept:
    """A host's join, with what it was joined from (time taken left out) and each row's own
    problems before judging; `reused` when its rows are an earlier refresh's, already judged."""

    inputs: HostInputs
    joined: JoinedHost
    bases: tuple[tuple[PathProblem, ...], ...]
    reused: bool
    same_devices: bool = False  # its devices' facts are the last refresh's (windows aside)


def kept_for_next(
    joined: dict[str, Kept],
    rows: list[PathRow],
    judged_rows: tuple[PathRow, ...],
    devices: list[DeviceInfo],
    judged_devices: tuple[DeviceInfo, ...],
) -> dict[str, Kept]:
    """Each host's join for the next refresh to reuse, holding the rows as judged now: a kept
    row whose verdict changed was copied, and the copy is what the report shows."""
    copied = {r.host for r, j in zip(rows, judged_rows, strict=True) if r is not j}
    copied |= {d.host for d, j in zip(devices, judged_devices, strict=True) if d is not j}
    out = {h: replace(k, reused=True, same_devices=True) for h, k in joined.items()}
    if not copied:
        return out
    now: dict[str, tuple[list[PathRow], list[DeviceInfo]]] = {h: ([], []) for h in copied}
    for row in judged_rows:
        if row.host in now:
            now[row.host][0].append(row)
    for device in judged_devices:
        if device.host in now:
            now[device.host][1].append(device)
    for host, (host_rows, host_devices) in now.items():
        held = out[host]
        out[host] = replace(
            held, joined=replace(held.joined, rows=tuple(host_rows), devices=tuple(host_devices))
        )
    return out
