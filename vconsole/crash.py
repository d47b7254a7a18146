"""The one place an unexpected exception ends up: a line for the admin, the traceback in a file.

A traceback on the terminal tells the admin nothing and may carry server text; instead the
command prints what failed and where the details are, and the traceback goes to a private
(0600) debug log in the state directory for a bug report. Output cut short by the reader
(`| head`) is not an error at all.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import tempfile
import traceback
from pathlib import Path

from vconsole.textsafe import visible


def debug_dir() -> Path:
    from vconsole import paths

    return paths.state_dir() / "debug"


def write_debug_log(command: str, exc: BaseException) -> Path | None:
    """The traceback in a new 0600 file (state dir, else the temp dir); None if neither works."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    text = f"vconsole {command}: {type(exc).__name__}\n" + "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__)
    )
    for folder in (debug_dir, lambda: Path(tempfile.gettempdir())):
        try:
            directory = folder()
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = directory / f"vconsole-{stamp}-{os.getpid()}.log"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as out:
                out.write(text)
            return path
        except (OSError, RuntimeError):
            continue
    return None


def report_unexpected(command: str, exc: BaseException) -> int:
    """One line on stderr naming the failure and the debug log; exit code 1."""
    summary = visible(str(exc))
    if len(summary) > 200:
        summary = summary[:197] + "..."
    logging.getLogger(__name__).error("vconsole %s: unexpected error", command, exc_info=exc)
    written = write_debug_log(command, exc)
    where = f"the traceback is in {written}" if written else "no debug log could be written"
    detail = f"{type(exc).__name__}: {summary}" if summary else type(exc).__name__
    print(f"vconsole {command}: unexpected error ({detail}); {where}", file=sys.stderr)
    return 1


def reader_went_away() -> int:
    """stdout's reader closed the pipe (`vconsole inventory | head`): stop quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError) as exc:  # stdout is gone either way: just stop
        logging.getLogger(__name__).debug("could not point stdout at %s: %s", os.devnull, exc)
    return 0
