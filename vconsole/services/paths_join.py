"""Joins one host's SSH output, vCenter multipath info and perf samples into path rows.

Each source may be missing: a host nobody could read gets one row saying why, one whose
commands failed gets its problems on every row. A device's paths become rows in `paths_rows`
(SSH's matched with vCenter's, windows looked up).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

from vconsole.esx.storage import (
    AdvancedValue,
    CorePath,
    CorePathList,
    NmpDeviceList,
    NmpPath,
    NmpPathList,
    OutputKind,
)
from vconsole.models.paths import (
    DeviceInfo,
    HostPaths,
    PathProblem,
    PathRow,
    RawOutput,
    RoundRobin,
    Verdict,
)
from vconsole.services.paths_rows import DeviceBase, device_paths, series_of, window_of
from vconsole.services.paths_vcenter import (
    DEVICE_LATENCY,
    KERNEL_LATENCY,
    PATH_READ,
    PATH_WRITE,
    HostLatency,
    VcHost,
)


@dataclass(frozen=True)
class SshHostData:
    """What the host said over SSH, parsed, with the raw outputs for the transcript."""

    devices: NmpDeviceList
    paths: CorePathList
    nmp_paths: NmpPathList | None = None
    psp_latency: AdvancedValue | None = None
    outputs: tuple[RawOutput, ...] = ()


@dataclass(frozen=True)
class HostInputs:
    host: str
    ssh: SshHostData | None = None
    ssh_error: str = ""
    vcenter: VcHost | None = None
    latency: HostLatency | None = None
    perf_note: str = ""
    duration_s: float = 0.0
    psp_latency_vcenter: int | None = None
    """/Misc/EnablePSPLatencyPolicy as vCenter reports it, for hosts SSH could not read."""


@dataclass(frozen=True)
class JoinedHost:
    outcome: HostPaths
    rows: tuple[PathRow, ...]
    devices: tuple[DeviceInfo, ...]
    names: tuple[tuple[str, ...], ...] = ()
    """Per path row, the perf instance names its read/write windows were looked up by (for
    `paths_rejoin` to look them up again in a new sample); empty for a host with no device."""


def _psp_enabled(value: AdvancedValue | None) -> bool | None:
    if value is None or value.kind != OutputKind.OK or value.value is None:
        return None
    return value.value != 0


def _ssh_problems(host: str, ssh: SshHostData | None, ssh_error: str) -> list[PathProblem]:
    if ssh is None:
        if not ssh_error:
            return []
        return [
            PathProblem(
                "ssh-unavailable",
                Verdict.ERROR,
                "SSH to the host failed: Round Robin sub-policy and the latency switch unknown",
                "host",
                ssh_error,
            )
        ]
    out = []
    unread: tuple[tuple[str, NmpDeviceList | CorePathList | NmpPathList | None], ...] = (
        ("esxcli storage nmp device list", ssh.devices),
        ("esxcli storage core path list", ssh.paths),
        ("esxcli storage nmp path list", ssh.nmp_paths),
    )
    for what, parsed in unread:
        if parsed is not None and parsed.kind in (OutputKind.ERROR, OutputKind.UNRECOGNISED):
            label = "unrecognised output" if parsed.kind == OutputKind.UNRECOGNISED else "error"
            out.append(
                PathProblem(
                    "unrecognised-output"
                    if parsed.kind == OutputKind.UNRECOGNISED
                    else "ssh-error",
                    Verdict.ERROR,
                    f"could not read {what} on {host}: {label}",
                    "host",
                    parsed.message,
                )
            )
    return out


def join_host(inputs: HostInputs) -> JoinedHost:
    """Rows for one host from whatever sources answered; a host nobody could read gets one row."""
    host, ssh, vc = inputs.host, inputs.ssh, inputs.vcenter
    psp_enabled = _psp_enabled(ssh.psp_latency if ssh else None)
    if psp_enabled is None and inputs.psp_latency_vcenter is not None:
        psp_enabled = inputs.psp_latency_vcenter != 0
    host_problems = _ssh_problems(host, ssh, inputs.ssh_error)
    unreachable = vc is not None and vc.connection_state not in ("", "connected")
    outcome = HostPaths(
        host=host,
        ok=ssh is not None and not host_problems,
        error=inputs.ssh_error or "; ".join(p.evidence or p.text for p in host_problems),
        psp_latency_policy_enabled=psp_enabled,
        connection_state=vc.connection_state if vc else "",
        perf_note=inputs.perf_note,
        duration_s=inputs.duration_s,
        outputs=ssh.outputs if ssh else (),
    )
    ssh_devices = {d.device: d for d in ssh.devices.devices} if ssh else {}
    vc_devices = {d.device: d for d in vc.devices} if vc else {}
    if (not ssh_devices and not vc_devices) and (inputs.ssh_error or unreachable):
        reason = inputs.ssh_error or f"vCenter reports the host {vc.connection_state if vc else ''}"
        if unreachable and inputs.ssh_error:
            reason = f"{inputs.ssh_error} (vCenter: {vc.connection_state if vc else ''})"
        row = PathRow(
            host=host,
            verdict=Verdict.ERROR,
            error=reason,
            problems=(PathProblem("host-unreachable", Verdict.ERROR, reason, "host"),),
            psp_latency_policy_enabled=psp_enabled,
        )
        return JoinedHost(replace(outcome, ok=False, error=reason), (row,), ())
    if not ssh_devices and not vc_devices and host_problems:
        # nothing read, and the host said something: one row that says so, not an empty list
        row = PathRow(
            host=host,
            verdict=Verdict.ERROR,
            error=outcome.error,
            problems=tuple(host_problems),
            psp_latency_policy_enabled=psp_enabled,
        )
        return JoinedHost(outcome, (row,), ())
    core_paths = _by_device(ssh.paths.paths if ssh else ())
    nmp_paths = _by_device(ssh.nmp_paths.paths if ssh and ssh.nmp_paths else ())
    problems = tuple(host_problems)
    rows: list[PathRow] = []
    names: list[tuple[str, ...]] = []
    devices: list[DeviceInfo] = []
    device_series = series_of(inputs.latency, DEVICE_LATENCY)
    kernel_series = series_of(inputs.latency, KERNEL_LATENCY)
    path_series = (series_of(inputs.latency, PATH_READ), series_of(inputs.latency, PATH_WRITE))
    for device in list(dict.fromkeys([*ssh_devices, *vc_devices])):
        sd, vd = ssh_devices.get(device), vc_devices.get(device)
        rr = None
        if sd is not None and sd.round_robin is not None:
            s = sd.round_robin
            rr = _round_robin(
                (s.policy, s.iops, s.bytes, s.latency_eval_ms, s.sampling_ios, s.use_ano)
            )
        davg = window_of(device_series, device)
        kavg = window_of(kernel_series, device)
        display_name = (sd.display_name if sd else "") or (vd.display_name if vd else "")
        datastore = vd.datastore if vd else ""
        satp = (sd.satp if sd else "") or (vd.satp if vd else "")
        psp = (sd.psp if sd else "") or (vd.psp if vd else "")
        base = DeviceBase(  # the device's part of each of its rows, given once
            (host, device, display_name, datastore, satp, psp, rr),
            (davg, kavg, psp_enabled, Verdict.OK, problems, ""),
        )
        working = set(sd.working_paths) if sd else set()
        device_rows = device_paths(
            base,
            core_paths.get(device, []),
            nmp_paths.get(device, []),
            vd,
            working if sd else None,
            path_series,
            names,
        )
        rows.extend(device_rows)
        devices.append(
            DeviceInfo(
                host=host,
                device=device,
                display_name=display_name,
                datastore=datastore,
                satp=satp,
                psp=psp,
                rr=rr,
                paths=len(device_rows),
                dead_paths=sum(1 for r in device_rows if r.state == "dead"),
                working_paths=tuple(sorted(working)),
                device_latency=davg,
                kernel_latency=kavg,
            )
        )
    return JoinedHost(outcome, tuple(rows), tuple(devices), tuple(names))


_RR_SEEN: dict[tuple[str, int | None, int | None, int | None, int | None, bool | None], RoundRobin]
_RR_SEEN = {}


def _round_robin(
    key: tuple[str, int | None, int | None, int | None, int | None, bool | None],
) -> RoundRobin:
    """One (immutable) RoundRobin per distinct sub-policy, shared by every device that has it:
    an estate has a handful, where a refresh at 1,000 hosts would make 5,000 for the collector."""
    rr = _RR_SEEN.get(key)
    if rr is None:
        if len(_RR_SEEN) >= 1024:
            _RR_SEEN.clear()
        rr = _RR_SEEN[key] = RoundRobin(*key)
    return rr


_P = TypeVar("_P", CorePath, NmpPath)


def _by_device(paths: Iterable[_P]) -> dict[str, list[_P]]:
    """`core path list` / `nmp path list` items per device, in esxcli's order."""
    out: dict[str, list[_P]] = {}
    for p in paths:
        out.setdefault(p.device, []).append(p)
    return out
