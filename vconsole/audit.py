"""Append-only JSONL audit log: every SSH command line and every mutating call.

One JSON object per line with time, target, user, action, what was run, whether it mutates and
the outcome. Records are passed through a redactor (the run's known passwords become `***`)
before they are written, so a secret cannot reach the file even by accident.

Read-only records made on a running event loop are held for `HOLD_S` and written together, in
the order they were made, with one O_APPEND write. A refresh of 1,000 hosts makes thousands of
records, mostly one per loop tick as answers arrive; every write lets the GIL go, and winning it
back from busy I/O threads stalled the loop for about half a millisecond a record. A mutating
call's record, and any record made off the loop, is written at once with those held before it;
the end of a fan-out (`SessionManager.fan_out`), `read`, `flush`, `close` and interpreter exit
write what is held. A crash that kills the process
outright can lose the read-only records of its last `HOLD_S`, never a change's record, never a
part of a line.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vconsole import paths

HOLD_S = 0.1  # how long read-only records made on the event loop wait to be written together
HELD_MAX = 512  # records held before they are written anyway (bounded memory)


@dataclass(frozen=True)
class AuditRecord:
    time: str  # ISO-8601 UTC
    target: str
    user: str
    action: str  # "ssh" | "vcd" | "vim" | "replay"
    what: str  # the command line or "METHOD /path" or the API method
    mutating: bool
    outcome: str  # "ok" | "exit N" | "refused: ..." | "error: ..."
    duration_s: float = 0.0


class AuditLog:
    """Writes records with O_APPEND so concurrent writers never interleave within a line."""

    def __init__(
        self,
        path: Path | None = None,
        redact: Callable[[str], str] | None = None,
        hold_s: float = HOLD_S,
    ) -> None:
        self.path = path or paths.audit_log_path()
        self.hold_s = hold_s
        self._redact = redact or (lambda text: text)
        self._lock = threading.Lock()
        self._fd: int | None = None  # kept open while records come
        self._held: list[str] = []  # lines not written yet, oldest first
        self._flush_on: asyncio.AbstractEventLoop | None = None  # loop with a flush scheduled
        _OPEN_LOGS.add(self)

    def record(
        self,
        *,
        target: str,
        user: str | None,
        action: str,
        what: str,
        mutating: bool,
        outcome: str,
        duration_s: float = 0.0,
    ) -> AuditRecord:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        entry = AuditRecord(
            stamp,
            target,
            user or "",
            action,
            self._redact(what),
            mutating,
            self._redact(outcome),
            round(duration_s, 4),
        )
        line = json.dumps(vars(entry), ensure_ascii=False) + "\n"  # flat: asdict's copies cost
        loop = _loop_here()
        with self._lock:
            self._held.append(line)
            if loop is None or mutating or len(self._held) >= HELD_MAX:
                self._write_held()
            elif self._flush_on is not loop:
                if self._flush_on is not None:
                    self._write_held()  # held on a loop that stopped before writing them
                # by a weak reference: a closed session's log (and the secrets it redacts
                # with) is freed at once, not kept by the loop until the flush is due
                loop.call_later(self.hold_s, _flush_if_alive, weakref.ref(self))
                self._flush_on = loop
        return entry

    def flush(self) -> None:
        """Write the records held so far (their time is up, a read, a close, exit)."""
        with self._lock:
            self._write_held()

    def _write_held(self) -> None:
        """Under the lock: every held line in one write, so their order and lines stay whole."""
        self._flush_on = None
        if not self._held:
            return
        data = "".join(self._held).encode("utf-8")
        self._held.clear()
        if self._fd is None:
            paths.ensure_dir(self.path.parent)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        view = memoryview(data)
        while view:  # a regular file takes it whole; a short write (disk full) goes on
            view = view[os.write(self._fd, view) :]

    def close(self) -> None:
        with self._lock:
            try:
                self._write_held()
            finally:
                if self._fd is not None:
                    os.close(self._fd)
                    self._fd = None

    def __del__(self) -> None:
        if getattr(self, "_held", None):
            self.flush()
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)  # type: ignore[arg-type]

    def read(self) -> list[AuditRecord]:
        """All records, oldest first (for the audit view and tests)."""
        self.flush()
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(AuditRecord(**json.loads(line)))
        return out


def _flush_if_alive(log: weakref.ref[AuditLog]) -> None:
    """A held flush come due; a log freed meanwhile wrote what it held as it went."""
    alive = log()
    if alive is not None:
        alive.flush()


def _loop_here() -> asyncio.AbstractEventLoop | None:
    """The event loop running in this thread, if any (it writes what it held when due)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_OPEN_LOGS: weakref.WeakSet[AuditLog] = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    """At exit, records held by a loop that stopped before writing them still reach their files."""
    for log in list(_OPEN_LOGS):
        log.flush()
