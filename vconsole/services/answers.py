"""What a host answered to one command, as every SSH-backed pane keeps and words it.

One place so a timeout or a refused login reads the same in the LACP, multipathing and
Bitfusion panes, their transcripts and their `--json` output.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vconsole.errors import VconsoleError
from vconsole.models.common import RawOutput
from vconsole.sessions.results import CommandResult, TextOnFirstRead
from vconsole.tokens import Command

if TYPE_CHECKING:
    from vconsole.sessions.results import Answer


@dataclass(frozen=True)
class ApiOutput(TextOnFirstRead, RawOutput):
    """The raw output of an answer through vCenter: its text (the records as JSON) is read from
    the answer when first shown, as the answer makes it only then; most are never shown."""

    stdout: str = field(init=False)
    answer: CommandResult | None = field(default=None, repr=False, compare=False)

    def _first_text(self) -> str:
        return self.answer.stdout if self.answer is not None else ""


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
        return ApiOutput(line, stderr=answer.stderr, exit=answer.exit, answer=answer)
    return RawOutput(line, answer.stdout, answer.stderr, answer.exit)
