"""What the multipathing pane shows: one row per host x device x path, a device line per host.

The same objects back the screen and `vconsole paths --json` (`as_json()`), so both agree.
Latency is a window of realtime samples (20 s each), summarised as p50/p95/max: one slow
command moves an average but not a median.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar

from vconsole.models.common import RawOutput, Verdict, host_transcript, named_json, worst
from vconsole.models.findings import Finding, Subject, SubjectKind

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


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p50 of 15 samples is the 8th smallest)."""
    return _nearest_rank(sorted(values), pct)


def _nearest_rank(ordered: Sequence[float], pct: float) -> float:
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


Packed = tuple[float, ...]
"""A window as rows keep it: (p50, p95, max, *samples)."""


class LatencyWindow:
    """Millisecond samples over the query window, oldest first; missing samples left out.

    Held as one tuple of floats, p50/p95/max first (one sort per window, read many times: each
    path is compared with its siblings). Rows keep that tuple, not this object (`_Window`): the
    cyclic collector stops tracking a tuple of floats, but walks every instance at each
    collection, and a refresh at 1,000 hosts makes 50,000 windows."""

    __slots__ = ("packed",)
    packed: Packed

    def __init__(self, samples: Sequence[float]) -> None:
        object.__setattr__(self, "packed", pack(tuple(samples)))

    @classmethod
    def of(cls, values: Sequence[float]) -> LatencyWindow | None:
        packed = pack_values(values)
        return None if packed is None else cls.unpacked(packed)

    @classmethod
    def unpacked(cls, packed: Packed) -> LatencyWindow:
        window = cls.__new__(cls)
        object.__setattr__(window, "packed", packed)
        return window

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"LatencyWindow is read-only: cannot set {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LatencyWindow):
            return NotImplemented
        return self.packed[3:] == other.packed[3:]

    def __hash__(self) -> int:
        return hash(self.packed[3:])

    def __repr__(self) -> str:
        return f"LatencyWindow(samples={self.samples!r})"

    @property
    def samples(self) -> tuple[float, ...]:
        return self.packed[3:]

    @property
    def p50(self) -> float:
        return self.packed[0]

    @property
    def p95(self) -> float:
        return self.packed[1]

    @property
    def max(self) -> float:
        return self.packed[2]

    @property
    def last(self) -> float:
        return self.packed[-1]

    def as_json(self) -> dict[str, Any]:
        return named_json(self, "p50 p95 max last samples")


def pack(samples: tuple[float, ...]) -> Packed:
    """A window of at least one sample as rows keep it. _nearest_rank for 50 and 95 spelled
    out: both ranks are within 1..len for any length."""
    ordered = sorted(samples)
    n = len(ordered)
    return (
        ordered[math.ceil(0.5 * n) - 1],
        ordered[math.ceil(0.95 * n) - 1],
        ordered[-1],
        *samples,
    )


def pack_values(values: Sequence[float]) -> Packed | None:
    """`pack` of the samples that are there (gaps: -1, None, NaN left out); None if none is."""
    try:  # the usual window has no gap: nothing to leave out, so no Python per sample
        total = sum(values)
        whole = min(values) >= 0 and total == total  # a NaN sum: a NaN sample to leave out
    except (TypeError, ValueError):  # a None among the values, or no values
        whole = False
    if whole:
        return pack(tuple(map(float, values)))
    kept = tuple([float(v) for v in values if v is not None and v >= 0])
    return pack(kept) if kept else None


_READ, _WRITE = attrgetter("_read"), attrgetter("_write")  # a row's packed windows


class _Window:
    """A row's latency field: set from a LatencyWindow (or a packed one, as the join makes
    them), kept packed, read back as a LatencyWindow; no window is None."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = "_" + name

    def __get__(self, obj: object, owner: type | None = None) -> LatencyWindow | None:
        if obj is None:
            return None  # the dataclass field's default
        packed = getattr(obj, self.key)
        return None if packed is None else LatencyWindow.unpacked(packed)

    def __set__(self, obj: object, value: LatencyWindow | Packed | None) -> None:
        if value is None or type(value) is tuple:
            object.__setattr__(obj, self.key, value)
        else:
            object.__setattr__(obj, self.key, value.packed)  # type: ignore[union-attr]


def _window_json(window: LatencyWindow | None) -> dict[str, Any] | None:
    return None if window is None else window.as_json()


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
    device_latency: _Window = _Window()  # disk.deviceLatency (DAVG)
    kernel_latency: _Window = _Window()  # disk.kernelLatency (KAVG)
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
    read: _Window = _Window()
    write: _Window = _Window()
    device_latency: _Window = _Window()
    kernel_latency: _Window = _Window()
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
        refresh's own, before its report is made), 20,000 copies saved a refresh."""
        if device is None:
            _fill(self, problems=problems, verdict=verdict)
        else:
            _fill(
                self,
                problems=problems,
                verdict=verdict,
                device_verdict=device.verdict,
                device_problems=device.problems,
            )
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
    def read_ms(self) -> float | None:
        """p50 of the read window, without making the window (judging reads it per path)."""
        packed = _READ(self)
        return None if packed is None else packed[0]

    @property
    def write_ms(self) -> float | None:
        packed = _WRITE(self)
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
                "read": _window_json(self.read),
                "write": _window_json(self.write),
                "device_latency": _window_json(self.device_latency),
                "kernel_latency": _window_json(self.kernel_latency),
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
            n if not isinstance(cls.__dict__.get(n), _Window) else "_" + n for n in names
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
