"""How long `:q` takes to give the prompt back: `vconsole demo` beside plain `vconsole` on a replay.

Each run starts the console on a pseudo-terminal, waits for the first screen, types `:q` and
Enter, and times until the process has exited (the prompt would be back). The demo also starts
and stops its lab; the plain console is the floor. Run:
`.venv/bin/python bench/bench_demo_quit.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from tty_helpers import console_on_pty, isolated_env, read_until, replay_config  # noqa: E402


def quit_time(argv: list[str], ready: bytes, tmp: Path) -> float:
    """Seconds from `:q` Enter to the process having exited (output kept drained)."""
    proc, master = console_on_pty(argv, isolated_env(tmp), size=(100, 30), cwd=ROOT)
    try:
        read_until(master, ready, 240)
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
        config = replay_config(tmp, "p", "esx-replay-01")
        for i in range(args.runs):
            plain.append(quit_time(["--config", str(config), "ui"], b"esx-replay-01", tmp))
            lab = tmp / f"lab{i}"
            demo.append(quit_time(["demo", "--state-dir", str(lab)], b"esx-akl-01", tmp))
    print(f"{'variant':<28}{'median s':>10}{'max s':>10}  runs")
    for name, xs in (("vconsole (replay) :q", plain), ("vconsole demo :q", demo)):
        print(f"{name:<28}{statistics.median(xs):>10.2f}{max(xs):>10.2f}  {len(xs)}")


if __name__ == "__main__":
    main()
