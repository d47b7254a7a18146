"""Append-only JSONL audit log: every SSH command line and every mutating call.

One JSON object per line with time, target, user, action, what was run, whether it mutates and
the outcome. Records are passed through a redactor (the run's known passwords become `***`)
before they are written, so a secret cannot reach the file even by accident.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vconsole import paths


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
        self, path: Path | None = None, redact: Callable[[str], str] | None = None
    ) -> None:
        self.path = path or paths.audit_log_path()
        self._redact = redact or (lambda text: text)
        self._lock = threading.Lock()
        self._fd: int | None = None  # kept open: one write per record on a busy refresh

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
        line = json.dumps(entry.__dict__, ensure_ascii=False) + "\n"  # flat: asdict copies deeply
        with self._lock:
            if self._fd is None:
                paths.ensure_dir(self.path.parent)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(self._fd, line.encode("utf-8"))
        return entry

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)  # type: ignore[arg-type]

    def read(self) -> list[AuditRecord]:
        """All records, oldest first (for the audit view and tests)."""
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(AuditRecord(**json.loads(line)))
        return out
