"""The console leaves cleanly when its terminal goes away (an SSH session dropped).

Runs the real `vconsole ui` on a pseudo-terminal, waits for the first paint, then hangs up.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from shell_helpers import write_capture

pytestmark = pytest.mark.timeout(90)


def _take_terminal() -> None:
    """In the child: make the pty its controlling terminal, as sshd does for a login session."""
    import fcntl
    import termios

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def start_console(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    capture = write_capture(tmp_path / "esx01.json", "esx01")
    config = tmp_path / "config.toml"
    config.write_text(
        'default_profile = "lab"\n[profiles.lab]\n[[profiles.lab.targets]]\n'
        f'name = "esx-tty-01"\nkind = "replay"\nfile = "{capture}"\n',
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "VCONSOLE_CONFIG_DIR": str(tmp_path / "cfg"),
        "VCONSOLE_STATE_DIR": str(tmp_path / "state"),
        "TERM": "xterm-256color",
        "COLUMNS": "80",
        "LINES": "24",
    }
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "screens", "--config", str(config), "ui"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        preexec_fn=_take_terminal,
    )
    os.close(slave)
    return proc, master


def read_until(master: int, needle: bytes, timeout: float = 40) -> bytes:
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
    try:
        return proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
        return None


def test_sighup_exits_cleanly(tmp_path: Path) -> None:
    proc, master = start_console(tmp_path)
    try:
        read_until(master, b"esx-tty-01")
        os.kill(proc.pid, signal.SIGHUP)
        # keep draining so a blocked write cannot hold the process
        deadline = time.monotonic() + 15
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        assert finish(proc) == 129
    finally:
        os.close(master)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_hung_up_terminal_ends_the_console(tmp_path: Path) -> None:
    """Closing the pty master is what an SSH disconnect does: the kernel sends SIGHUP."""
    proc, master = start_console(tmp_path)
    try:
        read_until(master, b"esx-tty-01")
        os.close(master)
        master = -1
        assert finish(proc) == 129, "console kept running after its terminal was closed"
    finally:
        if master >= 0:
            os.close(master)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
