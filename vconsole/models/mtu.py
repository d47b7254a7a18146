"""What the MTU pane and `vconsole mtu --json` show: one path test, its probes and its verdict.

Sizes follow the admin's vocabulary: `payload` is the `vmkping -s` value, `mtu` is the packet
size on the wire (payload + 28 for IPv4, + 48 for IPv6).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vconsole.models.common import Verdict as CommonVerdict
from vconsole.models.common import named_json
from vconsole.models.findings import Finding, Subject, SubjectKind

IPV4_OVERHEAD = 28  # 20-byte IPv4 header + 8-byte ICMP header
IPV6_OVERHEAD = 48  # 40-byte IPv6 header + 8-byte ICMPv6 header


def overhead(family: int) -> int:
    """Bytes vmkping adds to `-s` to make the packet: 28 for IPv4, 48 for IPv6."""
    return IPV4_OVERHEAD if family == 4 else IPV6_OVERHEAD


class ProbeKind(str, enum.Enum):
    """What one DF-set probe met on its way."""

    REPLY = "reply"  # an echo reply came back: this size passes
    TOO_LONG = "too_long"  # local `sendto() failed (Message too long)`: above the vmk's own MTU
    FRAG_NEEDED = "frag_needed"  # a hop sent ICMP "fragmentation needed": too big, and it said so
    LOST = "lost"  # nothing came back: too big on a black-holed path, or plain packet loss
    ERROR = "error"  # the probe could not run (unknown interface, bad netstack, SSH failure)


@dataclass(frozen=True)
class ProbeOutcome:
    """One probe (one `vmkping` run) at one payload size."""

    payload: int
    kind: ProbeKind
    sent: int = 1
    received: int = 0
    detail: str = ""
    mtu_hint: int | None = None  # next-hop MTU named by an ICMP frag-needed, when given
    duration_s: float = 0.0
    round: int = 0

    @property
    def fails(self) -> bool:
        return self.kind in (ProbeKind.TOO_LONG, ProbeKind.FRAG_NEEDED, ProbeKind.LOST)

    @property
    def definite(self) -> bool:
        """A failure that random packet loss cannot explain."""
        return self.kind in (ProbeKind.TOO_LONG, ProbeKind.FRAG_NEEDED)


Severity = CommonVerdict
"""The one scale of every pane (`ok < info < warning < critical`, `error` = could not test)."""


class Confidence(str, enum.Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class MtuFinding(Finding):
    """A finding of the MTU pane; `message` is its text under the name MTU JSON always had."""

    source: str = "mtu"

    @property
    def message(self) -> str:
        return self.text


Verdict = MtuFinding
"""The name the MTU verdict logic builds findings by: `Verdict(code, severity, message)`."""


@dataclass(frozen=True)
class VmkInterface:
    """A VMkernel interface as the host reports it (`esxcli network ip interface list` + ipv4)."""

    name: str
    mtu: int
    netstack: str = "defaultTcpipStack"
    enabled: bool = True
    portset: str = ""
    portgroup: str = ""
    vds_name: str = ""
    ipv4: str = ""
    netmask: str = ""
    gateway: str = ""


@dataclass(frozen=True)
class HostNetwork:
    """What discovery learnt about one host: its vmks, netstacks and switch MTUs."""

    host: str
    vmks: tuple[VmkInterface, ...] = ()
    netstacks: tuple[str, ...] = ()
    switch_mtus: tuple[tuple[str, int], ...] = ()  # (switch name, MTU), VDS and standard
    error: str = ""
    switch_uplinks: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (switch name, its vmnics)
    nic_mtus: tuple[tuple[str, int], ...] = ()  # (vmnic, MTU) from `esxcli network nic list`

    def vmk(self, name: str) -> VmkInterface | None:
        return next((v for v in self.vmks if v.name == name), None)

    def switch_mtu(self, vmk: VmkInterface) -> int | None:
        """The MTU of the switch the vmk sits on, when the host says which one it is."""
        mtus = dict(self.switch_mtus)
        for key in (vmk.vds_name, vmk.portset):
            if key and key in mtus:
                return mtus[key]
        if vmk.portset.startswith("DvsPortset") and len(mtus) == 1:
            return next(iter(mtus.values()))
        return None

    def uplink_mtus(self, vmk: VmkInterface) -> tuple[tuple[str, int], ...]:
        """(vmnic, MTU) of the uplinks under the vmk's switch, when the host names them."""
        uplinks = dict(self.switch_uplinks)
        names = uplinks.get(vmk.vds_name) or uplinks.get(vmk.portset) or ()
        if not names and vmk.portset.startswith("DvsPortset") and len(uplinks) == 1:
            names = next(iter(uplinks.values()))
        nics = dict(self.nic_mtus)
        return tuple((n, nics[n]) for n in names if n in nics)


@dataclass(frozen=True)
class MtuTest:
    """One pair to test: from a host's vmk (on a netstack) to a target, over IPv4 or IPv6.

    `target` is what the admin typed or saved (an IP, a name, `host:vmkN`, `peer`);
    `address` is what vmkping is given once it is resolved.
    """

    host: str
    target: str
    vmk: str = ""
    netstack: str = ""
    family: int = 4
    label: str = ""
    address: str = ""
    required_mtu: int | None = None

    @property
    def column(self) -> str:
        """The matrix column: vmk -> target as the admin named it."""
        return f"{self.vmk or 'auto'} -> {self.label or self.target}" + (
            " (v6)" if self.family == 6 else ""
        )


@dataclass(frozen=True)
class SearchOutcome:
    """What the path MTU search found, before it is judged against configured MTUs."""

    reachable: bool
    max_payload: int | None
    path_mtu: int | None
    confidence: Confidence
    confidence_note: str
    evidence: tuple[ProbeOutcome, ...]
    rounds: int
    blackhole: bool = False
    local_limit: bool = False  # the edge was the vmk's own MTU (sendto failed locally)
    error: str = ""
    cancelled: int = 0  # probes stopped once the answer no longer depended on them

    @property
    def probes(self) -> int:
        return len(self.evidence)


@dataclass(frozen=True)
class MtuResult:
    """One tested pair, judged; this is a row of `vconsole mtu --json` and a matrix cell."""

    host: str
    vmk: str
    netstack: str
    target: str
    address: str
    family: int
    label: str
    vmk_mtu: int | None
    switch_mtu: int | None
    path_mtu: int | None
    max_payload: int | None
    verdict: Verdict
    verdicts: tuple[Verdict, ...]
    confidence: Confidence
    confidence_note: str
    probes: int
    rounds: int
    duration_s: float
    evidence: tuple[ProbeOutcome, ...]
    checked_at: str
    error: str = ""
    required_mtu: int | None = None
    previous_path_mtu: int | None = None
    previous_checked_at: str | None = None
    changed: bool = False
    cancelled: int = 0

    @property
    def key(self) -> str:
        """Stable identity of the pair across runs (for 'what changed')."""
        return f"{self.host}|{self.vmk}|{self.netstack}|{self.address or self.target}|{self.family}"

    @property
    def column(self) -> str:
        return f"{self.vmk or 'auto'} -> {self.label or self.target}" + (
            " (v6)" if self.family == 6 else ""
        )

    @property
    def subject(self) -> Subject:
        """The vmk -> target pair on its host: what every finding of this row is about."""
        return Subject.of(
            SubjectKind.VMK_TARGET,
            self.column,
            host=self.host,
            vmk=self.vmk,
            netstack=self.netstack,
            target=self.address or self.target,
            family=f"ipv{self.family}",
        )

    def findings(self) -> tuple[Finding, ...]:
        """This pair's findings placed on it, seen when it was checked."""
        seen = epoch_of(self.checked_at)
        return tuple(v.about(self.subject, "mtu", seen) for v in self.verdicts)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape: stable keys, enum values as strings, evidence as a list."""
        head = overhead(self.family)
        return (
            named_json(self, "host vmk netstack target address label")
            | {"family": f"ipv{self.family}"}
            | named_json(self, "vmk_mtu switch_mtu required_mtu path_mtu max_payload")
            | {
                "verdict": self.verdict.code,
                "severity": self.verdict.severity.value,
                "message": self.verdict.message,
                "findings": [f.to_json() | {"message": f.text} for f in self.findings()],
                "confidence": self.confidence.value,
                "confidence_note": self.confidence_note,
                "probes": self.probes,
                "probes_cancelled": self.cancelled,
                "rounds": self.rounds,
                "duration_s": round(self.duration_s, 3),
                "checked_at": self.checked_at,
                "previous_path_mtu": self.previous_path_mtu,
                "previous_checked_at": self.previous_checked_at,
                "changed": self.changed,
                "error": self.error or None,
                "evidence": [
                    {
                        "size": p.payload,
                        "mtu": p.payload + head,
                        "outcome": p.kind.value,
                        "sent": p.sent,
                        "received": p.received,
                        "round": p.round,
                        "detail": p.detail,
                    }
                    | ({"mtu_hint": p.mtu_hint} if p.mtu_hint else {})
                    for p in self.evidence
                ],
            }
        )


def epoch_of(iso: str) -> float | None:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@dataclass(frozen=True)
class TestSet:
    """A saved list of pairs for a site ("branch AKL: vmk0 -> vCenter, vmk2 -> witness")."""

    __test__ = False  # not a pytest class, despite the name

    name: str
    tests: tuple[MtuTest, ...] = ()
    hosts: tuple[str, ...] = ()  # when set, each test with host "*" runs on every one of these
    description: str = ""


@dataclass(frozen=True)
class MatrixProgress:
    """Progress of a run, for the pane's status line and the CLI's stderr."""

    done: int
    total: int
    running: tuple[str, ...] = field(default_factory=tuple)
