"""Multipathing refresh of 1,000 paths on 50 lab hosts: one QueryPerf per host vs one per path.

The lab vCenter (its own process) and the lab ESXi hosts (a child process, as real hosts are
other machines) serve generate_scenario(hosts=50, luns_per_host=5, paths_per_lun=4). Printed
side by side, all in this one run and on the same warm connections:
- the pane's refresh (SSH fan-out + vCenter multipath + batched QueryPerf): cold, warm (layout
  cached, only samples newer than the held window), and warm but full (everything re-read);
- latency alone, batched: one QueryPerf per host for all its paths and devices;
- latency alone, per path: one QueryPerf per path (read + write), at the same concurrency
  and one after another.

    .venv/bin/python bench/bench_paths.py [--hosts 50] [--luns 5] [--paths 4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab_process import start_lab_process  # noqa: E402


def _scenario(args: Any) -> Any:
    from vconsole.lab.scenario import generate_scenario

    return generate_scenario(
        hosts=args.hosts, vms=args.hosts, luns_per_host=args.luns, paths_per_lun=args.paths
    )


async def timed(coro: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    value = await coro
    return time.perf_counter() - started, value


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-paths-"))
    os.environ.setdefault("VCONSOLE_STATE_DIR", str(tmp / "state"))
    os.environ.setdefault("VCONSOLE_CONFIG_DIR", str(tmp / "cfg"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from lacp_helpers import lab_manager

    from vconsole.lab.vcsim import VcsimLab
    from vconsole.services.paths import PathsService
    from vconsole.services.paths_vcenter import (
        counter_ids,
        query_host_latency,
        query_path_latency,
        read_multipath,
    )

    scenario = _scenario(args)
    vcsim = VcsimLab(scenario, tmp / "vcsim").start()
    lab, proc, pipe = start_lab_process(scenario, tmp / "lab")
    try:
        hosts = sorted(lab.endpoints)
        manager = lab_manager(lab, tmp, vcsim=vcsim)
        try:
            service = PathsService(manager, hosts, "vcsa01")
            cold_s, cold = await timed(service.refresh())
            warm_runs = []
            for _ in range(args.repeat):
                seconds, warm = await timed(service.refresh())
                warm_runs.append(seconds)
            full_runs = []
            for _ in range(args.repeat):
                seconds, _ = await timed(service.refresh(full=True))
                full_runs.append(seconds)
            paths = sum(1 for r in warm.rows if r.path)
            with_latency = sum(1 for r in warm.rows if r.read_ms is not None)
            failed = sum(1 for h in warm.hosts if not h.ok)
            # fmt: off
            print(f"estate: {len(hosts)} hosts, {paths} paths ({with_latency} with latency), "
                  f"{failed} failed hosts, load average {os.getloadavg()[0]:.1f}")
            print(f"refresh, cold (incl. {manager.ssh_connects} SSH logins, vCenter login): "
                  f"{cold_s:6.2f} s ({len(cold.rows)} rows)")
            print(f"refresh, warm (layout cached, newest samples only): best {min(warm_runs):5.2f} s, "
                  f"worst {max(warm_runs):5.2f} s over {len(warm_runs)} runs")
            print(f"refresh, warm, full (layout re-read, whole 15-sample window): "
                  f"best {min(full_runs):5.2f} s, worst {max(full_runs):5.2f} s")
            # fmt: on
            vim = await manager.vim("vcsa01")
            vc_hosts, refs = await vim.call(read_multipath, vim.content)
            ids = await vim.call(counter_ids, vim.content)
            gate = asyncio.Semaphore(service.perf_concurrency)

            async def limited(fn: Any, *a: Any) -> Any:
                async with gate:
                    return await vim.call(fn, vim.content, *a)

            batched_s, _ = await timed(
                asyncio.gather(
                    *(limited(query_host_latency, refs[h.name], ids, 15) for h in vc_hosts)
                )
            )
            instances = [(h.name, p.name) for h in vc_hosts for d in h.devices for p in d.paths]
            per_path_s, _ = await timed(
                asyncio.gather(
                    *(limited(query_path_latency, refs[h], ids, i, 15) for h, i in instances)
                )
            )
            started = time.perf_counter()
            for h, i in instances:
                await vim.call(query_path_latency, vim.content, refs[h], ids, i, 15)
            sequential_s = time.perf_counter() - started
            # fmt: off
            print(f"latency, batched: {len(vc_hosts)} QueryPerf (one per host, every path and "
                  f"device): {batched_s:6.2f} s")
            print(f"latency, per path: {len(instances)} QueryPerf, {service.perf_concurrency} "
                  f"at a time: {per_path_s:6.2f} s (x{per_path_s / batched_s:.0f} batched)")
            print(f"latency, per path, one after another: {sequential_s:6.2f} s "
                  f"(x{sequential_s / batched_s:.0f} batched)")
            # fmt: on
        finally:
            await manager.close()
    finally:
        pipe.send("stop")
        proc.join(20)
        vcsim.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--luns", type=int, default=5, help="LUNs per host")
    parser.add_argument("--paths", type=int, default=4, help="paths per LUN")
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
