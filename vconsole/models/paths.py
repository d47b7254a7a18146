"""What the multipathing pane shows: one row per host x device x path, a device line per host.

The same objects back the screen and `vconsole paths --json` (`as_json()`), so both agree.
Latency is a window of realtime samples (20 s each), summarised as p50/p95/max: one slow
command moves an average but not a median.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar

from vconsole.models.common import RawOutput, Verdict, host_transcript, named_json, worst
from vconsole.models.findings import Finding, Subject, SubjectKind
from vconsole.models.latency import (
    READ_PACKED,
    WRITE_PACKED,
    LatencyWindow,
    Packed,
    WindowField,
    pack,
    pack_values,
    percentile,
    window_json,
)

__all__ = ["LatencyWindow", "Packed", "pack", "pack_values", "percentile"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class Thresholds:
    """Limits the verdicts use; every one can be changed from the CLI or the pane's caller."""

    davg_ms: float = 20.0
    """Device latency (esxtop DAVG/cmd) p95 above this is a warning."""
    kavg_ms: float = 1.0
    """Kernel latency (esxtop KAVG/cmd) p95 above this is a warning (queuing in the host)."""
    slow_path_ratio: float = 3.0
    """A path whose p50 is this many times its siblings' median..."""
    slow_path_min_ms: float = 5.0
    """...and at least this many ms above it, is an outlier."""

    def as_json(self) -> dict[str, float]:
        return named_json(self, "davg_ms kavg_ms slow_path_ratio slow_path_min_ms")


@dataclass(frozen=True, init=False)
class PathProblem(Finding):
    """A finding of the multipathing pane; `scope` (path | device | host) is its subject's kind."""

    source: str = "paths"

    def __init__(
        self,
        code: str,
        severity: Verdict,
        text: str,
        scope: str = "path",
        evidence: str = "",
        subject: Subject | None = None,
        source: str = "paths",
        seen_at: float | None = None,
    ) -> None:
        placed = subject if subject is not None else Subject(SubjectKind(scope))
        super().__init__(code, severity, text, evidence, placed, source, seen_at)

    @property
    def scope(self) -> str:
        return self.subject.kind.value

    def as_json(self) -> dict[str, Any]:
        return self.to_json() | {"scope": self.scope}


@dataclass(frozen=True)
class RoundRobin:
    """The Round Robin sub-policy of one device on one host (from `nmp device list`)."""

    type: str = ""  # latency | iops | bytes | rr | "" (unknown: SSH not read)
    iops: int | None = None
    bytes: int | None = None
    latency_eval_ms: int | None = None
    sampling_ios: int | None = None
    use_ano: bool | None = None

    def describe(self) -> str:
        if self.type == "iops":
            return f"iops={self.iops}" if self.iops is not None else "iops"
        if self.type == "latency":
            bits = []
            if self.latency_eval_ms is not None:
                bits.append(f"eval {self.latency_eval_ms / 1000:g} s")
            if self.sampling_ios is not None:
                bits.append(f"{self.sampling_ios} I/Os")
            return "latency" + (f" ({', '.join(bits)})" if bits else "")
        if self.type == "bytes":
            return f"bytes={self.bytes}" if self.bytes is not None else "bytes"
        return self.type


@dataclass(frozen=True)
class DeviceInfo:
    """One device as one host sees it: identity, policies and the device-level latency."""

    host: str
    device: str
    display_name: str = ""
    datastore: str = ""
    satp: str = ""
    psp: str = ""
    rr: RoundRobin | None = None
    paths: int = 0
    dead_paths: int = 0
    working_paths: tuple[str, ...] = ()
    device_latency: WindowField = WindowField()  # disk.deviceLatency (DAVG)
    kernel_latency: WindowField = WindowField()  # disk.kernelLatency (KAVG)
    verdict: Verdict = Verdict.OK
    problems: tuple[PathProblem, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.host}|{self.device}"

    def judged(self, problems: tuple[PathProblem, ...], verdict: Verdict) -> DeviceInfo:
        """This device with its findings and verdict, as PathRow.judged (5,000 a refresh)."""
        return _DEVICE.copy(self, problems=problems, verdict=verdict)

    def judged_in_place(self, problems: tuple[PathProblem, ...], verdict: Verdict) -> DeviceInfo:
        """`judged`, filled into this very object: only for a device nobody else holds yet."""
        _fill(self, problems=problems, verdict=verdict)
        return self

    @property
    def subject(self) -> Subject:
        return Subject.of(SubjectKind.DEVICE, self.device, host=self.host)

    @property
    def rr_type(self) -> str:
        return self.rr.type if self.rr else ""


@dataclass(frozen=True)
class PathRow:
    """One path of one device on one host, with its verdict. A failed host has one row, no path."""

    host: str
    device: str = ""
    display_name: str = ""
    datastore: str = ""
    satp: str = ""
    psp: str = ""
    rr: RoundRobin | None = None
    path: str = ""  # runtime name, vmhbaN:C:T:L
    uid: str = ""
    state: str = ""  # active | standby | disabled | dead | unknown
    group_state: str = ""  # ALUA: active | active unoptimized | standby | unavailable | dead
    working: bool | None = None
    adapter: str = ""
    target: str = ""
    lun: int | None = None
    read: WindowField = WindowField()
    write: WindowField = WindowField()
    device_latency: WindowField = WindowField()
    kernel_latency: WindowField = WindowField()
    psp_latency_policy_enabled: bool | None = None
    verdict: Verdict = Verdict.OK
    problems: tuple[PathProblem, ...] = ()
    error: str = ""
    sources: tuple[str, ...] = ()  # "ssh", "vcenter", "perf"
    device_verdict: Verdict | None = None
    device_problems: tuple[PathProblem, ...] = ()
    """The device's and the host's own findings, for context: they are not this path's."""

    def judged(
        self,
        problems: tuple[PathProblem, ...],
        verdict: Verdict,
        device: DeviceInfo | None = None,
    ) -> PathRow:
        """This row with its verdict (and its device's) filled in, as a refresh judges 20,000."""
        if device is None:
            return _ROW.copy(self, problems=problems, verdict=verdict)
        return _ROW.copy(
            self,
            problems=problems,
            verdict=verdict,
            device_verdict=device.verdict,
            device_problems=device.problems,
        )

    def judged_in_place(
        self, problems: tuple[PathProblem, ...], verdict: Verdict, device: DeviceInfo | None
    ) -> PathRow:
        """`judged`, filled into this very row: only for a row nobody else holds yet (a
        refresh's own, before its report is made), 20,000 copies saved a refresh. Set field by
        field, not through `__dict__`, which would give the row a dict object of its own."""
        _set(self, "problems", problems)
        _set(self, "verdict", verdict)
        if device is not None:
            _set(self, "device_verdict", device.verdict)
            _set(self, "device_problems", device.problems)
        return self

    def place(self, problem: PathProblem, seen_at: float | None = None) -> PathProblem:
        """`problem` on its object: this path, or the host for a host-scoped one."""
        if problem.scope == "host" or not (self.path or self.uid):
            host = Subject.of(SubjectKind.HOST, self.host, host=self.host)
            return problem.about(host, "paths", seen_at)
        if problem.scope == "device":
            return problem.about(Subject.of(SubjectKind.DEVICE, self.device, host=self.host))
        return problem.about(self.subject, "paths", seen_at)

    @property
    def subject(self) -> Subject:
        """This path of its device on its host; a row without a path stands for the host."""
        if not (self.path or self.uid):
            return Subject.of(SubjectKind.HOST, self.host, host=self.host)
        return Subject.of(
            SubjectKind.PATH, self.path or self.uid, host=self.host, device=self.device
        )

    @property
    def key(self) -> str:
        """Stable table key across refreshes."""
        return "|".join((self.host, self.device, self.path or self.uid))

    @property
    def rr_type(self) -> str:
        return self.rr.type if self.rr else ""

    @property
    def dead(self) -> bool:
        """A dead path carries no I/O: its latency is not "fast", it is none (shown as "-")."""
        return "dead" in (self.state, self.group_state)

    @property
    def read_ms(self) -> float | None:
        """p50 of the read window, without making the window (judging reads it per path)."""
        packed = READ_PACKED(self)
        return None if packed is None else packed[0]

    @property
    def write_ms(self) -> float | None:
        packed = WRITE_PACKED(self)
        return None if packed is None else packed[0]

    @property
    def summary(self) -> str:
        if self.error:
            return self.error
        shown = [p for p in (*self.problems, *self.device_problems) if p.severity != Verdict.OK]
        return shown[0].text if shown else "ok"

    def as_json(self) -> dict[str, Any]:
        rr = self.rr or RoundRobin()
        return (
            named_json(self, "host device display_name datastore satp psp")
            | {
                "rr_type": rr.type or None,
                "rr_iops": rr.iops,
                "rr_latency_eval_ms": rr.latency_eval_ms,
                "rr_sampling_ios": rr.sampling_ios,
            }
            | named_json(
                self, "path uid state group_state working adapter target lun read_ms write_ms"
            )
            | {
                "read": window_json(self.read),
                "write": window_json(self.write),
                "device_latency": window_json(self.device_latency),
                "kernel_latency": window_json(self.kernel_latency),
                "psp_latency_policy_enabled": self.psp_latency_policy_enabled,
                "verdict": self.verdict.value,
                "problems": [self.place(p).as_json() for p in self.problems],
                "error": self.error,
                "sources": list(self.sources),
                "device_verdict": None
                if self.device_verdict is None
                else self.device_verdict.value,
                "device_problems": [p.as_json() for p in self.device_problems],
            }
        )


class _Fields:
    """`dataclasses.replace` for a dataclass whose fields are all `__init__` arguments, without
    its walk over the fields by name: every value read at once, the changed ones put in place."""

    def __init__(self, cls: type[Any]) -> None:
        if not all(f.init for f in fields(cls)):
            raise TypeError(f"{cls.__name__} has fields __init__ does not take")
        names = [f.name for f in fields(cls)]
        stored = [  # a latency field read as it is kept: no window made to be packed again
            n if not isinstance(cls.__dict__.get(n), WindowField) else "_" + n for n in names
        ]
        self.read = attrgetter(*stored)
        self.at = {name: i for i, name in enumerate(names)}

    def copy(self, obj: _T, **changes: object) -> _T:
        values = list(self.read(obj))
        for name, value in changes.items():
            values[self.at[name]] = value
        return type(obj)(*values)


def _fill(obj: object, **values: object) -> None:
    """Set fields of a frozen row or device that is still being made (see judged_in_place)."""
    for name, value in values.items():
        object.__setattr__(obj, name, value)


_set = object.__setattr__
_ROW = _Fields(PathRow)
_DEVICE = _Fields(DeviceInfo)


@dataclass(frozen=True)
class HostPaths:
    """One host's outcome: reachable or why not, its latency switch, and where data came from."""

    host: str
    ok: bool
    error: str = ""
    psp_latency_policy_enabled: bool | None = None
    connection_state: str = ""  # from vCenter, when it knows the host
    perf_note: str = ""  # why latency is missing, when it is
    duration_s: float = 0.0
    outputs: tuple[RawOutput, ...] = ()

    def transcript(self) -> str:
        """The host's raw output as a pasteable shell transcript."""
        notes = [f"error: {self.error}"] if self.error else []
        if self.perf_note:
            notes.append(f"latency: {self.perf_note}")
        return host_transcript(self.host, notes, self.outputs, _EARLIER_LAYOUT)

    def as_json(self) -> dict[str, Any]:
        return named_json(
            self, "host ok error psp_latency_policy_enabled connection_state perf_note"
        )


@dataclass(frozen=True)
class PathsReport:
    """One refresh of the whole estate."""

    rows: tuple[PathRow, ...]
    devices: tuple[DeviceInfo, ...] = ()
    hosts: tuple[HostPaths, ...] = ()
    thresholds: Thresholds = field(default_factory=Thresholds)
    vcenter_error: str = ""
    notes: tuple[str, ...] = ()
    taken_at: float = 0.0
    duration_s: float = 0.0

    def host(self, name: str) -> HostPaths | None:
        return next((h for h in self.hosts if h.host == name), None)

    def device_rows(self, device: str) -> list[PathRow]:
        """Every path of `device` on every host that sees it (the cross-host drill-down)."""
        return [r for r in self.rows if r.device == device]

    def host_devices(self, host: str) -> list[DeviceInfo]:
        return [d for d in self.devices if d.host == host]

    @property
    def verdict(self) -> Verdict:
        return worst([r.verdict for r in self.rows] + [d.verdict for d in self.devices])

    def findings(self) -> tuple[Finding, ...]:
        """Every finding once, on its object: the path, the device or the host."""
        seen = self.taken_at or None
        out: dict[tuple[str, str], Finding] = {}
        for row in self.rows:
            for p in row.problems:
                placed = row.place(p, seen)
                out.setdefault((placed.key, p.text), placed)
        for d in self.devices:
            for p in d.problems:
                placed = p.about(d.subject, "paths", seen)
                if p.scope == "host":
                    host = Subject.of(SubjectKind.HOST, d.host, host=d.host)
                    placed = p.about(host, "paths", seen)
                out.setdefault((placed.key, p.text), placed)
        return tuple(out.values())


_EARLIER_LAYOUT = "output from an earlier refresh; `core path list` has not changed since"
