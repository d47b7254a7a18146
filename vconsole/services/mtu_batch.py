"""Probes of every pair on one SSH host gathered into a few execs (see `esx.vmkping_batch`).

Each pair's search still asks `probe(size)` one size at a time; the batcher waits a moment for
the rest of the round (its own and other pairs'), then sends what it holds as one exec of up to
`per_exec` probes, and another while probes wait and the host has a free channel. The session
manager's per-host bound (8) still caps the execs in flight, so the host never sees more
sessions than before while every probe of a round runs at once. A probe whose caller gave up
(the search no longer needs it) still runs on the host but its answer is dropped.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from vconsole.esx.vmkping import parse_vmkping, probe_outcome
from vconsole.esx.vmkping_batch import MAX_PROBES, batch_script, new_nonce, read_batch
from vconsole.models.mtu import ProbeKind, ProbeOutcome
from vconsole.tokens import Command

if TYPE_CHECKING:
    from vconsole.sessions.protocols import Sessions

GATHER_S = 0.01  # how long the first probe of a round waits for the others to join it
UNRECOGNISED = "vmkping's output for this probe did not come back whole in the batch"


@dataclass
class _Waiting:
    command: Command
    payload: int
    limit_s: float
    future: asyncio.Future[ProbeOutcome]


class HostBatcher:
    """One host's queue of probes; `probe` is awaited by the searches of every pair on it."""

    def __init__(
        self, manager: Sessions, host: str, *, channels: int = 8, per_exec: int = 16
    ) -> None:
        self.manager = manager
        self.host = host
        self.channels = max(1, channels)
        self.per_exec = max(1, min(per_exec, MAX_PROBES))
        self.execs = 0  # execs sent (the benchmark prints it)
        self.peak_in_flight = 0
        self._queue: list[_Waiting] = []
        self._in_flight = 0
        self._flush: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def probe(self, command: Command, payload: int, limit_s: float) -> ProbeOutcome:
        loop = asyncio.get_running_loop()
        waiting = _Waiting(command, payload, limit_s, loop.create_future())
        self._queue.append(waiting)
        if self._flush is None:
            self._flush = loop.call_later(GATHER_S, self._send)
        return await waiting.future

    def _send(self) -> None:
        self._flush = None
        self._queue = [w for w in self._queue if not w.future.done()]
        while self._queue and self._in_flight < self.channels:
            batch, self._queue = self._queue[: self.per_exec], self._queue[self.per_exec :]
            self._in_flight += 1
            self.execs += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            task = asyncio.get_running_loop().create_task(self._run(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, batch: list[_Waiting]) -> None:
        try:
            outcomes = await self._exec(batch)
        except asyncio.CancelledError:
            for w in batch:
                w.future.cancel()
            raise
        except Exception as exc:  # the exec itself failed: every probe in it says so
            for w in batch:
                if not w.future.done():
                    w.future.set_exception(exc)
        else:
            for w, out in zip(batch, outcomes, strict=True):
                if not w.future.done():
                    w.future.set_result(out)
        finally:
            self._in_flight -= 1
            if self._queue and self._flush is None:
                self._send()

    async def _exec(self, batch: list[_Waiting]) -> list[ProbeOutcome]:
        nonce = new_nonce()
        script = batch_script([w.command for w in batch], nonce)
        limit = max(w.limit_s for w in batch)
        result = await self.manager.run(self.host, script, timeout=limit)
        sections = read_batch(result.stdout, nonce, len(batch))
        outcomes = []
        for w, section in zip(batch, sections, strict=True):
            if section is None:
                out = ProbeOutcome(w.payload, ProbeKind.ERROR, 0, 0, UNRECOGNISED)
            else:
                out = probe_outcome(parse_vmkping(section.text), w.payload, section.exit)
            outcomes.append(replace(out, duration_s=result.duration_s))
        return outcomes

    async def aclose(self, cancel: bool = False) -> None:
        """Wait for execs still running, whose answers nobody awaits any more: a closed channel
        does not stop its processes (OpenSSH counts the session until they exit), so the next
        run would otherwise find the host's sessions still taken. `cancel` stops waiting."""
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        for task in self._tasks if cancel else ():
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
