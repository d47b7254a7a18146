"""The real console on a pseudo-terminal, as an SSH login would run it: for the hang-up tests and
the quit benchmark, which must see what a person's terminal sees."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from shell_helpers import write_capture


def take_terminal() -> None:
    """In the child: make the pty its controlling terminal, as sshd does for a login session."""
    import fcntl
    import termios

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def replay_config(tmp: Path, profile: str, target: str) -> Path:
    """config.toml in `tmp` whose profile `profile` holds one replay target `target`."""
    capture = write_capture(tmp / f"{target}.json", target)
    config = tmp / "config.toml"
    config.write_text(
        f'default_profile = "{profile}"\n[profiles.{profile}]\n[[profiles.{profile}.targets]]\n'
        f'name = "{target}"\nkind = "replay"\nfile = "{capture}"\n',
        encoding="utf-8",
    )
    return config


def isolated_env(tmp: Path, state: Path | None = None) -> dict[str, str]:
    """This environment with the console's config and state dirs in `tmp` (or `state`)."""
    return {
        **os.environ,
        "VCONSOLE_CONFIG_DIR": str(tmp / "cfg"),
        "VCONSOLE_STATE_DIR": str(state if state is not None else tmp / "state"),
    }


def console_on_pty(
    argv: list[str], env: dict[str, str], size: tuple[int, int] = (80, 24), cwd: Path | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """`python -m screens *argv` on a new pty of `size` (columns, lines); the pty's master fd."""
    return program_on_pty([sys.executable, "-m", "screens", *argv], env, size, cwd)


def program_on_pty(
    argv: list[str], env: dict[str, str], size: tuple[int, int] = (80, 24), cwd: Path | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """`argv` on a new pty of `size` (columns, lines) as its controlling terminal; the master fd."""
    columns, lines = size
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(lines)},
        cwd=cwd,
        start_new_session=True,
        preexec_fn=take_terminal,
    )
    os.close(slave)
    return proc, master


def read_until(master: int, needle: bytes, timeout: float = 40) -> bytes:
    """All the pty printed until `needle` appeared; an AssertionError if it did not in time."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and needle not in seen:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    assert needle in seen, f"{needle!r} not painted; got {seen[-300:]!r}"
    return seen


def finish(proc: subprocess.Popen[bytes]) -> int | None:
    """The exit code within 15 s, or None after killing a process that would not end."""
    try:
        return proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
        return None


def drain_until_exit(proc: subprocess.Popen[bytes], master: int, seconds: float = 60) -> None:
    """Read and drop what the pty prints until the process exits (or `seconds` pass), so that
    no write of the console's can block its exit."""
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        if select.select([master], [], [], 0.1)[0]:
            try:
                os.read(master, 65536)
            except OSError:
                break
