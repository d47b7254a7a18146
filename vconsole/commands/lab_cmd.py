"""`vconsole lab start|status|stop` and `vconsole demo`: the embedded lab from the command line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from vconsole.commands.common import add_action

log = logging.getLogger(__name__)

START_TIMEOUT_S = 180.0  # covers the one-time vcsim build (about 20 s here) with room to spare


def register(subparsers: Any) -> None:
    lab = subparsers.add_parser("lab", help="run the embedded lab in the background")
    lab_sub = lab.add_subparsers(dest="lab_command", metavar="ACTION", required=True)
    start = add_action(lab_sub, "start", "start the lab and write DIR/lab.toml", cmd_start, _common)
    start.add_argument("--scenario", type=Path, metavar="FILE", help="scenario TOML")
    start.add_argument(
        "--real-network",
        action="store_true",
        help="vmkping over real network namespaces (Linux, root)",
    )
    where = "show each lab service and its address"
    status = add_action(lab_sub, "status", where, cmd_status, _common)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    add_action(lab_sub, "stop", "stop everything the lab started", cmd_stop, _common)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state-dir", type=Path, metavar="DIR", help="lab state dir")


def default_state_dir() -> Path:
    from vconsole.paths import state_dir

    return Path(state_dir()) / "lab"


def _dir(args: argparse.Namespace) -> Path:
    """The lab's state dir; this command's own state (its debug log) is kept there too, where
    the lab profile's console runs keep theirs."""
    from vconsole import paths
    from vconsole.lab.labfiles import console_state_dir

    lab = (args.state_dir or default_state_dir()).resolve()
    paths.use_profile_state_dir(console_state_dir(lab))
    return lab


def _pid_alive(pid: int | None) -> bool:
    """Running, not merely a zombie: the demo is the daemon's parent and must reap it, or
    `kill(pid, 0)` keeps answering for a process that finished long ago."""
    if not pid:
        return False
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass  # not our child: its own parent reaps it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[:1] != ["Z"]


def start_lab(
    state_dir: Path, scenario: Path | None, real_network: bool, *, fresh: bool = False
) -> dict[str, Any]:
    """Spawn the lab daemon in its own session and wait until it reports running or failed.

    `fresh` forgets what earlier runs changed (Cloud Director edits, the console's own state),
    so the lab answers from the scenario alone.
    """
    from vconsole.lab.labfiles import read_status

    current = read_status(state_dir)
    if (
        current
        and current.get("status") in ("running", "starting")
        and _pid_alive(current.get("pid"))
    ):
        raise RuntimeError(
            f"a lab is already running in {state_dir} (pid {current['pid']}); "
            f"`vconsole lab stop --state-dir {state_dir}` first"
        )
    state_dir.mkdir(parents=True, exist_ok=True)
    if fresh:
        reset_lab_state(state_dir)
    (state_dir / "lab.json").unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "vconsole.lab.daemon", "--state-dir", str(state_dir)]
    if scenario:
        cmd += ["--scenario", str(scenario.resolve())]
    if real_network:
        cmd.append("--real-network")
    log = open(state_dir / "lab.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        status = read_status(state_dir)
        if status and status.get("status") == "running":
            return status
        if status and status.get("status") == "failed":
            raise RuntimeError(
                f"lab failed to start: {status.get('error')} (log: {state_dir / 'lab.log'})"
            )
        if proc.poll() is not None:
            raise RuntimeError(
                f"lab process exited with {proc.returncode} (log: {state_dir / 'lab.log'})"
            )
        time.sleep(0.2)
    stop_lab(state_dir)
    raise RuntimeError(
        f"lab did not start within {START_TIMEOUT_S:.0f} s (log: {state_dir / 'lab.log'})"
    )


def reset_lab_state(state_dir: Path) -> None:
    """Remove the lab's remembered changes: vCD branding edits and the console state dir."""
    from vconsole.lab.labfiles import console_state_dir

    for path in (console_state_dir(state_dir), state_dir / "vcd" / "branding.json"):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def signal_lab(pid: int) -> None:
    """Ask the lab daemon to stop, without waiting (safe to repeat)."""
    try:
        os.kill(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError) as exc:  # gone, or not ours: nothing to stop
        log.info("lab daemon %d not signalled: %s", pid, exc)


def stop_lab(state_dir: Path, timeout_s: float = 20.0) -> bool:
    """Stop the daemon of this state dir (its process group) and nothing else."""
    from vconsole.lab.labfiles import read_status

    pid = (read_status(state_dir) or {}).get("pid")
    if not isinstance(pid, int) or not _pid_alive(pid):
        return False
    signal_lab(pid)
    wait_lab(pid, timeout_s)
    return True


def wait_lab(pid: int, timeout_s: float = 20.0) -> None:
    """Wait for a signalled daemon to end, then kill what is left of its process group."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and _pid_alive(pid):
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)  # stragglers of the lab's own process group only
    except (ProcessLookupError, PermissionError) as exc:  # the usual case: nothing was left
        log.debug("lab process group %d: %s", pid, exc)


def cmd_start(args: argparse.Namespace) -> int:
    state_dir = _dir(args)
    try:
        start_lab(state_dir, args.scenario, args.real_network)
    except (RuntimeError, OSError) as exc:
        print(f"vconsole lab: {exc}", file=sys.stderr)
        return 1
    print(state_dir)
    return 0


def _reachable(svc: dict[str, Any]) -> bool:
    if "url" in svc:
        rest = svc["url"].split("://", 1)[-1].split("/", 1)[0]
        host, _, port = rest.rpartition(":")
    else:
        host, port = svc["host"], svc["port"]
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except OSError:
        return False


def cmd_status(args: argparse.Namespace) -> int:
    from vconsole.lab.labfiles import read_status

    state_dir = _dir(args)
    status = read_status(state_dir) or {}
    running = status.get("status") == "running" and _pid_alive(status.get("pid"))
    services = status.get("services", []) if running else []
    if args.json:
        out = {
            "state_dir": str(state_dir),
            "running": running,
            "services": [dict(s, up=_reachable(s)) for s in services],
        }
        print(json.dumps(out, indent=2))
        return 0 if running else 1
    if not running:
        print(f"no lab running in {state_dir}")
        return 1
    print(f"lab running in {state_dir} (pid {status['pid']}, scenario {status.get('scenario')})")
    print(f"config: {status.get('config')}")
    for s in services:
        where = s.get("url") or f"{s['host']}:{s['port']}"
        state = "up" if _reachable(s) else "DOWN"
        print(f"  {s['kind']:<10} {s['name']:<16} {where:<32} {state}")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    state_dir = _dir(args)
    if stop_lab(state_dir):
        print(f"lab in {state_dir} stopped")
        return 0
    print(f"no lab running in {state_dir}")
    return 0
