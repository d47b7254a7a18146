"""The console leaves cleanly when its terminal goes away (an SSH session dropped).

Runs the real `vconsole ui` on a pseudo-terminal, waits for the first paint, then hangs up.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest
from tty_helpers import console_on_pty, finish, isolated_env, read_until, replay_config

pytestmark = pytest.mark.timeout(90)


def start_console(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    config = replay_config(tmp_path, "lab", "esx-tty-01")
    return console_on_pty(["--config", str(config), "ui"], isolated_env(tmp_path))


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
