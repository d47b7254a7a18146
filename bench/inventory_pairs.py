"""Measuring the merged VM table against the raw wire: the simulators' CPU per window, and
what the console's reads find waiting in their sockets.

On two shared cores, wall time moves with everyone else's load; the simulators' CPU seconds
and the console's own do not, so they are printed beside every wall figure.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import http.client
import statistics
import struct
import termios
import threading
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from bench_mtu import _cpu_s

_T = TypeVar("_T")
FULL_READ = 256 * 1024
"""What the console's transport asks of a socket at once (`transport.READ_SIZE`)."""
BIG_READ = 16 * 1024


@dataclasses.dataclass
class Pair:
    """One raw-then-console round on the same machine state; wall and simulator CPU seconds."""

    one: float
    one_cpu: float
    per_dc: float
    per_dc_cpu: float
    console: float
    console_cpu: float
    console_own_cpu: float
    load: str

    @property
    def raw(self) -> float:
        """The fastest raw way to the same answer this round."""
        return min(self.one, self.per_dc)

    @property
    def raw_cpu(self) -> float:
        return self.one_cpu if self.one <= self.per_dc else self.per_dc_cpu

    @property
    def ratio(self) -> float:
        return self.console / self.raw

    @property
    def floor(self) -> float:
        """The ratio the CPU work alone allows: console and simulators' CPU seconds over the
        simulators' alone (the raw read needs next to none of its own)."""
        return (self.console_cpu + self.console_own_cpu) / max(self.raw_cpu, 1e-9)


class SimulatorCpu:
    """CPU seconds of the lab simulators over a window, each window started and ended by a
    garbage collection in every simulator (through Go's profiler on loopback): a window pays
    for its own garbage, not for the collection the one before left due. A 20,000-VM
    simulator's collection costs some 0.3 CPU-s, as much as the differences looked for; the
    cost of one with nothing new to free is measured once and taken off every window."""

    def __init__(self, labs: dict[str, Any]) -> None:
        self.labs = labs
        first = self._collected()
        self.collection_s = self._collected() - first

    def _collected(self) -> float:
        for lab in self.labs.values():
            url = f"http://{lab.pprof}/debug/pprof/heap?gc=1"
            with urllib.request.urlopen(url, timeout=60) as answer:
                answer.read()
        return sum(_cpu_s(lab.pid) for lab in self.labs.values())

    def mark(self) -> Callable[[], float]:
        """Starts a window; the returned call ends it and gives its CPU seconds."""
        start = self._collected()
        return lambda: max(0.0, self._collected() - start - self.collection_s)

    def window(self, run: Callable[[], _T]) -> tuple[_T, float]:
        """`run()`'s result and the simulators' CPU seconds meanwhile."""
        end = self.mark()
        result = run()
        return result, end()


@dataclasses.dataclass
class Backlog:
    """Bytes already waiting in the socket each time the console's reader came back for
    more: mostly a full read waiting means the answer waits for the console (its parse, or
    the interpreter lock), not the other way round."""

    queued: list[int] = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        if not self.queued:
            return "no reads seen"
        full = sum(1 for q in self.queued if q >= FULL_READ)
        empty = sum(1 for q in self.queued if q == 0)
        return (
            f"{len(self.queued)} reads: {full * 100 // len(self.queued)}% found >= 256 KB "
            f"waiting, {empty * 100 // len(self.queued)}% found none; median "
            f"{statistics.median(self.queued) / 1024:.0f} KB waiting"
        )


@contextlib.contextmanager
def socket_backlog() -> Iterator[Backlog]:
    """Notes, before every HTTP body read in this process, the bytes queued in its socket."""
    seen = Backlog()
    lock = threading.Lock()
    original = http.client.HTTPResponse.read1

    def read1(self: http.client.HTTPResponse, n: int = -1) -> bytes:
        queued = -1
        sock = getattr(getattr(self.fp, "raw", None), "_sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                raw = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
                queued = struct.unpack("i", raw)[0]
        data = original(self, n)
        if queued >= 0 and len(data) >= BIG_READ:  # the answers' bodies, not the small calls
            with lock:
                seen.queued.append(queued)
        return data

    http.client.HTTPResponse.read1 = read1  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        http.client.HTTPResponse.read1 = original  # type: ignore[method-assign]
