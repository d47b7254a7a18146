"""Shared set-up for the shell's Pilot and snapshot tests: a real manager on replay targets.

The profile points at capture files written into tmp, the console's state and config dirs are
tmp as well, and the keyring is off, so no test touches the user's files or keyring.
"""

from __future__ import annotations

import json
from pathlib import Path

from vconsole.config import Profile, TargetConfig

VERSION_OUTPUT = "   Product: VMware ESXi\n   Version: 8.0.2\n   Build: Releasebuild-22380479\n"


def write_capture(path: Path, host: str) -> Path:
    """A capture file in the documented format with one read-only command in it."""
    capture = {
        "host": host,
        "captured_at": "2026-11-01T10:00:00Z",
        "commands": {
            "esxcli system version get": {"stdout": VERSION_OUTPUT, "stderr": "", "exit": 0}
        },
    }
    path.write_text(json.dumps(capture), encoding="utf-8")
    return path


def replay_profile(tmp: Path, *, with_missing: bool = False) -> Profile:
    """Profile `lab` with replay target esx01 (and `ghost`, whose capture file does not exist)."""
    targets = [
        TargetConfig("esx01", "replay", file=str(write_capture(tmp / "esx01.json", "esx01")))
    ]
    if with_missing:
        targets.append(TargetConfig("ghost", "replay", file=str(tmp / "missing.json")))
    return Profile("lab", tuple(targets), source=tmp / "config.toml")


def isolate_dirs(monkeypatch, tmp: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VCONSOLE_CONFIG_DIR", str(tmp / "cfg"))
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp / "state"))


def console(tmp: Path, profile: Profile | None = None, **kwargs):  # type: ignore[no-untyped-def]
    """The console on `profile`, opening on the connections pane unless `start_pane` says."""
    from screens.launch import build_console

    kwargs.setdefault("start_pane", "conn")
    return build_console(
        profile if profile is not None else Profile("empty", (), source=tmp / "config.toml"),
        known_hosts_path=tmp / "known_hosts",
        use_keyring=False,
        **kwargs,
    )


async def wait_until(pilot, check, what: str = "condition", seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until `check()` holds; fail naming `what` after `seconds`."""
    for _ in range(int(seconds / 0.05)):
        await pilot.pause(0.05)
        if check():
            return
    raise AssertionError(f"never: {what}")


async def screen_after(pilot, key: str, kind: type):  # type: ignore[no-untyped-def]
    """Press `key` and return the screen shown then, which must be a `kind`."""
    await pilot.press(key)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, kind), f"{key} showed {type(screen).__name__}, not {kind.__name__}"
    return screen
