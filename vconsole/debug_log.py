"""The console's debug log: one rotating file in the state dir, secrets masked, never the terminal.

Every module logs through `logging.getLogger(__name__)`; the command line calls `configure` once
per run. Records go to `<state dir>/vconsole.log` (0600, three rotated copies of 1 MB). Until a
profile has chosen the state dir (a lab profile keeps everything in the lab) records wait in
memory; `settle` (at the end of every command) writes what is left where the state dir is then.
Nothing is written to stdout or stderr, so the TUI's screen stays intact, and a log that cannot
be written is dropped rather than reported on the terminal.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
from collections import deque
from collections.abc import Callable
from pathlib import Path

LOG_FILE = "vconsole.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
OWN_LOGGERS = ("vconsole", "screens", "widgets")
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
CONTINUATION = "\n    "
PENDING_MAX = 5000  # records kept while waiting for the state dir; older ones are dropped


def log_path() -> Path:
    """Where this run's log goes now (the state dir may change when a profile opens)."""
    from vconsole import paths

    return paths.state_dir() / LOG_FILE


class RedactingFormatter(logging.Formatter):
    """Formats a record, then masks every secret in the whole text (tracebacks included).

    Continuation lines are indented, so a server's text with a newline in it cannot pass for a
    record of its own.
    """

    def format(self, record: logging.LogRecord) -> str:
        from vconsole.redaction import redact
        from vconsole.secrets import known_secrets

        known = known_secrets()
        text = redact(super().format(record), known)
        return redact(text.replace("\n", CONTINUATION), known)


class StateDirLogHandler(logging.handlers.RotatingFileHandler):
    """A rotating file in the current state dir, created 0600 on the first record."""

    def __init__(self, where: Callable[[], Path] = log_path, settled: bool = False) -> None:
        self._where = where
        super().__init__(
            str(where()), maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
        )
        self.failures = 0
        self.settled = settled
        self._pending: deque[logging.LogRecord] = deque(maxlen=PENDING_MAX)

    def emit(self, record: logging.LogRecord) -> None:
        from vconsole import paths

        if not self.settled:
            if not paths.state_dir_chosen():
                self._pending.append(record)
                return
            self.settled = True
        while self._pending:
            self._write(self._pending.popleft())
        self._write(record)

    def settle(self) -> None:
        """Stop waiting for a profile: write what waited, and every later record, where it is now."""
        self.acquire()
        try:
            self.settled = True
            while self._pending:
                self._write(self._pending.popleft())
        finally:
            self.release()

    def _write(self, record: logging.LogRecord) -> None:
        try:
            target = os.path.abspath(self._where())
            if target != self.baseFilename:  # a profile's own state dir was opened
                if self.stream is not None:
                    self.stream.close()
                    self.stream = None  # type: ignore[assignment]
                self.baseFilename = target
        except Exception:  # a log call must never fail the code that made it
            self.handleError(record)
            return
        super().emit(record)

    def _open(self) -> io.TextIOWrapper:
        from vconsole.paths import ensure_dir

        ensure_dir(Path(self.baseFilename).parent)
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, "a", encoding="utf-8", errors="backslashreplace")

    def handleError(self, record: logging.LogRecord) -> None:
        # logging's default prints a traceback on stderr, which would tear the TUI's screen; the
        # count is the only trace a read-only or full state dir leaves.
        self.failures += 1


def configure(debug: bool = False, where: Callable[[], Path] | None = None) -> StateDirLogHandler:
    """Send this run's records to the debug log (`where`: the state dir's by default): INFO from
    the console's own modules (DEBUG with `debug`), WARNING from libraries. Calling it again
    replaces the earlier handler."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, StateDirLogHandler)]:
        root.removeHandler(old)
        old.close()
    handler = StateDirLogHandler(where or log_path, settled=where is not None)
    handler.setFormatter(RedactingFormatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.INFO)
    logging.captureWarnings(True)
    return handler


def settle() -> None:
    """Write the records still waiting for a profile to the state dir as it is now (end of run)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, StateDirLogHandler):
            handler.settle()
