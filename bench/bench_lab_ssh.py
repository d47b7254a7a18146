"""Lab SSH hosts: the cost of ordering each answer after paramiko's exec reply (`ReplyBarrier`).

Runs short commands on one lab host over one SSH connection, one after another and 8 at a time,
with the lab as it is (a keepalive round trip before each answer, shared by overlapping
commands) beside the naive public-API server that answers at once, whose fast answers can
close the channel before the exec reply and fail as "Channel closed".

    .venv/bin/python bench/bench_lab_ssh.py [--commands 400] [--parallel 8]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from esxi_lab_helpers import LabShell  # noqa: E402

from vconsole.lab.esxi import EsxiLab, server  # noqa: E402
from vconsole.lab.scenario import default_scenario  # noqa: E402

HOST = "esx-hq-01"
LINE = "esxcli network ip interface list"


def run_many(shell: LabShell, count: int, parallel: int) -> tuple[float, int]:
    """(ms per command, failed commands) for `count` commands, `parallel` at a time."""

    def one(_: int) -> int:
        try:
            return 0 if shell.run(HOST, LINE).exit == 0 else 1
        except Exception:  # "Channel closed" and friends: counted, that is the figure
            return 1

    started = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        failed = sum(pool.map(one, range(count)))
    return (time.perf_counter() - started) * 1000 / count, failed


def measure(label: str, count: int, parallel: int, wait: Callable[..., None]) -> None:
    original = server.ReplyBarrier.wait
    server.ReplyBarrier.wait = wait  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as tmp, EsxiLab(default_scenario(), Path(tmp)) as lab:
            shell = LabShell(lab)
            shell.client(HOST)  # connect and log in outside the timing
            for width in (1, parallel):
                ms, failed = run_many(shell, count, width)
                load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
                print(
                    f"{label:<34} {width:>2} at a time: {ms:6.2f} ms/command, "
                    f"{failed:>4}/{count} failed   (load {load})"
                )
            shell.close()
    finally:
        server.ReplyBarrier.wait = original  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=400)
    parser.add_argument("--parallel", type=int, default=8)
    args = parser.parse_args()
    measure("naive: answer at once", args.commands, args.parallel, lambda self, ticket: None)
    measure(
        "lab: answer after the exec reply", args.commands, args.parallel, server.ReplyBarrier.wait
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
