"""Where an API MTU matrix's pings wait: a timeline of every request, console and lab side.

bench_mtu.py's API matrix (hosts x 2 vmks x 2 targets behind a black hole, 1 s timeout, pings
from the event loop) on a lab of its own, cold then warm on one session. Per request it stamps
the console's call, its new connection (connect, and over `--tls` the handshake), the send and
the answer; on the lab side each connection the host agents accept and each call they serve;
and it counts the kernel's listen-queue overflows and SYN retransmits over the run (machine-wide
counters: another process's drops count too). Spreads are median/p90/max seconds.

    .venv/bin/python bench/bench_mtu_timeline.py [--tls] [--runs 2] [--hosts 20]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_mtu import (
    _load,
    _manager,
    blackhole_scenario,
    matrix_tests,
    scratch,
    served_lab,
    spread,
)  # noqa: E402


def _tcp_counters() -> tuple[int, int]:
    """The kernel's listen-queue overflows and SYN retransmits so far (/proc/net/netstat)."""
    lines = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines()]
    fields = dict(zip(lines[0], lines[1], strict=True))
    return int(fields["ListenOverflows"]), int(fields["TCPSynRetrans"])


def _serve(scenario: Any, state_dir: Path, conn: Any, stop: Any, tls: bool) -> None:
    """Child process: the lab, its host agents stamping each accepted connection and each call;
    answers any ask with the stamps since the last one."""
    from vconsole.lab.esxi import agent

    calls: list[tuple[float, float]] = []
    accepts: list[float] = []
    handle, process = agent.HostAgents.handle, agent._Server.process_request

    def stamped(self: Any, path: str, headers: Any, rfile: Any) -> Any:
        began = time.time()
        try:
            return handle(self, path, headers, rfile)
        finally:
            calls.append((began, time.time()))

    def accepted(self: Any, request: Any, address: Any) -> None:
        accepts.append(time.time())
        process(self, request, address)

    agent.HostAgents.handle = stamped  # type: ignore[method-assign]
    agent._Server.process_request = accepted  # type: ignore[method-assign]
    with served_lab(scenario, state_dir, conn, True, tls):
        while not stop.is_set():
            if conn.poll(0.2):
                conn.recv()
                conn.send((calls[:], accepts[:]))
                calls.clear()
                accepts.clear()


def _stamp_console() -> list[dict[str, float]]:
    """Each `AsyncSoapPool.post` from now on stamped: call, connect start/end, send, done."""
    from vconsole.vim.async_soap import AsyncSoapPool as Pool

    stamps: list[dict[str, float]] = []
    current: dict[object, dict[str, float]] = {}
    post, open_, exchange = Pool.post, Pool._open, Pool._exchange

    async def stamped_post(self: Pool, body: bytes, headers: dict[str, str]) -> Any:
        row = {"call": time.time()}
        stamps.append(row)
        current[asyncio.current_task()] = row
        try:
            return await post(self, body, headers)
        finally:
            row["done"] = time.time()
            current.pop(asyncio.current_task(), None)

    async def stamped_open(self: Pool) -> Any:
        row = current.get(asyncio.current_task(), {})
        row["connect"] = time.time()
        stream = await open_(self)
        row["connected"] = time.time()
        return stream

    async def stamped_exchange(self: Pool, stream: Any, request: bytes) -> Any:
        current.get(asyncio.current_task(), {})["send"] = time.time()
        return await exchange(self, stream, request)

    Pool.post, Pool._open, Pool._exchange = stamped_post, stamped_open, stamped_exchange  # type: ignore[method-assign]
    return stamps


async def main(args: argparse.Namespace) -> None:
    from vconsole.services.mtu import MtuService, RunSettings

    tmp = scratch("bench-mtu-timeline-")
    scenario = blackhole_scenario(args.hosts)
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    stop = ctx.Event()
    lab = ctx.Process(target=_serve, args=(scenario, tmp / "lab", child, stop, args.tls))
    lab.start()
    config = parent.recv()
    stamps = _stamp_console()
    print(
        f"API matrix: {args.hosts} hosts x 2 vmks x 2 targets, black hole, 1 s timeout, pings"
        f" from the event loop; lab vCenter on {'HTTPS' if args.tls else 'plain HTTP'};"
        " seconds median/p90/max, k-th = the k-th earliest of each side"
    )
    try:
        manager = await _manager(config, "lab-vcenter", 700)
        hosts = [h.name for h in scenario.hosts]
        tests = matrix_tests(hosts)
        for run in range(args.runs):
            service = MtuService(manager, settings=RunSettings(timeout_s=1.0, channels_per_host=8))
            plan = await service.prepare(tests)
            parent.send("x")
            parent.recv()
            stamps.clear()
            before, t0 = _tcp_counters(), time.time()
            results = await service.run(plan)
            took, after = time.time() - t0, _tcp_counters()
            parent.send("x")
            served, accepts = parent.recv()
            new = [r for r in stamps if "connected" in r]
            sends = sorted(r.get("send", r["call"]) - t0 for r in stamps)
            starts = sorted(b - t0 for b, _ in served)
            ends = sorted(e - t0 for _, e in served)
            dones = sorted(r["done"] - t0 for r in stamps if "done" in r)
            wrong = sum(1 for r in results if r.path_mtu != 1280)
            print(
                f"  run {run} ({'cold' if run == 0 else 'warm'}): {took:.2f}s, {len(stamps)} calls,"
                f" {len(new)} new connections, {wrong} wrong; listen overflows"
                f" {after[0] - before[0]}, SYN retransmits {after[1] - before[1]}  {_load()}"
            )
            rows = [
                ("console call starts", [r["call"] - t0 for r in stamps]),
                ("new connection (connect+TLS)", [r["connected"] - r["connect"] for r in new]),
                ("console call, whole", [r["done"] - r["call"] for r in stamps if "done" in r]),
                ("agent accepts", [a - t0 for a in accepts]),
                ("agent call starts", starts),
                ("in the agent", [e - b for b, e in served]),
                (
                    "send -> agent start (k-th)",
                    [a - s for s, a in zip(sends, starts, strict=False)],
                ),
                ("agent end -> answer (k-th)", [d - e for e, d in zip(ends, dones, strict=False)]),
            ]
            for name, values in rows:
                print(f"    {name:<30} {spread(values, 3, count=True)}")
        await manager.close()
    finally:
        stop.set()
        lab.join(20)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=2, help="matrices on one session")
    parser.add_argument("--tls", action="store_true", help="the lab vCenter on HTTPS")
    asyncio.run(main(parser.parse_args()))
