"""The LACP parsers' CPU per 1,000 hosts: the old ones (kept in tests/ as the sameness tests'
oracle) beside the console's, on what the lab's hosts answer to `lacp status|stats|config get`.

Each way reads the same texts, best of `--rounds` in turn, in this one process (CPU-s, not
wall); the answers are checked equal first, so a figure never rests on a different reading.

    .venv/bin/python bench/bench_lacp_parse.py [--hosts 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def answers(hosts: int) -> list[list[str]]:
    """Each lab host's answers to the three read commands, as its SSH server prints them."""
    from vconsole.esx.lacp import READ_COMMANDS
    from vconsole.lab.esxi.shell import run_line
    from vconsole.lab.esxi.state import HostState, LabClock
    from vconsole.lab.scenario import generate_scenario

    scenario = generate_scenario(hosts=hosts, vms=hosts, luns_per_host=1, paths_per_lun=1)
    out = []
    for host in scenario.hosts:
        state = HostState(scenario, host, LabClock(0.01), None)
        out.append([run_line(state, c.line).stdout for c in READ_COMMANDS])
    return out


def best_cpu(parse: Callable[[str], Any], texts: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for text in texts:
            parse(text)
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    from lacp_parse_oracle import old_parse_config, old_parse_stats, old_parse_status

    from vconsole.esx.lacp import parse_config, parse_stats, parse_status

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    per_host = answers(args.hosts)
    scale = 1000 / len(per_host)
    print(f"LACP parsers, {len(per_host)} lab hosts, CPU ms per 1,000 hosts, best of {args.rounds}")
    ways = (
        ("status get", 0, old_parse_status, parse_status),
        ("stats get", 1, old_parse_stats, parse_stats),
        ("config get", 2, old_parse_config, parse_config),
    )
    for label, index, old, new in ways:
        texts = [a[index] for a in per_host]
        assert all(old(t) == new(t) for t in texts), label
        before, after = best_cpu(old, texts, args.rounds), best_cpu(new, texts, args.rounds)
        print(
            f"  {label:<11} old {before * scale * 1000:6.1f} ms   new {after * scale * 1000:6.1f}"
            f" ms   (x{before / after:.1f})  (load {os.getloadavg()[0]:.1f})"
        )
    print(f"\ncommand: {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
