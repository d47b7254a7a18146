"""Where an MTU matrix's pings spend their time on the way through the lab vCenter.

The matrix of `bench_mtu.py` (hosts x 2 vmks x 2 targets behind a black-holed WAN, 1 s timeout)
over the API only, on two labs in turn: the old relay (a new connection per relayed call from
the lab vCenter to the host agent, HTTP/1.0 at the agent, pyVmomi's default pool of 5 at the
console) and the new one (kept-alive connections at both hops, a pool as wide as a round).
Per call it stamps each hop: when the console's worker starts the POST, when the host agent
starts and ends the call, when the answer is back in the console; and it prints the CPU seconds
of the console, the lab hosts' process (agents and SSH servers) and the lab vCenter.

    .venv/bin/python bench/bench_mtu_relay.py [--hosts 20] [--runs 2] [--pprof]

`--pprof` also prints where the lab vCenter's CPU went during the new relay's last matrix (Go's
CPU profiler, `go tool pprof -top`).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_mtu import _cpu_s, _load, _manager, blackhole_scenario, served_lab, spread  # noqa: E402

OLD_ENV = "VCONSOLE_LAB_RELAY_CONNECTION_PER_CALL"


def _serve(scenario: Any, state_dir: Path, conn: Any, stop: Any, old: bool, pprof: str) -> None:
    """Child process: the lab, its agents stamping each call; answers "x" with the stamps since
    the last ask and the CPU seconds of this process and of the lab vCenter."""
    from vconsole.lab.esxi import agent

    stamps: list[tuple[float, float]] = []
    handle = agent.HostAgents.handle

    def stamped(self: Any, path: str, headers: Any, rfile: Any) -> Any:
        began = time.time()
        try:
            return handle(self, path, headers, rfile)
        finally:
            stamps.append((began, time.time()))

    agent.HostAgents.handle = stamped  # type: ignore[method-assign]
    if old:
        agent.PROTOCOL = "HTTP/1.0"
        os.environ[OLD_ENV] = "1"
    if pprof:
        os.environ["VCONSOLE_VCSIM_PPROF"] = pprof
    with served_lab(scenario, state_dir, conn) as runtime:
        vcsim = runtime.parts["vcsim"].pid
        while not stop.is_set():
            if conn.poll(0.2):
                conn.recv()
                conn.send((stamps[:], _cpu_s(), _cpu_s(vcsim)))
                stamps.clear()


async def one_lab(args: argparse.Namespace, tmp: Path, old: bool) -> None:
    import vconsole.sessions.vcenter as vcenter
    import vconsole.vim.esxcli as wire
    from vconsole.models.mtu import MtuTest
    from vconsole.services.mtu import MtuService, RunSettings

    scenario = blackhole_scenario(args.hosts)
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    stop = ctx.Event()
    pprof = f"127.0.0.1:{_free_port()}" if args.pprof and not old else ""
    proc = ctx.Process(target=_serve, args=(scenario, tmp, child, stop, old, pprof), daemon=True)
    proc.start()
    config = parent.recv()
    pool, post = vcenter.POOL_SIZE, wire.post_body
    calls: list[tuple[float, float]] = []

    def stamped_post(*a: Any, **kw: Any) -> Any:
        began = time.time()
        try:
            return post(*a, **kw)
        finally:
            calls.append((began, time.time()))

    vcenter.POOL_SIZE = 5 if old else pool
    wire.post_body = stamped_post
    manager = await _manager(config, "lab-vcenter", args.workers)
    label = "old: connection per call, pool 5" if old else "new: kept-alive, pool per round"
    try:
        hosts = [h.name for h in scenario.hosts]
        service = MtuService(manager, settings=RunSettings(timeout_s=1.0, channels_per_host=8))
        await asyncio.gather(*(service.discover(h) for h in hosts))
        tests = [
            MtuTest(h, t, vmk=v)
            for h in hosts
            for v in ("vmk0", "vmk1")
            for t in ("10.0.10.5", "10.0.30.50")
        ]
        plan = await service.prepare(tests)
        for run in range(args.runs):
            parent.send("x")
            _, lab0, vc0 = parent.recv()
            con0 = _cpu_s()
            profiling = _profile(pprof, tmp / "vcsim.pprof") if run == args.runs - 1 else None
            calls.clear()
            t0 = time.time()
            results = await service.run(plan)
            took = time.time() - t0
            parent.send("x")
            stamps, lab1, vc1 = parent.recv()
            con1 = _cpu_s()
            mine = [c for c in calls if c[0] >= t0]
            agent = [s for s in stamps if s[0] >= t0]
            sent = sorted(c[0] - t0 for c in mine)
            began = sorted(s[0] - t0 for s in agent)
            ended = sorted(s[1] - t0 for s in agent)
            back = sorted(c[1] - t0 for c in mine)
            n = min(len(sent), len(began))
            wrong = sum(1 for r in results if r.path_mtu != 1280)
            print(
                f"   {label:<34} run {run + 1}: {took:.2f}s, {len(mine)} calls, {wrong} wrong;"
                f" CPU console {con1 - con0:.2f}s, lab hosts {lab1 - lab0:.2f}s,"
                f" lab vCenter {vc1 - vc0:.2f}s  {_load()}"
            )
            print(
                "      median/p90/max s: console posts "
                + spread(sent)
                + ", agent starts "
                + spread(began)
                + ", in agent "
                + spread([e - b for b, e in agent])
                + ", post->agent (k-th) "
                + spread([began[i] - sent[i] for i in range(n)])
                + ", agent->console (k-th) "
                + spread([back[i] - ended[i] for i in range(min(len(back), len(ended)))])
            )
            if profiling is not None:
                profiling.join()
                _print_profile(tmp / "vcsim.pprof")
    finally:
        await manager.close()
        vcenter.POOL_SIZE, wire.post_body = pool, post
        stop.set()
        proc.join(20)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _profile(pprof: str, out: Path) -> threading.Thread | None:
    """Go's CPU profile of the lab vCenter over the next 3 s, written to `out` (a thread)."""
    if not pprof:
        return None

    def fetch() -> None:
        url = f"http://{pprof}/debug/pprof/profile?seconds=3"
        with urllib.request.urlopen(url, timeout=30) as answer:
            out.write_bytes(answer.read())

    thread = threading.Thread(target=fetch)
    thread.start()
    return thread


def _print_profile(path: Path) -> None:
    top = ["go", "tool", "pprof", "-top", "-nodecount=25", str(path)]
    shown = subprocess.run(top, capture_output=True, text=True, timeout=120)
    print("      lab vCenter CPU profile (go tool pprof -top):")
    for line in (shown.stdout or shown.stderr).splitlines():
        print("        " + line)


async def main(args: argparse.Namespace) -> None:
    from vconsole.lab.vcsim import vcsim_unavailable

    if why := vcsim_unavailable():
        print(f"the lab vCenter is unavailable: {why}")
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    os.environ.setdefault("VCONSOLE_STATE_DIR", str(tmp / "state"))
    os.environ.setdefault("VCONSOLE_CONFIG_DIR", str(tmp / "cfg"))
    print(
        f"API matrix: {args.hosts} hosts x 2 vmks x 2 targets behind a black hole, 1 s timeout;"
        " times from the start of the matrix, k-th = k-th earliest of each side"
    )
    for old in (True, False):
        await one_lab(args, tmp / ("old" if old else "new"), old)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=2, help="matrices per lab (first warms up)")
    parser.add_argument("--workers", type=int, default=700, help="session manager I/O threads")
    parser.add_argument("--pprof", action="store_true", help="profile the lab vCenter's CPU")
    asyncio.run(main(parser.parse_args()))
