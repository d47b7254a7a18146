"""LACP refresh of 200 lab hosts answering every command after 100 ms: fan-out vs a plain loop.

Both ways use the same session manager and the same warm SSH connections; the loop asks host
after host, command after command, as a script that SSHes into hosts one by one would. The
first (cold) fan-out includes 200 SSH handshakes and is shown separately. The lab hosts run in
a child process (as real hosts are other machines), unless `--same-process`.

    .venv/bin/python bench/bench_lacp.py [--hosts 200] [--slow-ms 100] [--skip-sequential]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab_process import start_lab_process  # noqa: E402


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-lacp-"))
    os.environ.setdefault("VCONSOLE_STATE_DIR", str(tmp / "state"))
    os.environ.setdefault("VCONSOLE_CONFIG_DIR", str(tmp / "cfg"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from bench_api_hosts import lacp_loop
    from lacp_helpers import lab_manager

    from vconsole.lab.esxi import EsxiLab
    from vconsole.lab.scenario import generate_scenario
    from vconsole.services.lacp import LacpService

    scenario = generate_scenario(hosts=args.hosts, vms=args.hosts, slow_ms=args.slow_ms)
    if args.same_process:
        in_process = EsxiLab(scenario, tmp / "lab")
        in_process.start()
        lab, proc, pipe = in_process, None, None
    else:
        lab, proc, pipe = start_lab_process(scenario, tmp / "lab")
    try:
        hosts = sorted(lab.endpoints)
        manager = lab_manager(lab, tmp, max_workers=args.workers, fan_out_limit=args.limit)
        try:
            service = LacpService(manager, hosts)
            started = time.perf_counter()
            cold = await service.refresh()
            cold_s = time.perf_counter() - started
            warm_runs = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                warm = await service.refresh()
                warm_runs.append(time.perf_counter() - started)
            full_runs = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                await service.refresh(full=True)
                full_runs.append(time.perf_counter() - started)
            errors = sum(1 for h in warm.hosts if not h.ok)
            where = "in this process" if args.same_process else "in a child process"
            # fmt: off
            print(f"hosts: {len(hosts)} ({where}), command latency: {args.slow_ms} ms, "
                  f"fan-out limit {args.limit}, {args.workers} I/O threads, "
                  f"load average {os.getloadavg()[0]:.1f}")
            print(f"fan-out, cold (incl. {manager.ssh_connects} SSH logins): {cold_s:6.2f} s "
                  f"({len(cold.rows)} rows)")
            print(f"fan-out, warm refresh (status+stats, config cached): "
                  f"best {min(warm_runs):5.2f} s, worst {max(warm_runs):5.2f} s "
                  f"over {len(warm_runs)} runs, {len(warm.rows)} rows, {errors} failed hosts")
            print(f"fan-out, warm full refresh (all 3 commands): "
                  f"best {min(full_runs):5.2f} s, worst {max(full_runs):5.2f} s")
            # fmt: on
            if args.skip_sequential:
                return
            sequential_s = await lacp_loop(manager, hosts)
            print(f"sequential loop, warm (all 3 commands): {sequential_s:6.2f} s "
                  f"(x{sequential_s / min(full_runs):.0f} the full fan-out)")  # fmt: skip
        finally:
            await manager.close()
    finally:
        if proc is not None:
            pipe.send("stop")
            proc.join(20)
        else:
            lab.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--slow-ms", type=int, default=100)
    parser.add_argument("--limit", type=int, default=64, help="hosts in flight at once")
    parser.add_argument("--workers", type=int, default=64, help="the manager's I/O threads")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-sequential", action="store_true")
    parser.add_argument("--same-process", action="store_true", help="run the lab hosts in-process")
    asyncio.run(main(parser.parse_args()))
