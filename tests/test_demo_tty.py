"""`vconsole demo` on a terminal that goes away (an SSH session dropped) stops its lab too."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_shell_tty import _take_terminal, finish, read_until

from vconsole.lab.vcsim import vcsim_unavailable

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.skipif(
        bool(vcsim_unavailable()), reason=f"lab vCenter unavailable: {vcsim_unavailable()}"
    ),
]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_hangup_during_demo_stops_the_lab(tmp_path: Path) -> None:
    state = tmp_path / "lab"
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
        [sys.executable, "-m", "screens", "demo", "--state-dir", str(state)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        preexec_fn=_take_terminal,
    )
    os.close(slave)
    daemon = 0
    try:
        read_until(master, b"esx-akl-01", timeout=180)
        daemon = json.loads((state / "lab.json").read_text())["pid"]
        assert _alive(daemon)
        os.close(master)  # the terminal goes away: the kernel hangs up the console
        master = -1
        assert finish(proc) == 129
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _alive(daemon):
            time.sleep(0.1)
        assert not _alive(daemon), "the lab outlived the demo that started it"
    finally:
        if master >= 0:
            os.close(master)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        if daemon and _alive(daemon):
            os.killpg(daemon, signal.SIGKILL)
