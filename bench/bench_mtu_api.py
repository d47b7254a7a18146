"""The MTU matrix through vCenter alone, run again and again on one session: cold, then warm.

20 hosts x 2 vmks x 2 targets behind a black hole, 1 s timeout (bench_mtu.py's matrix), the
concurrent pings sent each in a worker thread on pyVmomi's connection (the way before) and from
the event loop (the console's way), each way on a lab of its own so both start cold: the first
run opens every connection (over `--tls` a TLS handshake each), the later ones reuse them. Per
run: wall time, CPU seconds of the console, the lab hosts and the lab vCenter, the console's
threads, the load. `--profile` prints a cProfile of the event loop's run number `--profile`.

    .venv/bin/python bench/bench_mtu_api.py [--tls] [--runs 3] [--hosts 20] [--profile N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import multiprocessing
import pstats
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_mtu import (  # noqa: E402
    _cpu_s,
    _load,
    _manager,
    _serve_lab,
    blackhole_scenario,
    matrix_tests,
    pings_in_threads,
    scratch,
)


async def one_way(args: argparse.Namespace, threaded: bool, tmp: Path) -> None:
    from vconsole.services.mtu import MtuService, RunSettings

    scenario = blackhole_scenario(args.hosts)
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    stop = ctx.Event()
    lab = ctx.Process(
        target=_serve_lab, args=(scenario, tmp, child, stop, True, args.tls), daemon=True
    )
    lab.start()
    config = parent.recv()
    label = "a worker thread per call" if threaded else "event loop"
    try:
        manager = await _manager(config, "lab-vcenter", 700)
        hosts = [h.name for h in scenario.hosts]
        tests = matrix_tests(hosts)
        for run in range(args.runs):
            service = MtuService(manager, settings=RunSettings(timeout_s=1.0, channels_per_host=8))
            plan = await service.prepare(tests)  # the hosts' read: not part of the figures
            parent.send("cpu")
            lab_cpu, console_cpu = parent.recv(), _cpu_s()
            profile = cProfile.Profile() if run == args.profile and not threaded else None
            t0 = time.monotonic()
            with pings_in_threads() if threaded else contextlib.nullcontext():
                if profile is not None:
                    profile.enable()
                results = await service.run(plan)
                if profile is not None:
                    profile.disable()
            took = time.monotonic() - t0
            parent.send("cpu")
            lab_after, console_after = parent.recv(), _cpu_s()
            wrong = sum(1 for r in results if r.path_mtu != 1280)
            print(
                f"   {label:<26} run {run} ({'cold' if run == 0 else 'warm'}) {took:>6.2f}s"
                f"  CPU console {console_after - console_cpu:.2f}s, lab hosts"
                f" {lab_after[0] - lab_cpu[0]:.2f}s, lab vCenter {lab_after[1] - lab_cpu[1]:.2f}s;"
                f" threads {threading.active_count()}; wrong {wrong}  {_load()}"
            )
            if profile is not None:
                pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        await manager.close()
    finally:
        stop.set()
        lab.join(20)


async def main(args: argparse.Namespace) -> None:
    tmp = scratch("bench-mtu-api-")
    scheme = "HTTPS, certificate pinned" if args.tls else "plain HTTP"
    print(
        f"API matrix: {args.hosts} hosts x 2 vmks x 2 targets, black hole, 1 s timeout;"
        f" lab vCenter on {scheme}"
    )
    for threaded in (True, False):
        await one_way(args, threaded, tmp / ("threads" if threaded else "loop"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3, help="matrices per session")
    parser.add_argument("--tls", action="store_true", help="the lab vCenter on HTTPS")
    parser.add_argument("--profile", type=int, default=-1, help="profile this run (event loop)")
    asyncio.run(main(parser.parse_args()))
