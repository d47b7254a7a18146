"""Several read-only commands of one ESXi host in one SSH exec, answered one by one.

A warm refresh asks each host a few short esxcli commands; as separate execs each costs a
channel open, exec request, exit status, EOF and close on both ends. `run_each` sends them as
one sequential ash script (`esx.shell_batch`) and hands every command its own section as a
`CommandResult` (stdout and stderr together, as `2>&1` merged them), audited line by line as
if run alone. A missing or malformed section is that command's error, never a pass.

The per-command way stays: for replay and esxcli-over-API targets (which answer single
commands), when asked, and when the batch fails as a whole (the exec was refused or printed no
section at all, as a restricted shell would); a host that refused once is asked per command for
the rest of the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from vconsole.errors import CommandTimeout, TargetUnreachable, VconsoleError
from vconsole.esx.shell_batch import MAX_COMMANDS, new_nonce, read_sequence, sequence_script
from vconsole.sessions.results import Answer, CommandResult
from vconsole.tokens import Command

if TYPE_CHECKING:
    from vconsole.audit import AuditLog
    from vconsole.config import TargetConfig


class SessionManager(Protocol):
    """What `run_each` needs of the session manager (which calls it)."""

    @property
    def audit(self) -> AuditLog: ...

    @property
    def batch_refused(self) -> set[str]: ...

    def target(self, name: str) -> TargetConfig: ...

    async def run(
        self, target: str, command: Command, *, timeout: float | None = None, audit: bool = True
    ) -> CommandResult: ...


class SectionMissing(VconsoleError):
    """The batch came back without this command's whole section."""

    title = "Unrecognised output"

    def __init__(self, target: str, line: str) -> None:
        super().__init__(
            f"{target}: the answer to {line!r} did not come back whole in the batched exec",
            target=target,
        )


async def run_each(
    manager: SessionManager,
    target: str,
    commands: Sequence[Command],
    timeout: float | None = None,
    batch: bool = True,
) -> list[Answer]:
    """Each command's result or error, in order; one exec where the host allows it."""
    t = manager.target(target)
    if (
        not batch
        or len(commands) < 2
        or len(commands) > MAX_COMMANDS
        or t.kind != "esxi"
        or t.via == "api"
        or any(c.mutating for c in commands)
        or target in manager.batch_refused
    ):
        return await _one_by_one(manager, target, commands, timeout)
    nonce = new_nonce()
    script = sequence_script(commands, nonce)
    try:
        result = await manager.run(target, script, timeout=timeout, audit=False)
    except CommandTimeout as exc:
        for c in commands:
            _audit(manager, target, c, "error: timeout", 0.0)
        return [CommandTimeout(target, c.line, exc.timeout_s) for c in commands]
    except TargetUnreachable as exc:
        return await _refused(manager, target, commands, timeout, f"error: {exc.title}")
    except VconsoleError as exc:
        for c in commands:
            _audit(manager, target, c, f"error: {exc.title}", 0.0)
        return [exc] * len(commands)
    sections = read_sequence(result.stdout, nonce, len(commands))
    if all(s is None for s in sections) and not result.truncated:
        return await _refused(manager, target, commands, timeout, f"exit {result.exit}")
    answers: list[Answer] = []
    for c, section in zip(commands, sections, strict=True):
        if section is None:
            _audit(manager, target, c, "error: unrecognised output", result.duration_s)
            answers.append(SectionMissing(target, c.line))
            continue
        outcome = "ok" if section.exit == 0 else f"exit {section.exit}"
        _audit(manager, target, c, outcome, result.duration_s)
        answers.append(CommandResult(section.text, "", section.exit, result.duration_s))
    return answers


async def _refused(
    manager: SessionManager,
    target: str,
    commands: Sequence[Command],
    timeout: float | None,
    outcome: str,
) -> list[Answer]:
    """The batch failed as a whole: say so once in the audit, then ask each command alone."""
    manager.batch_refused.add(target)
    lines = "; ".join(c.line for c in commands)
    manager.audit.record(
        target=target,
        user=manager.target(target).user,
        action="ssh",
        what=f"batch of {len(commands)} ({lines})",
        mutating=False,
        outcome=f"{outcome}; asking each command alone",
    )
    return await _one_by_one(manager, target, commands, timeout)


async def _one_by_one(
    manager: SessionManager, target: str, commands: Sequence[Command], timeout: float | None
) -> list[Answer]:
    return list(
        await asyncio.gather(
            *(manager.run(target, c, timeout=timeout) for c in commands), return_exceptions=True
        )
    )


def _audit(
    manager: SessionManager, target: str, command: Command, outcome: str, duration_s: float
) -> None:
    manager.audit.record(
        target=target,
        user=manager.target(target).user,
        action="ssh",
        what=command.line,
        mutating=False,
        outcome=outcome,
        duration_s=duration_s,
    )
