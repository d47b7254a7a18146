"""The checks' background burst, back to back: does the memory it leaves settle, or rise each time?

A console left open reads the design checks every 5 minutes (triage's `checks` source): 8
commands per host on every host of the default lab at once, on the session manager's threads.
Here the lab is started from the default scenario, and in a child process per variant (each as
the console sets itself up: its allocator policy, a manager with its 256 threads) that same read
(`read_with(source, CheckFindings)` posted to a `FindingsBoard`) runs `--bursts` times, with
a full collection after each and a pause in which the pool's spare threads end (as they do
between the console's bursts); `--others N` reads the other triage sources beside each burst and
N times between bursts, as the console does. Per burst it prints RSS, Python's arenas in use and the bytes in
their live blocks, glibc's heap in use and free, the threads alive (now, and at most during the
burst), the burst's CPU and wall seconds, and the most Python blocks it had alive above its start
(its transient high-water, what new arenas are taken for), and the objects the full collection
found in reference cycles (garbage that waits for it: in the console up to a minute, while other
refreshes take memory beside it).
Variants (`--variant`): `plain` (the code as it is) and `before` (the read as it was: every
host's commands at once, the last report with every transcript kept, pyVmomi's answers left in
reference cycles; bench/burst_before.py).
The last column is a digest of the findings (times left out): the same in every variant when
the read still finds the same. Run:

    .venv/bin/python bench/bench_checks_burst.py [--bursts 12] [--others 0] [--console 20]
        [--variant plain --variant before]

`--console 20` runs the whole console instead (its checks every 20 s; bench/idle_variants.py's
`checks_fast`), each variant in turn, a line per read.
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
    lab: Path, variant: str, bursts: int, every: float, env: dict[str, str], collect: str
) -> None:
    """The whole console on a pseudo-terminal, every pane visited, left on triage with its checks
    read every `every` seconds and the pool's spare threads ending after 5 s (so each read starts
    its threads anew, as the 5-minute read does); a line per read, after a full collection."""
    probe = Path(env["IDLE_PROBE"])
    probe.write_text("")
    source = (BEFORE_READ if variant == "before" else "") + CHECKS_FAST + CONSOLE
    console = spawn(
        f"console {variant}",
        [sys.executable, "-c", source, "--config", str(lab / "lab.toml"), "--profile", "lab"],
        {**env, "CHECKS_EVERY": f"{every:g}", "POOL_IDLE_EXIT": "5", "CHECKS_COLLECT": collect},
    )
    try:
        console.wait_for(b"esx-akl-01", 240)
        for pane in PANES:
            console.type(":")
            time.sleep(0.3)
            console.type(f"{pane}\r")
            time.sleep(3)
        print(f"{'read':>5} {HEADER}", flush=True)
        shown = 0
        deadline = time.monotonic() + (bursts + 2) * every + 120
        while shown < bursts and time.monotonic() < deadline:
            time.sleep(1)
            lines = probe.read_text().splitlines()
            for line in lines[shown:bursts]:
                shown += 1
                print(f"{shown:5d} {line}", flush=True)
    finally:
        console.stop()


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
        default="1",
        help="with --console: a full collection after each read (1), or only the console's own",
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
            for variant in variants:
                print(f"\n== {variant}: {VARIANTS[variant]}", flush=True)
                if args.console:
                    in_console(lab, variant, args.bursts, args.console, env, args.collect)
                    continue
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
