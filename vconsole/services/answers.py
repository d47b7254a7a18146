"""What a host answered to one command, as every SSH-backed pane keeps and words it.

One place so a timeout or a refused login reads the same in the LACP, multipathing and
Bitfusion panes, their transcripts and their `--json` output.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from vconsole.errors import VconsoleError
from vconsole.models.common import RawOutput
from vconsole.tokens import Command

if TYPE_CHECKING:
    from vconsole.sessions.results import Answer


def error_text(error: BaseException) -> str:
    """The admin's sentence for why a command gave no answer (never a secret, never a trace)."""
    if isinstance(error, VconsoleError):
        return error.message
    if isinstance(error, asyncio.TimeoutError):
        return "no answer in time"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def raw_output(command: Command, answer: Answer) -> RawOutput:
    """`answer` is a CommandResult or the exception the run raised instead."""
    if isinstance(answer, BaseException):
        return RawOutput(command.line, error=error_text(answer))
    line = command.line
    call_line = getattr(answer, "call_line", "")
    if call_line:  # through vCenter: what was called, and how
        line = f"{call_line}  # through vCenter: esxcli over the vSphere API, JSON records"
    return RawOutput(line, answer.stdout, answer.stderr, answer.exit)
