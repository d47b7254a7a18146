"""Offline analysis of captures: every pane's parsing and verdicts, run on `replay` targets.

Each pane offers one entry, `async (manager, targets) -> JSON-able`, imported by name here, so
a pane whose module is gone is an import error rather than a shorter report. A pane runs only
on the captures
that hold at least one of its commands (`PANE_COMMANDS`), so a capture of one command pasted
into a ticket is analysed for the pane it covers, without errors for the others; which
captures each pane read is in `coverage`. A pane chosen with `--pane` reads every capture of
its kind and names what a capture lacks.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vconsole.esx import hostchecks, storage
from vconsole.esx import lacp as esx_lacp
from vconsole.services import checks, gpus, lacp, network_analyze, paths
from vconsole.tokens import Command, normalise_line

if TYPE_CHECKING:
    from vconsole.sessions.protocols import Sessions
    from vconsole.untyped import Json

Analyzer = Callable[["Sessions", list[str]], Awaitable["Json"]]

ANALYZERS: dict[str, Analyzer] = {
    "lacp": lacp.analyze_targets,
    "paths": paths.analyze_targets,
    "gpu": gpus.analyze_targets,
    "network": network_analyze.analyze_targets,
    "checks": checks.analyze_targets,
}
"""Pane alias -> its analyze entry. A new pane adds its line here."""

PANE_COMMANDS: dict[str, Sequence[Command]] = {
    "lacp": esx_lacp.READ_COMMANDS,
    "paths": storage.READ_COMMANDS,
    "network": network_analyze.READ_COMMANDS,
    "checks": hostchecks.READ_COMMANDS,
}
"""Pane alias -> the commands it reads; a pane not listed reads every capture of its kind."""

CAPTURE_KINDS: dict[str, str] = {"gpu": "bitfusion"}
"""Pane alias -> the kind of capture it reads; panes not listed read ESXi host captures."""


class CaptureError(ValueError):
    """A capture file that cannot be analysed; the message names the file and the field."""


@dataclass(frozen=True)
class CaptureInfo:
    target: str
    host: str
    captured_at: str
    path: Path
    kind: str = "esxi"  # "bitfusion" for a Bitfusion client VM's capture
    lines: frozenset[str] = frozenset()  # the captured command lines, normalised


def load_analyzer(pane: str) -> Analyzer:
    entry = ANALYZERS.get(pane)
    if entry is None:
        raise CaptureError(
            f"--pane: no analyzer for {pane!r}; known: {', '.join(sorted(ANALYZERS))}"
        )
    return entry


def read_capture_info(path: Path, taken: set[str] | None = None) -> CaptureInfo:
    """Check a capture's shape (`host`, `captured_at`, `commands`) and pick a target name."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CaptureError(f"{path}: not a capture (JSON expected): {exc}") from None
    except RecursionError:
        raise CaptureError(f"{path}: not a capture (JSON nested too deeply)") from None
    if not isinstance(data, dict):
        raise CaptureError(f"{path}: a capture is a JSON object with host, captured_at, commands")
    if not isinstance(data.get("commands"), dict):
        raise CaptureError(
            f"{path}: 'commands' must be an object of command line -> {{stdout, stderr, exit}}"
        )
    host = data.get("host")
    if host is not None and not isinstance(host, str):
        raise CaptureError(f"{path}: 'host' must be a string (the captured host's name)")
    name = host or path.stem
    taken = taken if taken is not None else set()
    target, n = name, 2
    while target in taken:
        target, n = f"{name}#{n}", n + 1
    taken.add(target)
    lines = [str(line) for line in data["commands"]]
    kind = "bitfusion" if lines and all(line.startswith("bitfusion ") for line in lines) else "esxi"
    normalised = frozenset(normalise_line(line) for line in lines)
    return CaptureInfo(target, host or "", str(data.get("captured_at", "")), path, kind, normalised)


def covers(info: CaptureInfo, pane: str) -> bool:
    """Whether the capture holds at least one command the pane reads."""
    commands = PANE_COMMANDS.get(pane)
    if commands is None:
        return True
    return any(normalise_line(c.line) in info.lines for c in commands)


async def analyze_captures(
    paths: Sequence[Path | str], panes: Sequence[str] | None = None
) -> dict[str, Json]:
    """Run the chosen panes (default: all registered) over replay targets of the captures."""
    from vconsole.config import Profile, TargetConfig
    from vconsole.sessions import SessionManager

    taken: set[str] = set()
    infos = [read_capture_info(Path(p), taken) for p in paths]
    chosen = list(panes) if panes else sorted(ANALYZERS)
    for pane in chosen:
        if pane not in ANALYZERS:
            raise CaptureError(
                f"--pane: no analyzer for {pane!r}; known: {', '.join(sorted(ANALYZERS))}"
            )
    profile = Profile(
        "analyze",
        tuple(TargetConfig(name=i.target, kind="replay", file=str(i.path)) for i in infos),
        read_only=True,
    )
    out: dict[str, Json] = {
        "captures": [
            {"target": i.target, "host": i.host, "captured_at": i.captured_at, "file": str(i.path)}
            for i in infos
        ],
    }
    manager = SessionManager(profile, read_only=True)
    coverage: dict[str, list[str]] = {}
    out["coverage"] = coverage
    try:
        for pane in chosen:
            kind = CAPTURE_KINDS.get(pane, "esxi")
            # a pane asked for by name reads every capture, and says what each one lacks
            targets = [i.target for i in infos if i.kind == kind and (panes or covers(i, pane))]
            coverage[pane] = targets
            try:
                out[pane] = await load_analyzer(pane)(manager, targets)
            except Exception as exc:  # one pane's failure must not hide the others' findings
                out[pane] = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        await manager.close()
    return out
