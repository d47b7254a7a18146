"""Replay targets: answer commands from a capture file instead of a live host.

Capture format: `{"host", "captured_at", "commands": {"<line>": {"stdout", "stderr", "exit"}}}`.
Lines are matched after whitespace/quoting normalisation, so a capture whose keys were typed
by hand (`esxcli  network nic list`) still matches the console's `Command.line`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from vconsole.errors import CommandNotCaptured, TargetUnreachable
from vconsole.sessions.capture_api import api_result
from vconsole.sessions.results import CommandResult
from vconsole.tokens import normalise_line


@dataclass(frozen=True)
class Capture:
    host: str
    captured_at: str
    commands: dict[str, CommandResult]
    source: Path | None = None

    def lookup(self, line: str) -> CommandResult | None:
        return self.commands.get(normalise_line(line))


def load_capture(path: Path | str, target: str | None = None) -> Capture:
    """Read and check a capture file; problems name the file and the offending key."""
    file = Path(path)
    name = target or file.name
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TargetUnreachable(name, f"cannot read capture {file}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise TargetUnreachable(
            name, f"capture {file} is not JSON (line {exc.lineno}): {exc.msg}"
        ) from None
    except (UnicodeDecodeError, RecursionError) as exc:
        why = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "nested too deeply"
        raise TargetUnreachable(name, f"capture {file} is not a capture: {why}") from None
    if not isinstance(data, dict) or not isinstance(data.get("commands"), dict):
        raise TargetUnreachable(name, f"capture {file} has no 'commands' object")
    commands: dict[str, CommandResult] = {}
    for line, entry in data["commands"].items():
        if isinstance(entry, str):  # a bare pasted output is accepted as stdout with exit 0
            entry = {"stdout": entry}
        if not isinstance(entry, dict):
            raise TargetUnreachable(
                name, f"capture {file}: entry {line!r} must be an object with stdout/stderr/exit"
            )
        exit_code = entry.get("exit", 0)
        code = int(exit_code) if isinstance(exit_code, int) else 1
        commands[normalise_line(line)] = api_result(entry, code) or CommandResult(
            str(entry.get("stdout", "")), str(entry.get("stderr", "")), code, 0.0
        )
    return Capture(str(data.get("host", "")), str(data.get("captured_at", "")), commands, file)


class ReplayHost:
    """A target that answers from a capture; loaded once, on first use."""

    def __init__(self, name: str, file: Path | str) -> None:
        self.name = name
        self.file = Path(file)
        self._capture: Capture | None = None

    @property
    def capture(self) -> Capture:
        if self._capture is None:
            self._capture = load_capture(self.file, self.name)
        return self._capture

    def run(self, line: str) -> CommandResult:
        found = self.capture.lookup(line)
        if found is None:
            raise CommandNotCaptured(self.name, line, str(self.file))
        return found
