"""One device's paths on one host as rows: SSH's paths matched with vCenter's, each with its
latency windows looked up by the names a perf instance may carry.

Paths are matched by UID first, then by runtime name (`vmhba64:C0:T0:L1`): vCenter keys its
paths by a UID that need not spell the initiator like `core path list` does, while the
runtime name is the same everywhere. Perf instances are tried by vCenter path name, SSH UID
and runtime name, as sources disagree on which one names a `storagePath` instance. Rows are
built by position (20,000 a refresh); `paths_join` gives each device its part of them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache

from vconsole.esx.storage import CorePath, NmpPath
from vconsole.models.paths import (
    Packed,
    PathProblem,
    PathRow,
    RoundRobin,
    Verdict,
    pack_values,
)
from vconsole.services.paths_vcenter import HostLatency, VcDevice, VcPath

Series = dict[str, tuple[float, ...]]
"""One counter's samples per perf instance, as HostLatency.series holds them."""


def series_of(latency: HostLatency | None, counter: str) -> Series:
    """One counter's instances, looked up once per host rather than once per path."""
    return latency.series.get(counter, {}) if latency is not None else {}


def window_of(series: Series, *names: str) -> Packed | None:
    """The window of the first name that has samples, packed as rows keep it."""
    if series:
        for name in names:
            if name:
                values = series.get(name)
                if values is not None:
                    return pack_values(values)
    return None


_ROW_ORDER = (
    "host device display_name datastore satp psp rr "  # DeviceBase.head
    "path uid state group_state working adapter target lun read write "  # _path_row's own
    "device_latency kernel_latency psp_latency_policy_enabled verdict problems error "  # tail
    "sources"
).split()
if [f.name for f in fields(PathRow)][: len(_ROW_ORDER)] != _ROW_ORDER:
    raise TypeError("PathRow's fields moved: _path_row builds rows by position")


@dataclass(frozen=True)
class DeviceBase:
    """A device's part of each of its rows, in PathRow's field order: rows are built by
    position (20,000 a refresh), not by keyword through a partial."""

    head: tuple[str, str, str, str, str, str, RoundRobin | None]
    tail: tuple[Packed | None, Packed | None, bool | None, Verdict, tuple[PathProblem, ...], str]


def device_paths(
    base: DeviceBase,
    core: list[CorePath],
    nmp: list[NmpPath],
    vd: VcDevice | None,
    working: set[str] | None,
    latency: tuple[Series, Series],
    names: list[tuple[str, ...]],
) -> list[PathRow]:
    """Each path SSH lists, with its vCenter match, then vCenter's paths SSH did not list;
    `names` gets each row's perf instance names (for `paths_rejoin` to look up again)."""
    vc_paths = list(vd.paths) if vd else []
    nmp_by = {p.uid: p for p in nmp} | {p.runtime_name: p for p in nmp if p.runtime_name}
    rows = []
    used: set[int] = set()
    for cp in core:
        vp = _match_vc(cp, vc_paths, used) if vc_paths else None
        np_ = nmp_by.get(cp.uid) or nmp_by.get(cp.runtime_name)
        runtime = cp.runtime_name
        looked_up: tuple[str, ...] = (vp.name if vp else "", cp.uid, runtime)
        names.append(looked_up)
        rows.append(
            _path_row(
                base,
                runtime,
                cp.uid,
                cp.state or (vp.state if vp else ""),
                np_.group_state if np_ else "",
                (runtime in working) if working is not None else (vp.working if vp else None),
                cp.adapter or (vp.adapter if vp else ""),
                _target_name(cp.target_identifier, cp.target) or (vp.target if vp else ""),
                cp.lun,
                latency,
                looked_up,
                _SSH_VC if vp else _SSH,
            )
        )
    for i, vp in enumerate(vc_paths):
        if i in used:
            continue
        looked_up = (vp.name, vp.runtime_name)
        names.append(looked_up)
        rows.append(
            _path_row(
                base,
                vp.runtime_name,
                vp.name,
                vp.state,
                "",
                vp.working,
                vp.adapter,
                vp.target,
                _lun_of(vp.runtime_name),
                latency,
                looked_up,
                _VC,
            )
        )
    return rows


_SSH, _SSH_VC, _VC = ("ssh",), ("ssh", "vcenter"), ("vcenter",)
WITH_PERF: dict[tuple[str, ...], tuple[str, ...]] = {  # one tuple each, not one a row
    s: (*s, "perf") for s in (_SSH, _SSH_VC, _VC)
}


def _path_row(
    base: DeviceBase,
    runtime: str,
    uid: str,
    state: str,
    group_state: str,
    is_working: bool | None,
    adapter: str,
    target: str,
    lun: int | None,
    latency: tuple[Series, Series],
    names: tuple[str, ...],
    sources: tuple[str, ...],
) -> PathRow:
    read = window_of(latency[0], *names)
    write = window_of(latency[1], *names)
    if read is not None or write is not None:
        sources = WITH_PERF[sources]
    return PathRow(  # by position (see _ROW_ORDER)
        *base.head,
        runtime,
        uid,
        state.lower(),
        group_state,
        is_working,
        adapter,
        target,
        lun,
        read,
        write,
        *base.tail,
        sources,
    )


def _match_vc(cp: CorePath, vc_paths: list[VcPath], used: set[int]) -> VcPath | None:
    for key in ("uid", "runtime"):
        for i, vp in enumerate(vc_paths):
            if i in used:
                continue
            hit = (
                vp.name == cp.uid
                if key == "uid"
                else (bool(cp.runtime_name) and cp.runtime_name in (vp.runtime_name, vp.name))
            )
            if hit:
                used.add(i)
                return vp
    return None


@lru_cache(maxsize=4096)
def _target_name(ident: str, target: str) -> str:
    """The target's name: the iSCSI IQN or FC port id from `Target Identifier`, else `T<n>`
    (the same few targets on every LUN of a host: worked out once each)."""
    if "," in ident:
        parts = ident.split(",")
        iqn = next((p for p in parts if p.startswith(("iqn.", "eui.", "naa."))), "")
        if iqn:
            return iqn
    if ident:
        return ident
    return f"T{target}" if target else ""


def _lun_of(runtime: str) -> int | None:
    tail = runtime.rsplit(":L", 1)
    return int(tail[1]) if len(tail) == 2 and tail[1].isdigit() else None
