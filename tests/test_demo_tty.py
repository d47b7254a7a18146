"""`vconsole demo` on a terminal that goes away (an SSH session dropped) stops its lab too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tty_helpers import console_on_pty, drain_until_exit, finish, isolated_env, read_until
from vcsim_helpers import alive, needs_go

pytestmark = [
    pytest.mark.timeout(240),
    needs_go,
]


def test_hangup_during_demo_stops_the_lab(tmp_path: Path) -> None:
    state = tmp_path / "lab"
    proc, master = console_on_pty(["demo", "--state-dir", str(state)], isolated_env(tmp_path))
    daemon = 0
    try:
        read_until(master, b"esx-akl-01", timeout=180)
        daemon = json.loads((state / "lab.json").read_text())["pid"]
        assert alive(daemon)
        os.close(master)  # the terminal goes away: the kernel hangs up the console
        master = -1
        assert finish(proc) == 129
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and alive(daemon):
            time.sleep(0.1)
        assert not alive(daemon), "the lab outlived the demo that started it"
    finally:
        if master >= 0:
            os.close(master)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        if daemon and alive(daemon):
            os.killpg(daemon, signal.SIGKILL)


def test_quit_stops_the_lab_and_leaves_the_admin_state_alone(tmp_path: Path) -> None:
    """`:q` ends the demo and its lab; the demo starts from the scenario (last run's Cloud
    Director edits and console state forgotten) and writes nothing into the admin's state dir."""
    state = tmp_path / "lab"
    admin = tmp_path / "state"
    admin.mkdir()
    (admin / "known_hosts").write_text("admin's own trust\n")
    (state / "vcd").mkdir(parents=True)
    (state / "vcd" / "branding.json").write_text('{"portalName": "edited last time"}')
    (state / "console").mkdir()
    (state / "console" / "mtu-results.json").write_text('{"stale": true}')
    proc, master = console_on_pty(
        ["demo", "--state-dir", str(state)], isolated_env(tmp_path, admin), size=(100, 30)
    )
    daemon = 0
    try:
        seen = read_until(master, b"esx-akl-01", timeout=180)
        # the "starting the lab" line is erased before the console takes the screen, so it
        # is not left standing on the terminal once the console has gone
        starting = seen.index(b"starting the lab")
        assert starting < seen.index(b"\x1b[1A\x1b[2K", starting) < seen.index(b"\x1b[?1049h")
        daemon = json.loads((state / "lab.json").read_text())["pid"]
        branding = state / "vcd" / "branding.json"
        assert not branding.exists() or "edited last time" not in branding.read_text()
        results = state / "console" / "mtu-results.json"
        assert not results.exists() or "stale" not in results.read_text()
        os.write(master, b":")
        time.sleep(0.3)
        os.write(master, b"q\r")
        drain_until_exit(proc, master)
        assert finish(proc) == 0
        assert not alive(daemon), "the lab outlived the demo"
        assert json.loads((state / "lab.json").read_text())["status"] == "stopped"
    finally:
        os.close(master)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        if daemon and alive(daemon):
            os.killpg(daemon, signal.SIGKILL)
    assert sorted(p.name for p in admin.rglob("*")) == ["known_hosts"]
    assert (admin / "known_hosts").read_text() == "admin's own trust\n"


def test_a_slow_lab_stop_says_so_and_still_waits(capsys: pytest.CaptureFixture[str]) -> None:
    """A lab that takes its time to stop gets a "stopping the lab…" line, not a silent wait."""
    from screens.entry import _finish_lab
    from vconsole.commands.lab_cmd import _pid_alive

    slow = subprocess.Popen(
        [sys.executable, "-c",
         "import signal, time; signal.signal(signal.SIGTERM, lambda *a: None); "
         "print('ready', flush=True); time.sleep(1.5)"],
        stdout=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    assert slow.stdout is not None and slow.stdout.readline() == b"ready\n"
    _finish_lab(slow.pid)
    assert not _pid_alive(slow.pid)
    assert "stopping the lab\u2026" in capsys.readouterr().err
