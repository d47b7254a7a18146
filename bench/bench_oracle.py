"""The consistency oracle's long run: many lab scenarios drawn from the documented keys, each
started and read back with every pane's `--json` command (tests/test_lab_oracle.py).

The suite runs 4 examples on one fixed seed; this runs `--examples` on each of `--seeds` fresh
seeds and prints the time per example. Run: `.venv/bin/python bench/bench_oracle.py`.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=25)
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    failed = 0
    print(f"{'seed':>12}{'examples':>10}{'total s':>10}{'s/example':>11}  result")
    for _ in range(args.seeds):
        seed = random.randrange(10**9)
        env = dict(
            os.environ,
            VCONSOLE_ORACLE_EXAMPLES=str(args.examples),
            VCONSOLE_ORACLE_SEED=str(seed),
        )
        t0 = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
             "tests/test_lab_oracle.py"],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        took = time.perf_counter() - t0
        result = "pass" if run.returncode == 0 else "FAIL"
        print(f"{seed:>12}{args.examples:>10}{took:>10.1f}{took / args.examples:>11.2f}  {result}")
        if run.returncode:
            failed += 1
            print(run.stdout[-4000:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
