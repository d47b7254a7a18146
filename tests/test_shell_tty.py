"""The console leaves cleanly when its terminal goes away (an SSH session dropped).

Runs the real `vconsole ui` on a pseudo-terminal, waits for the first paint, then hangs up.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from tty_helpers import (
    console_on_pty,
    drain_until_exit,
    finish,
    isolated_env,
    read_until,
    replay_config,
)

pytestmark = pytest.mark.timeout(90)


def start_console(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    config = replay_config(tmp_path, "lab", "esx-tty-01")
    return console_on_pty(["--config", str(config), "ui"], isolated_env(tmp_path))


def test_sighup_exits_cleanly(tmp_path: Path) -> None:
    proc, master = start_console(tmp_path)
    try:
        read_until(master, b"esx-tty-01")
        os.kill(proc.pid, signal.SIGHUP)
        drain_until_exit(proc, master, seconds=15)
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
