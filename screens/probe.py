"""Connection test for one target: connect through the session manager and say what answered.

Uses only read-only calls; each kind is checked the way its panes will use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vconsole.config import TargetConfig
    from vconsole.sessions.protocols import Sessions

VERSION_COMMANDS = {
    "esxi": ("esxcli", "system", "version", "get"),
    "replay": ("esxcli", "system", "version", "get"),
    "bitfusion": ("bitfusion", "version"),
}


def _first_lines(text: str, count: int = 2) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "; ".join(lines[:count])


async def probe_target(manager: Sessions, name: str) -> str:
    """A one-line report of a successful connection; raises the manager's typed error otherwise."""
    from vconsole.errors import CommandNotCaptured
    from vconsole.tokens import Command

    target = manager.target(name)
    if target.kind == "vcenter":
        vim = await manager.vim(name)
        about = getattr(getattr(vim, "content", None), "about", None)
        product = getattr(about, "fullName", None) or "vCenter API"
        return f"connected to {product}"
    if target.kind == "vcd":
        client = await manager.vcd(name)
        version = getattr(client, "version", None) or getattr(client, "api_version", None)
        return f"logged in to Cloud Director (API {version})" if version else "logged in"
    if target.kind == "esxi" and getattr(target, "via", "ssh") == "api":
        return await _probe_through_vcenter(manager, target)
    words = VERSION_COMMANDS.get(target.kind)
    if words is None:
        return f"no test for kind {target.kind!r}"
    command = Command.of(*words)
    try:
        result = await manager.run(name, command)
    except CommandNotCaptured:
        return f"capture readable; it holds no output for {command.line!r}"
    answer = _first_lines(result.stdout) or _first_lines(result.stderr) or "no output"
    return f"{command.line} -> exit {result.exit}: {answer}"


async def _probe_through_vcenter(manager: Sessions, target: TargetConfig) -> str:
    """A host reached through vCenter: the executer answers one esxcli read the panes use."""
    from vconsole.esx.netinventory import INTERFACE_LIST

    result = await manager.run(target.name, INTERFACE_LIST)
    if result.exit != 0:
        return f"through vCenter {target.vcenter}: esxcli answered an error: {result.stderr[:120]}"
    count = len(getattr(result, "records", None) or ())
    return f"through vCenter {target.vcenter}: esxcli answered ({count} VMkernel interfaces)"
