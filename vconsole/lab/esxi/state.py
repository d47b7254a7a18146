"""Run-time state of one lab ESXi host: what admins can change, plus a clock for counters.

The scenario is frozen; settings an admin changes over SSH (LACP timeout, Round Robin
sub-policy, advanced options) live here so later commands show them. Identifiers that esxcli
prints but the scenario does not hold (MACs, port ids, VDS UUIDs) are derived from names, so
they are stable across runs.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from vconsole.lab.esxi.output import Reply
from vconsole.lab.scenario import Host, Lag, Lun, Scenario
from vconsole.lab.scenario_checks import TEAM_UP_DELAY_DEFAULT_MS, TEAM_UP_DELAY_OPTION

DEFAULT_NETSTACK = "defaultTcpipStack"
PSP_LATENCY_OPTION = "/Misc/EnablePSPLatencyPolicy"
BOOTED_BEFORE_START_S = 3 * 86400


class LabClock:
    """Lab time: real sleeps multiplied by `time_scale`, so lab time runs 1/scale as fast."""

    def __init__(self, time_scale: float = 1.0) -> None:
        if time_scale < 0:
            raise ValueError(f"time_scale must be >= 0, got {time_scale}")
        self.time_scale = time_scale
        self._start = time.monotonic()

        self._local = threading.local()  # `debt`: lab seconds this thread's deferred run slept

    def now(self) -> float:
        """Seconds of lab time since the lab started (ahead by a deferred run's sleeps)."""
        elapsed = time.monotonic() - self._start
        ahead = getattr(self._local, "debt", None) or 0.0
        return (elapsed / self.time_scale if self.time_scale > 0 else elapsed) + ahead

    def sleep(self, lab_seconds: float) -> None:
        if lab_seconds > 0 and self.time_scale > 0:
            if getattr(self._local, "debt", None) is not None:
                self._local.debt += lab_seconds
            else:
                time.sleep(lab_seconds * self.time_scale)

    @contextmanager
    def deferred(self) -> Iterator[Deferred]:
        """Run code whose sleeps only add up: a shell's background job runs at once on the
        caller's thread and its exec waits out the total later, one timer instead of a thread
        per job. Nested runs are parallel to their caller: their sleeps do not add to its."""
        before = getattr(self._local, "debt", None)
        self._local.debt = before or 0.0
        span = Deferred()
        try:
            yield span
        finally:
            span.lab_seconds = self._local.debt - (before or 0.0)
            self._local.debt = before


@dataclass
class Deferred:
    """Lab seconds a deferred run slept (set when it ends)."""

    lab_seconds: float = 0.0


@dataclass(frozen=True)
class RoundRobinConfig:
    """`esxcli storage nmp psp roundrobin deviceconfig` settings of one device."""

    limit_type: str = "Default"  # Default | Iops | Bytes | Latency
    iops: int = 1000
    bytes: int = 10485760
    use_ano: bool = False
    latency_eval_ms: int = 180000
    sampling_ios: int = 16


def lacp_interval(timeout: str) -> float:
    """Seconds between LACPDUs: fast (short timeout) every second, slow every 30 s."""
    return 1.0 if timeout == "fast" else 30.0


def stable_int(*parts: Any) -> int:
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def mac_for(*parts: Any) -> str:
    """A stable VMware-OUI address; the lab vCenter's Go `mac()` derives the same one, so
    esxcli and the API agree on every adapter's MAC."""
    h = hashlib.sha1("/".join(str(p) for p in parts).encode()).digest()
    return f"00:50:56:{h[0] & 0x3F:02x}:{h[1]:02x}:{h[2]:02x}"


def vds_uuid(dvs: str) -> str:
    raw = hashlib.sha256(dvs.encode()).digest()[:16]
    b = ["50", *(f"{x:02x}" for x in raw[1:])]
    return " ".join(b[:8]) + "-" + " ".join(b[8:])


class HostState:
    """One host's mutable settings and identity, shared by all its SSH sessions."""

    def __init__(
        self, scenario: Scenario, host: Host, clock: LabClock, real_network: Any = None
    ) -> None:
        self.scenario = scenario
        self.host = host
        self.clock = clock
        self.real_network = real_network
        self.lock = threading.Lock()
        self.boot_offset = BOOTED_BEFORE_START_S + stable_int(host.name, "boot") % 86400
        self.lacp_timeout: dict[tuple[int, str], str] = {
            (lag.lag_id, nic): lag.timeout for lag in host.lags for nic in lag.nics
        }
        # (lab uptime, Tx LACPDUs) when each port's timeout last changed: Tx counts from there.
        self.lacp_tx_anchor: dict[tuple[int, str], tuple[float, int]] = {
            key: (0.0, 0) for key in self.lacp_timeout
        }
        self.round_robin: dict[str, RoundRobinConfig] = {
            lun.id: _initial_rr(lun) for lun in host.luns
        }
        self.advanced: dict[str, int] = {
            PSP_LATENCY_OPTION: 1,
            TEAM_UP_DELAY_OPTION: TEAM_UP_DELAY_DEFAULT_MS,
            **dict(host.advanced),
        }
        # listings that follow from `host` alone, as rendered for it: (command, args) -> (host, out)
        self.listings: dict[tuple[str, ...], tuple[Host, Reply]] = {}
        # path MTUs learned from ICMP "fragmentation needed": (netstack, target) -> (mtu, until)
        self.learned_pmtu: dict[tuple[str, str], tuple[int, float]] = {}

    @property
    def name(self) -> str:
        return self.host.name

    def uptime(self) -> float:
        """Seconds since this host booted (it booted a few days before the lab started)."""
        return self.boot_offset + self.clock.now()

    def dvs_name(self) -> str:
        """The host's distributed switch: its LAGs' switch, else one per site."""
        if self.host.lags:
            return self.host.lags[0].dvs
        return f"DSwitch-{self.host.site}"

    def netstacks(self) -> list[str]:
        names = [DEFAULT_NETSTACK]
        for v in self.host.vmks:
            if v.netstack not in names:
                names.append(v.netstack)
        return names

    def lag(self, lag_id: int) -> Lag | None:
        return next((g for g in self.host.lags if g.lag_id == lag_id), None)

    def set_lacp_timeout(self, lag: Lag, nic: str, timeout: str) -> None:
        with self.lock:
            key = (lag.lag_id, nic)
            if self.lacp_timeout.get(key) != timeout:
                now = self.uptime()
                self.lacp_tx_anchor[key] = (now, self.lacp_tx(lag, nic, now))
            self.lacp_timeout[key] = timeout

    def lacp_tx(self, lag: Lag, nic: str, now: float | None = None) -> int:
        """LACPDUs this port has sent: one per 30 s when slow, one per second when fast."""
        now = self.uptime() if now is None else now
        key = (lag.lag_id, nic)
        since, count = self.lacp_tx_anchor.get(key, (0.0, 0))
        return count + int((now - since) // lacp_interval(self.lacp_timeout.get(key, lag.timeout)))

    def lun(self, device: str) -> Lun | None:
        return next((u for u in self.host.luns if u.id == device), None)

    def set_round_robin(self, device: str, **changes: Any) -> None:
        with self.lock:
            self.round_robin[device] = replace(self.round_robin[device], **changes)


def _initial_rr(lun: Lun) -> RoundRobinConfig:
    kind = {"latency": "Latency", "iops": "Iops", "bytes": "Bytes"}.get(lun.rr_type, "Default")
    return RoundRobinConfig(limit_type=kind, iops=lun.iops_limit)
