"""What every pane's model shares: one verdict scale and a command's raw answer.

One scale means a `critical` is ranked, counted and coloured the same in every pane and in
every `--json` output; a pane that never finds an `info` simply never uses it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


class Verdict(str, enum.Enum):
    """How bad a row or finding is; `error` means the console could not tell (host or output failed)."""

    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """Position on the scale, so `max(..., key=rank)` picks the worst."""
        return _RANK[self]


_RANK = {v: i for i, v in enumerate(Verdict)}


def worst(verdicts: Sequence[Verdict]) -> Verdict:
    return max(verdicts, key=lambda v: v.rank, default=Verdict.OK)


def named_json(obj: object, names: str) -> dict[str, Any]:
    """`{name: obj.name}` for the space-separated attribute names, in their order, so a model's
    `--json` keys are its own attribute names; an enum gives its value and a tuple a list."""
    out: dict[str, Any] = {}
    for name in names.split():
        value = getattr(obj, name)
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    return out


@dataclass(frozen=True)
class RawOutput:
    """A command as the host answered it, kept for the detail view and support cases."""

    line: str
    stdout: str = ""
    stderr: str = ""
    exit: int | None = None
    error: str = ""
    earlier: bool = False
    """Kept from an earlier refresh (a pane may re-read a command only when something changed)."""


def last_transcript(report: Any, host: str, missing: str = "not refreshed yet") -> str:
    """One host's raw output from a pane's last report (`report.host(name).transcript()`),
    or a comment saying there is none yet."""
    outcome = report.host(host) if report else None
    if outcome is None:
        return f"# {host}: {missing}\n"
    text: str = outcome.transcript()
    return text


def host_transcript(
    host: str, notes: Iterable[str], outputs: Iterable[RawOutput], earlier_note: str = ""
) -> str:
    """A host's raw outputs as a pasteable ESXi shell transcript, `notes` as comments on top."""
    parts = [f"# {host}"]
    parts += [f"# {note}" for note in notes]
    for out in outputs:
        parts.append(f"[root@{host}:~] {out.line}")
        if out.earlier and earlier_note:
            parts.append(f"# ({earlier_note})")
        if out.error:
            parts.append(f"# not run: {out.error}")
            continue
        if out.stdout:
            parts.append(out.stdout.rstrip("\n"))
        if out.stderr:
            parts.append(out.stderr.rstrip("\n"))
        if out.exit:
            parts.append(f"# exit status {out.exit}")
    return "\n".join(parts) + "\n"
