"""Capture a host: run the console's read-only commands and keep their output in one JSON file.

`CAPTURE_COMMANDS` is a registry: a pane module that starts using a new read-only command adds
it with `register_capture_command`, so captures taken later can feed that pane offline.
The file format is the replay format (see `vconsole.sessions.replay`).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from vconsole.errors import InvalidToken, VconsoleError
from vconsole.sessions.capture_api import api_entry
from vconsole.tokens import Command

if TYPE_CHECKING:
    from vconsole.sessions.protocols import Sessions
    from vconsole.untyped import Json

_LACP = ("esxcli", "network", "vswitch", "dvs", "vmware", "lacp")

CAPTURE_COMMANDS: list[Command] = [
    Command.of("esxcli", "network", "ip", "interface", "list"),
    Command.of("esxcli", "network", "ip", "interface", "ipv4", "get"),
    Command.of("esxcli", "network", "nic", "list"),
    Command.of("esxcli", "network", "vswitch", "dvs", "vmware", "list"),
    Command.of("esxcli", "network", "ip", "netstack", "list"),
    Command.of(*_LACP, "config", "get"),
    Command.of(*_LACP, "status", "get"),
    Command.of(*_LACP, "stats", "get"),
    Command.of("esxcli", "storage", "nmp", "device", "list"),
    Command.of("esxcli", "storage", "core", "path", "list"),
    Command.of("esxcli", "storage", "nmp", "path", "list"),
    Command.of(
        "esxcli", "system", "settings", "advanced", "list", "-o", "/Misc/EnablePSPLatencyPolicy"
    ),
    # the design checks (vconsole.services.checks_host)
    Command.of("esxcli", "system", "settings", "advanced", "list", "-o", "/Net/TeamPolicyUpDelay"),
    Command.of("esxcli", "storage", "core", "device", "list"),
    Command.of("esxcli", "storage", "vmfs", "extent", "list"),
    Command.of("esxcli", "system", "module", "parameters", "list", "-m", "i40en"),
]


def register_capture_command(command: Command) -> Command:
    """Add a read-only command to every future capture (idempotent)."""
    if command.mutating:
        raise InvalidToken("capture command", command.line, "a read-only command")
    if all(existing.line != command.line for existing in CAPTURE_COMMANDS):
        CAPTURE_COMMANDS.append(command)
    return command


async def capture_host(
    manager: Sessions,
    target: str,
    commands: list[Command] | None = None,
    *,
    timeout: float | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, Json]:
    """Run each command (the host's own concurrency limit applies) and build the capture.

    A command that fails is kept with exit -1 and the error title in stderr, so the capture
    still shows what could not be read; a host that cannot be reached at all raises.
    """
    wanted = list(commands if commands is not None else CAPTURE_COMMANDS)
    entries: dict[str, dict[str, Json]] = {}
    done = 0
    first_error: VconsoleError | None = None

    async def one(command: Command) -> None:
        nonlocal done, first_error
        try:
            result = await manager.run(target, command, timeout=timeout)
            entries[command.line] = {
                "stdout": result.stdout,
                "stderr": result.stderr,
                "exit": result.exit,
                **api_entry(result),
            }
        except VconsoleError as exc:
            first_error = first_error or exc
            entries[command.line] = {
                "stdout": "",
                "stderr": f"{exc.title}: {exc.message}",
                "exit": -1,
            }
        done += 1
        if on_progress is not None:
            on_progress(done, len(wanted), command.line)

    await asyncio.gather(*(one(c) for c in wanted))
    if first_error is not None and all(e["exit"] == -1 for e in entries.values()):
        raise first_error
    return {
        "host": target,
        "captured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commands": {c.line: entries[c.line] for c in wanted},
    }


def write_capture(path: Path | str, capture: dict[str, Json]) -> Path:
    """Write atomically, so an interrupted capture never leaves half a file."""
    file = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(capture, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, file)
    except BaseException:  # nothing with host output stays behind under a temporary name
        Path(tmp).unlink(missing_ok=True)
        raise
    return file
