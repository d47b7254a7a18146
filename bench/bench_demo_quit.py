"""How long `:q` takes to give the prompt back: `vconsole demo` beside plain `vconsole` on a replay.

Each run starts the console on a pseudo-terminal, waits for the first screen, types `:q` and
Enter, and times until the process has exited (the prompt would be back). The demo also starts
and stops its lab; the plain console is the floor. Run:
`.venv/bin/python bench/bench_demo_quit.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from shell_helpers import write_capture  # noqa: E402


def _take_terminal() -> None:
    import fcntl
    import termios

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _drain(master: int, needle: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and needle not in seen:
        if select.select([master], [], [], 0.1)[0]:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    if needle not in seen:
        raise RuntimeError(f"{needle!r} never painted; last output {seen[-200:]!r}")
    return seen


def open_on_pty(argv: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    """Start `argv` in its own session with a new pseudo-terminal as its controlling terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=ROOT,
        start_new_session=True,
        preexec_fn=_take_terminal,
    )
    os.close(slave)
    return proc, master


def tty_env(tmp: Path) -> dict[str, str]:
    """A 100x30 xterm, with the console's config and state kept under `tmp`."""
    return {
        **os.environ,
        "VCONSOLE_CONFIG_DIR": str(tmp / "cfg"),
        "VCONSOLE_STATE_DIR": str(tmp / "state"),
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "30",
    }


def quit_time(argv: list[str], ready: bytes, tmp: Path) -> float:
    """Seconds from `:q` Enter to the process having exited (output kept drained)."""
    env = tty_env(tmp)
    proc, master = open_on_pty([sys.executable, "-m", "screens", *argv], env)
    try:
        _drain(master, ready, 240)
        time.sleep(1.0)  # let the first refresh settle, as a person would look first
        os.write(master, b":")
        time.sleep(0.3)
        t0 = time.perf_counter()
        os.write(master, b"q\r")
        while proc.poll() is None and time.perf_counter() - t0 < 60:
            if select.select([master], [], [], 0.05)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    time.sleep(0.05)
        return time.perf_counter() - t0
    finally:
        os.close(master)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    plain: list[float] = []
    demo: list[float] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        capture = write_capture(tmp / "esx01.json", "esx01")
        config = tmp / "config.toml"
        config.write_text(
            'default_profile = "p"\n[profiles.p]\n[[profiles.p.targets]]\n'
            f'name = "esx-replay-01"\nkind = "replay"\nfile = "{capture}"\n',
            encoding="utf-8",
        )
        for i in range(args.runs):
            plain.append(quit_time(["--config", str(config), "ui"], b"esx-replay-01", tmp))
            lab = tmp / f"lab{i}"
            demo.append(quit_time(["demo", "--state-dir", str(lab)], b"esx-akl-01", tmp))
    print(f"{'variant':<28}{'median s':>10}{'max s':>10}  runs")
    for name, xs in (("vconsole (replay) :q", plain), ("vconsole demo :q", demo)):
        print(f"{name:<28}{statistics.median(xs):>10.2f}{max(xs):>10.2f}  {len(xs)}")


if __name__ == "__main__":
    main()
