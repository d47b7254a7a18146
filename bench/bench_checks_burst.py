"""The checks' background burst, back to back: does the memory it leaves settle, or rise each time?

A console left open reads the design checks every 5 minutes (triage's `checks` source): 7-8
commands per host on every host of the default lab, on the session manager's threads. Here the
lab is started from the default scenario, and in a child process per variant (each set up as the
console is: its allocator policy, a manager with 256 threads) that same read (`read_with(source,
CheckFindings)` posted to a `FindingsBoard`) runs `--bursts` times, with a pause after each in
which the pool's spare threads end, then a full collection; `--others N` reads the other triage
sources beside each burst and N times before that collection, as the console does. Per burst:
RSS, Python's arenas in use (and at most), the bytes in their live and free blocks, glibc's heap
in use and free, the threads alive (now, and at most during the burst), the burst's CPU and wall
seconds, the most Python blocks it had alive above its start (its transient high-water), the
objects the collection found in reference cycles (garbage that waits for it: in the console up to
a minute, while other refreshes take memory beside it), and a digest of the findings (times left
out: the same in every variant when the read still finds the same).

`--console SECONDS` runs each variant's whole console instead, side by side on the lab, left on
triage with its checks read every SECONDS (bench/idle_variants.py's `checks_fast`): a line per
read, as the console's own collections left it (`--collect 1`: after a full collection).

Variants (`--variant`): `plain` (the code as it is) and `before` (the read as it was: every
host's commands at once, the last report with every transcript kept, pyVmomi's answers left in
reference cycles; bench/burst_before.py). Run:

    .venv/bin/python bench/bench_checks_burst.py [--bursts 12] [--others 0] [--variant plain ...]
    .venv/bin/python bench/bench_checks_burst.py --console 60 --bursts 12   # about 15 minutes
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_idle import PANES, lab_command, spawn  # noqa: E402
from burst_child import HEADER, VARIANTS  # noqa: E402
from idle_variants import BEFORE_READ, CHECKS_FAST, CONSOLE  # noqa: E402
from tty_helpers import isolated_env  # noqa: E402


def in_console(
    lab: Path, variants: list[str], bursts: int, every: float, env: dict[str, str], collect: str
) -> None:
    """Each variant's whole console on a pseudo-terminal, side by side on the one lab, every pane
    visited, left on triage with its checks read every `every` seconds; after each read a line
    of what its memory holds (after a full collection, or with `collect` "0" as the console's own
    collections left it). Arenas and RSS rising read after read is what the console shows over
    hours at its 5-minute cadence."""
    consoles = []
    for variant in variants:
        probe = Path(env["IDLE_PROBE"] + f".{variant}")
        probe.write_text("")
        source = (BEFORE_READ if variant == "before" else "") + CHECKS_FAST + CONSOLE
        run_env = {**env, "IDLE_PROBE": str(probe), "CHECKS_EVERY": f"{every:g}"}
        argv = ["--config", str(lab / "lab.toml"), "--profile", "lab"]
        consoles.append(
            (
                variant,
                probe,
                spawn(
                    f"console {variant}",
                    [sys.executable, "-c", source, *argv],
                    {**run_env, "CHECKS_COLLECT": collect},
                ),
            )
        )
    try:
        for _, _, console in consoles:
            console.wait_for(b"esx-akl-01", 240)
        for pane in PANES:
            for _, _, console in consoles:
                console.type(":")
            time.sleep(0.3)
            for _, _, console in consoles:
                console.type(f"{pane}\r")
            time.sleep(3)
        deadline = time.monotonic() + (bursts + 2) * every + 120
        while time.monotonic() < deadline and any(
            len(probe.read_text().splitlines()) < bursts for _, probe, _ in consoles
        ):
            time.sleep(2)
    finally:
        for _, _, console in consoles:
            console.stop()
    for variant, probe, _ in consoles:
        print(f"\n== {variant}: {VARIANTS[variant]}\n{'read':>5} {HEADER}")
        for n, line in enumerate(probe.read_text().splitlines()[:bursts], start=1):
            print(f"{n:5d} {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, default=12, help="bursts per variant (default 12)")
    parser.add_argument(
        "--gap", type=float, default=3.0, help="seconds between bursts (threads end in 1)"
    )
    parser.add_argument(
        "--others",
        type=int,
        default=0,
        help="rounds of the other triage sources' reads between bursts, one beside each (0)",
    )
    parser.add_argument(
        "--console",
        type=float,
        metavar="SECONDS",
        help="run the whole console instead, its checks read every SECONDS (e.g. 20)",
    )
    parser.add_argument(
        "--collect",
        choices=("1", "0"),
        default="0",
        help="with --console: only the console's own collections (0), or one after each read",
    )
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS))
    args = parser.parse_args()
    variants = args.variant or ["plain", "before"]
    py = sys.executable
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        lab = tmp / "lab"
        env = {**isolated_env(tmp), "PYTHONPATH": str(ROOT), "IDLE_PROBE": str(tmp / "probe")}
        lab_command("start", lab, env)
        try:
            if args.console:
                in_console(lab, variants, args.bursts, args.console, env, args.collect)
            for variant in [] if args.console else variants:
                print(f"\n== {variant}: {VARIANTS[variant]}", flush=True)
                subprocess.run(
                    [
                        py,
                        str(ROOT / "bench" / "burst_child.py"),
                        str(lab / "lab.toml"),
                        variant,
                        str(args.bursts),
                        str(args.gap),
                        str(args.others),
                    ],
                    env=env,
                    cwd=ROOT,
                    check=True,
                )
        finally:
            lab_command("stop", lab, env)
    load = os.getloadavg()
    print(f"\nload {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; command: {' '.join(sys.argv)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
