"""The lab's Bitfusion GPU pool: servers, their GPUs, and clients that come and go.

Time runs in epochs of `churn_s` seconds. At each epoch boundary every scenario client is
drawn (seeded, so a run repeats) to stay, leave or arrive; an arriving client takes `gpus`
GPUs with `floor(fraction x physical MiB)` each (the reference's 8080 = 0.5 x 16160), on the
first up servers with room; a client that finds no room waits. Leaving frees the memory. A
server going down drops what its GPUs held. Faults an admin would meet are knobs here:
server down, leaked memory nobody holds.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from vconsole.lab.scenario import BitfusionServer, Scenario

SERVER_VERSION = "4.5.0-fd3e4839"
"""The version lab servers report (the reference's `2.5.0-fd3e4839` style)."""


@dataclass(frozen=True)
class Holding:
    """Memory one client holds on one GPU since `since` (wall-clock seconds)."""

    client: str
    server: str
    gpu: int
    memory_mb: int
    since: float


@dataclass(frozen=True)
class GpuView:
    index: int
    model: str
    total_mb: int
    holdings: tuple[Holding, ...]
    leaked_mb: int

    @property
    def used_mb(self) -> int:
        return min(self.total_mb, sum(h.memory_mb for h in self.holdings) + self.leaked_mb)

    @property
    def free_mb(self) -> int:
        return self.total_mb - self.used_mb


@dataclass(frozen=True)
class ServerView:
    index: int
    server: BitfusionServer
    down: bool
    gpus: tuple[GpuView, ...]

    @property
    def tasks(self) -> int:
        return len({h.client for g in self.gpus for h in g.holdings})


class GpuPool:
    """Thread-safe pool state; `snapshot()` advances churn to the clock's current epoch."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        seed: int | None = None,
    ) -> None:
        bf = scenario.bitfusion
        self.servers = bf.servers
        self.clients = bf.clients
        self.churn_s = bf.churn_s
        self._clock = clock
        self._wall = wall
        self._start = clock()
        self._epoch = -1
        self._rng = random.Random(scenario.name if seed is None else seed)
        self._lock = threading.Lock()
        self._down = {s.name for s in bf.servers if s.down}
        self._holdings: list[Holding] = []
        self._leaks: dict[tuple[str, int], int] = {}
        self._present: set[str] = set()

    # -- knobs ------------------------------------------------------------------------------
    def set_down(self, server: str, down: bool) -> None:
        self.known(server)
        with self._lock:
            if down:
                self._down.add(server)
                lost = {h.client for h in self._holdings if h.server == server}
                self._holdings = [h for h in self._holdings if h.client not in lost]
                self._present -= lost
            else:
                self._down.discard(server)

    def leak(self, server: str, gpu: int, memory_mb: int) -> None:
        """Memory allocated on a GPU that no client holds (a crashed client, a stuck session)."""
        spec = self.known(server)
        if not 0 <= gpu < spec.gpus:
            raise ValueError(f"{server} has GPUs 0..{spec.gpus - 1}, not {gpu}")
        with self._lock:
            self._leaks[(server, gpu)] = max(0, memory_mb)

    def is_down(self, server: str) -> bool:
        return server in self._down

    def known(self, server: str) -> BitfusionServer:
        """The scenario server called `server`; KeyError naming the known ones otherwise."""
        for s in self.servers:
            if s.name == server:
                return s
        names = ", ".join(s.name for s in self.servers)
        raise KeyError(f"unknown Bitfusion server {server!r}; servers: {names}")

    # -- churn ------------------------------------------------------------------------------
    def _advance(self) -> None:
        epoch = int((self._clock() - self._start) // self.churn_s) if self.churn_s > 0 else 0
        while self._epoch < epoch:
            self._epoch += 1
            self._step(first=self._epoch == 0)

    def _step(self, first: bool) -> None:
        now = self._wall()
        for client in self.clients:
            roll = self._rng.random()
            if client.name in self._present:
                if roll < 0.3:  # leaves, giving its GPUs back
                    self._present.discard(client.name)
                    self._holdings = [h for h in self._holdings if h.client != client.name]
                continue
            if first or roll < 0.6:
                placed = self._place(client.name, client.gpus, client.fraction, now)
                if placed:
                    self._present.add(client.name)
                    self._holdings.extend(placed)

    def _place(self, client: str, count: int, fraction: float, now: float) -> list[Holding]:
        used: dict[tuple[str, int], int] = dict(self._leaks)
        for h in self._holdings:
            used[(h.server, h.gpu)] = used.get((h.server, h.gpu), 0) + h.memory_mb
        for server in self.servers:  # a request is served from one server, as `run -n N` is
            if server.name in self._down:
                continue
            want = int(fraction * server.gpu_memory_mb)
            free = [
                g
                for g in range(server.gpus)
                if server.gpu_memory_mb - used.get((server.name, g), 0) >= want
            ]
            if len(free) >= count and want > 0:
                return [Holding(client, server.name, g, want, now) for g in free[:count]]
        return []

    # -- views ------------------------------------------------------------------------------
    def snapshot(self) -> tuple[ServerView, ...]:
        with self._lock:
            self._advance()
            out = []
            for i, server in enumerate(self.servers):
                gpus = tuple(
                    GpuView(
                        g,
                        server.gpu_model,
                        server.gpu_memory_mb,
                        tuple(h for h in self._holdings if h.server == server.name and h.gpu == g),
                        self._leaks.get((server.name, g), 0),
                    )
                    for g in range(server.gpus)
                )
                out.append(ServerView(i, server, server.name in self._down, gpus))
            return tuple(out)
