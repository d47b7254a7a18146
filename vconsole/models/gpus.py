"""What the Bitfusion pane shows: servers, their GPUs, who holds what, and the checks.

The same objects back the screen and `vconsole gpus --json` (`as_json()`), so both say the same.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Any

from vconsole.models.common import RawOutput, Verdict, named_json
from vconsole.models.findings import Finding, Subject, SubjectKind

Severity = Verdict
"""How bad a finding is, on the shared scale (no finding is `ok`); `error`: no pool read at all."""


class ServerState(str, enum.Enum):
    UP = "up"
    UNREACHABLE = "unreachable"  # the client says it could not reach it
    GONE = "gone"  # listed before, not mentioned at all now


class ClientFailure(str, enum.Enum):
    """Why the client VM gave no pool at all."""

    UNREACHABLE = "client-unreachable"
    NOT_INSTALLED = "not-installed"
    NOT_AUTHORISED = "not-authorised"
    UNREADABLE = "unreadable-output"


_KINDS = {
    "pool-saturated": SubjectKind.SITE,
    "pool-empty": SubjectKind.SITE,
    "vcenter-unreadable": SubjectKind.SITE,
    "memory-without-client": SubjectKind.GPU,
    **{failure.value: SubjectKind.CLIENT for failure in ClientFailure},
}


@dataclass(frozen=True, init=False)
class GpuProblem(Finding):
    """A finding of the Bitfusion pane, built as `GpuProblem(code, severity, subject, text)`.

    `subject` may be given as the name the pane shows (a server, `server/gpuN`, `pool`, the
    client); its kind follows from the code (a server unless the code says otherwise).
    """

    source: str = "gpus"

    def __init__(
        self,
        code: str,
        severity: Severity,
        subject: str | Subject,
        text: str,
        evidence: str = "",
        source: str = "gpus",
        seen_at: float | None = None,
    ) -> None:
        if isinstance(subject, str):
            subject = Subject(_KINDS.get(code, SubjectKind.SERVER), subject)
        super().__init__(code, severity, text, evidence, subject, source, seen_at)


@dataclass(frozen=True)
class Allocation:
    """Memory one client holds on one GPU; `since` is when this console first saw it."""

    client: str
    server: str
    gpu_id: str
    gpu_index: int
    memory_mb: int
    fraction: float
    since: float
    seen_at_start: bool = False
    """True when it was already there at the first refresh, so it started at `since` or before."""

    @property
    def key(self) -> str:
        return f"{self.client}|{self.gpu_id}"

    def as_json(self) -> dict[str, Any]:
        return named_json(self, "client server") | {
            "gpu": self.gpu_id,
            "memory_mb": self.memory_mb,
            "fraction": round(self.fraction, 4),
            "since": self.since,
            "since_is_upper_bound": self.seen_at_start,
        }


@dataclass(frozen=True)
class Gpu:
    id: str
    index: int
    model: str
    memory_mb: int
    allocated_mb: int
    clients: tuple[str, ...] = ()
    clients_known: bool = True
    """False when smi gave no client section for this server (holders unknown, not none)."""
    utilisation_pct: int | None = None
    client_memory: tuple[tuple[str, int], ...] = ()
    """(client, MiB) rows smi gave for this GPU."""

    @property
    def free_mb(self) -> int:
        return max(0, self.memory_mb - self.allocated_mb)

    def as_json(self) -> dict[str, Any]:
        return named_json(
            self, "id index model memory_mb allocated_mb free_mb clients clients_known"
        )


@dataclass(frozen=True)
class PoolServer:
    """A Bitfusion server appliance as the client sees it, placed on its ESXi host if known."""

    name: str
    address: str
    state: ServerState
    gpus: tuple[Gpu, ...] = ()
    version: str = ""
    tasks: int | None = None
    host: str = ""
    host_nic_gbps: float | None = None
    reason: str = ""
    last_seen: float | None = None

    @property
    def reachable(self) -> bool:
        return self.state == ServerState.UP

    @property
    def memory_mb(self) -> int:
        return sum(g.memory_mb for g in self.gpus)

    @property
    def allocated_mb(self) -> int:
        return sum(g.allocated_mb for g in self.gpus)

    def as_json(self) -> dict[str, Any]:
        return named_json(
            self, "name address reachable state version host host_nic_gbps reason"
        ) | {"gpus": [g.as_json() for g in self.gpus]}


@dataclass(frozen=True)
class PoolTotals:
    """Capacity of the servers that answered (unreachable and gone ones do not count)."""

    gpus: int = 0
    memory_mb: int = 0
    allocated_mb: int = 0

    @property
    def free_mb(self) -> int:
        return max(0, self.memory_mb - self.allocated_mb)

    @property
    def used_pct(self) -> float:
        return 100.0 * self.allocated_mb / self.memory_mb if self.memory_mb else 0.0

    def as_json(self) -> dict[str, Any]:
        return named_json(self, "gpus memory_mb allocated_mb free_mb") | {
            "used_pct": round(self.used_pct, 1)
        }


@dataclass(frozen=True)
class UsageSample:
    """One point of the utilisation history."""

    taken_at: float
    used_pct: float


@dataclass(frozen=True)
class PoolReport:
    client: str
    taken_at: float
    servers: tuple[PoolServer, ...] = ()
    totals: PoolTotals = PoolTotals()
    allocations: tuple[Allocation, ...] = ()
    problems: tuple[GpuProblem, ...] = ()
    failure: ClientFailure | None = None
    failure_text: str = ""
    client_version: str = ""
    history: tuple[UsageSample, ...] = ()
    outputs: tuple[RawOutput, ...] = ()
    duration_s: float = 0.0
    vcenter_error: str = ""

    @property
    def ok(self) -> bool:
        return self.failure is None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "client": self.client,
            "taken_at": self.taken_at,
            "servers": [s.as_json() for s in self.servers],
            "totals": self.totals.as_json(),
            "allocations": [a.as_json() for a in self.allocations],
            "problems": [p.as_json() for p in self.findings()],
        }
        if self.failure is not None:
            out["error"] = {"code": self.failure.value, "text": self.failure_text}
        if self.vcenter_error:
            out["vcenter_error"] = self.vcenter_error
        return out

    def findings(self) -> tuple[GpuProblem, ...]:
        """The problems placed on their objects, read through this client at `taken_at`."""
        return tuple(
            p.about(replace(p.subject, site=self.client), "gpus", self.taken_at or None)
            for p in self.problems
        )

    def transcript(self) -> str:
        """The raw client output of this refresh, ready to paste into a support case."""
        parts = []
        for o in self.outputs:
            parts.append(f"$ {o.line}")
            if o.error:
                parts.append(f"# {o.error}")
            if o.stdout:
                parts.append(o.stdout.rstrip("\n"))
            if o.stderr:
                parts.append("# stderr:\n" + o.stderr.rstrip("\n"))
            if o.exit is not None:
                parts.append(f"# exit {o.exit}")
            parts.append("")
        return "\n".join(parts) or f"# {self.client}: nothing read yet\n"
