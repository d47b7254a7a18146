"""Path MTU search vs the manual decrement, and a 20-host matrix on a black-holed WAN.

1. Rounds and probes over every path MTU 68..9000 (step --step) on modelled paths, for k=1
   (one probe at a time) and k=8, next to the bounds: ceil(log2(range)) + 2 and 5 rounds.
2. One lab path (vmk MTU 9000 -> black-holed 1280 WAN, 1 s timeout): the search over real SSH
   next to the manual procedure (vmkping -d -s 8972, then one size step lower per probe until a
   reply), simulated on the same modelled path with the same timeout.
3. 20 hosts x 2 vmks x 2 targets behind the black hole: the whole matrix next to the slowest
   single pair, over real SSH to the lab and through the lab vCenter (esxcli network diag ping
   over the vSphere API), 1 s probe timeout, 8 channels per host: the old way (one probe per
   exec, pairs taking turns) beside the new (probes batched per exec / pings concurrent; over
   the API also the concurrent pings each in a worker thread on pyVmomi's connection, as every
   other esxcli call goes, beside the console's way: from the event loop, run first, when the
   lab vCenter opens its links to the host agents for a round of 640, and again after the
   threads, links warm for both ways), with
   the most SSH sessions any host had open at once, counted by the lab's SSH server, and the
   CPU seconds each side spent over the matrix's run (the console; the lab hosts' process, SSH
   servers and API agent; the lab vCenter): on a busy machine the evidence that does not move
   with the load, where the time does. `--tls`: the lab vCenter on HTTPS (as a real one), its
   self-signed certificate pinned.

    .venv/bin/python bench/bench_mtu.py [--hosts 20] [--no-api] [--tls] [--step 1] [--manual-step 1]

Where the CPU of the matrix's new ways goes, console and lab (phases `matrix-ssh`, `matrix-api`):

    .venv/bin/python bench/where_cpu.py --phase matrix-ssh -- bench/bench_mtu.py
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def blackhole_scenario(hosts: int):  # type: ignore[no-untyped-def]
    from vconsole.lab.scenario import ExtraTarget, Host, Scenario, Site, Vmk

    return Scenario(
        name="bench-mtu",
        sites=(
            Site("HQ", hq=True, wan_mtu=9000),
            Site("BH", wan_mtu=1280, icmp_blackhole=True, latency_ms=10),
        ),
        hosts=tuple(
            Host(
                name=f"esx-bh-{i + 1:02d}",
                site="BH",
                cluster="BH",
                vmks=(
                    Vmk("vmk0", f"10.5.10.{10 + i}", mtu=1500, services=("management",)),
                    Vmk("vmk1", f"10.5.20.{10 + i}", mtu=9000, services=("vsan",)),
                ),
            )
            for i in range(hosts)
        ),
        targets=(
            ExtraTarget("vcsa01", "10.0.10.5", "HQ"),
            ExtraTarget("witness", "10.0.30.50", "HQ"),
        ),
    )


async def rounds_table(step: int) -> None:
    from vconsole.lab.scenario import PathInfo
    from vconsole.services.mtu_probe import modelled_probe
    from vconsole.services.mtu_search import SearchSettings, find_path_mtu

    mtus = sorted({*range(68, 9001, step), 1500, 9000, 1280, 1400, 1600})
    print(f"1. search rounds over {len(mtus)} path MTUs in 68..9000 (vmk MTU 9000, black hole)")
    print(f"   {'k':>3}  {'max rounds':>10}  {'bound':>5}  {'mean probes':>11}  {'max probes':>10}")
    for k, bound in ((1, math.ceil(math.log2(9000 - 68)) + 2), (4, None), (6, None), (8, 5)):
        worst = probes = most = 0
        for mtu in mtus:
            path = PathInfo(True, mtu, 9000, True, ())
            probe = modelled_probe(path, count=1 if k == 1 else 2, sleep=False)
            r = await find_path_mtu(probe, SearchSettings(parallel=k), vmk_mtu=9000)
            assert r.path_mtu == mtu, (k, mtu, r.path_mtu)
            worst, probes, most = max(worst, r.rounds), probes + r.probes, max(most, r.probes)
        shown = str(bound) if bound else "-"
        print(f"   {k:>3}  {worst:>10}  {shown:>5}  {probes / len(mtus):>11.1f}  {most:>10}")


async def manual_decrement(path, timeout_s: float, step: int) -> tuple[int, float, int]:  # type: ignore[no-untyped-def]
    """The admin's way: -s 8972 and one step lower per probe until one replies (virtual clock)."""
    from vconsole.models.mtu import ProbeKind
    from vconsole.services.mtu_probe import modelled_probe

    probe = modelled_probe(path, timeout_s=timeout_s, count=1, sleep=False)
    size, probes, spent = 8972, 0, 0.0
    while size >= 0:
        out = await probe(size)
        probes += 1
        spent += out.duration_s
        if out.kind is ProbeKind.REPLY:
            return probes, spent, size + 28
        size -= step
    return probes, spent, 0


def _serve_lab(scenario, state_dir: Path, conn, stop, with_vcsim: bool, tls: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Child process: the lab lives apart from the console, as real hosts would.

    It answers "peaks" with the most SSH sessions each host had open at once since the last ask,
    and "cpu" with the CPU seconds the lab hosts (this process) and the lab vCenter have used.
    """
    with served_lab(scenario, state_dir, conn, with_vcsim, tls) as runtime:
        gauges = runtime.parts["esxi"].sessions
        vcsim = runtime.parts.get("vcsim")
        while not stop.is_set():
            if not conn.poll(0.2):
                continue
            ask = conn.recv()
            if ask == "peaks":
                conn.send({h: (g.peak, g.total) for h, g in gauges.items()})
                for g in gauges.values():
                    g.reset_peak()
            elif ask == "cpu":
                conn.send((_cpu_s(), _cpu_s(vcsim.pid) if vcsim and vcsim.pid else 0.0))


@contextlib.contextmanager
def served_lab(scenario, state_dir: Path, conn, with_vcsim: bool = True, tls: bool = False):  # type: ignore[no-untyped-def]
    """The lab started in this (child) process, its config's path sent on `conn`; stopped after."""
    from vconsole.lab.labfiles import write_lab_files
    from vconsole.lab.runtime import LabRuntime

    runtime = LabRuntime(
        scenario,
        state_dir,
        with_vcsim=with_vcsim,
        with_vcd=False,
        with_bitfusion=False,
        vcenter_tls=tls,
    )
    services = runtime.start()
    try:
        write_lab_files(
            state_dir, services, scenario_name=scenario.name, pid=os.getpid(), real_network=False
        )
        conn.send(str(state_dir / "lab.toml"))
        yield runtime
    finally:
        runtime.stop()


def _cpu_s(pid: int | None = None) -> float:
    """CPU seconds (user + system) of this process, or of process `pid` from /proc."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _manager(config: str, profile_name: str, workers: int):  # type: ignore[no-untyped-def]
    """A manager as `vconsole mtu` builds one for a lab profile: 8 channels per host, hosts from
    vCenter if asked."""
    from vconsole.commands.common import resolve_profile
    from vconsole.sessions import SessionManager
    from vconsole.sessions.clisupport import with_hosts

    profile = await asyncio.to_thread(with_hosts, resolve_profile(config, profile_name))
    return SessionManager(profile, per_host_limit=8, max_workers=workers)


class CallLog:
    """Every `manager.run` of one matrix: how many were in flight at once, how long each took
    from the caller's side, and how much of that the host itself spent (the evidence of what
    bounds a matrix: waiting for a slot, or the probes)."""

    def __init__(self, manager) -> None:  # type: ignore[no-untyped-def]
        self.manager, self.original = manager, manager.run
        self.now = self.peak = self.threads = 0
        self.calls: list[tuple[float, float]] = []

        async def run(host, command, *, timeout=None):  # type: ignore[no-untyped-def]
            t0 = time.monotonic()
            self.now += 1
            self.peak = max(self.peak, self.now)
            try:
                result = await self.original(host, command, timeout=timeout)
            finally:
                self.now -= 1
            self.calls.append((time.monotonic() - t0, result.duration_s))
            self.threads = max(self.threads, threading.active_count())
            return result

        manager.run = run

    def stop(self) -> None:
        self.manager.run = self.original

    def summary(self) -> str:
        if not self.calls:
            return "no calls"
        whole = sorted(c[0] for c in self.calls)
        inner = sorted(c[1] for c in self.calls)
        mid = len(whole) // 2
        return (
            f"{len(self.calls)} calls, at most {self.peak} in flight; per call median/max "
            f"{whole[mid]:.2f}/{whole[-1]:.2f}s awaited, {inner[mid]:.2f}/{inner[-1]:.2f}s answering;"
            f" console threads at most {self.threads}"
        )


@contextlib.contextmanager
def pings_in_threads():  # type: ignore[no-untyped-def]
    """The pings sent as every other esxcli call is (and as they were before): pyVmomi's
    http.client connection, one worker thread per call in flight."""
    from vconsole.sessions.vcenter import VimConnection
    from vconsole.vim import esxcli as wire

    async def post(self, body, read, what):  # type: ignore[no-untyped-def]
        def send(stub):  # type: ignore[no-untyped-def]
            return wire.execute_answer(wire.post_body(stub, body))

        return await self.call(send, self.si._stub, what=what)

    loop_post = VimConnection.post
    VimConnection.post = post  # type: ignore[method-assign]
    try:
        yield
    finally:
        VimConnection.post = loop_post  # type: ignore[method-assign]


def matrix_tests(hosts: list[str]) -> list[Any]:
    """The matrix every MTU bench times: each host's vmk0 and vmk1 to vCenter and the witness."""
    from vconsole.models.mtu import MtuTest

    return [
        MtuTest(h, t, vmk=v)
        for h in hosts
        for v in ("vmk0", "vmk1")
        for t in ("10.0.10.5", "10.0.30.50")
    ]


def spread(values: list[float], digits: int = 2, count: bool = False) -> str:
    """Median/p90/max of `values` ("-" for none), with how many on request."""
    if not values:
        return "-"
    v = sorted(values)
    text = "/".join(f"{x:.{digits}f}" for x in (v[len(v) // 2], v[int(len(v) * 0.9)], v[-1]))
    return f"{text} (n={len(v)})" if count else text


def _load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


async def _timed(service, tests):  # type: ignore[no-untyped-def]
    plan = await service.prepare(tests)
    t0 = time.monotonic()
    results = await service.run(plan)
    return time.monotonic() - t0, results


async def lab_part(args: argparse.Namespace, tmp: Path) -> None:
    import multiprocessing

    from bench_api_hosts import phase  # `matrix-ssh` / `matrix-api` for bench/where_cpu.py

    from vconsole.lab.vcsim import vcsim_unavailable
    from vconsole.models.mtu import MtuTest
    from vconsole.services.mtu import MtuService, RunSettings
    from vconsole.services.mtu_probe import modelled_probe
    from vconsole.services.mtu_search import SearchSettings, find_path_mtu

    scenario = blackhole_scenario(args.hosts)
    one = scenario.hosts[0].name
    path = scenario.path(one, "vmk1", "10.0.10.5")
    why_no_api = "--no-api" if args.no_api else vcsim_unavailable()
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    stop = ctx.Event()
    proc = ctx.Process(
        target=_serve_lab,
        args=(scenario, tmp / "lab", child, stop, not why_no_api, args.tls),
        daemon=True,
    )
    proc.start()
    config = parent.recv()
    managers = []
    try:
        manager = await _manager(config, "lab", args.workers)
        managers.append(manager)
        service = MtuService(manager, settings=RunSettings(timeout_s=1.0))
        hosts = [h.name for h in scenario.hosts]
        await asyncio.gather(*(service.discover(h) for h in hosts))  # SSH handshakes, warm
        print("\n2. one pair: vmk1 (MTU 9000) -> vCenter over a black-holed 1280 WAN, 1 s timeout")
        plan = await service.prepare([MtuTest(one, "10.0.10.5", vmk="vmk1")])
        t0 = time.monotonic()
        (res,) = await service.run(plan)
        wall = time.monotonic() - t0
        virtual = await find_path_mtu(
            modelled_probe(path, timeout_s=1.2, count=2, sleep=False), SearchSettings(), 9000
        )
        vtime = sum(
            max(e.duration_s for e in virtual.evidence if e.round == r)
            for r in range(1, virtual.rounds + 1)
        )
        m_probes, m_time, m_mtu = await manual_decrement(path, 1.0, args.manual_step)
        print(f"   {'way':<34} {'path MTU':>8} {'probes':>7} {'rounds':>6} {'time':>10}  {_load()}")
        print(
            f"   {'k-ary search over SSH (measured)':<34} {res.path_mtu:>8} {res.probes:>7} {res.rounds:>6} {wall:>9.2f}s"
        )
        print(
            f"   {'k-ary search (modelled clock)':<34} {virtual.path_mtu:>8} {virtual.probes:>7} {virtual.rounds:>6} {vtime:>9.2f}s"
        )
        label = f"manual, -{args.manual_step} per probe (modelled)"
        print(f"   {label:<34} {m_mtu:>8} {m_probes:>7} {m_probes:>6} {m_time:>9.0f}s")

        tests = matrix_tests(hosts)
        print(
            f"\n3. matrix: {args.hosts} hosts x 2 vmks x 2 targets behind the black hole, 1 s timeout,"
            " 8 channels per host"
        )
        ways = [("ssh", "lab", manager)]
        if why_no_api:
            print(f"   (the API path is skipped: {why_no_api})")
        else:
            api = await _manager(config, "lab-vcenter", args.workers)
            managers.append(api)
            ways.append(("api", "lab-vcenter", api))
        print(
            f"   {'path':<4} {'way':<38} {'probes':>6} {'execs':>6} {'sessions':>8} {'time':>7} {'vs slowest':>10} {'wrong':>5}  load"
        )
        for via, _, mgr in ways:
            single = MtuService(mgr, settings=RunSettings(timeout_s=1.0))
            await asyncio.gather(*(single.discover(h) for h in hosts))  # connect, warm
            singles = []
            for vmk in ("vmk0", "vmk1"):
                for target in ("10.0.10.5", "10.0.30.50"):
                    took, (r,) = await _timed(single, [MtuTest(one, target, vmk=vmk)])
                    singles.append((took, f"{vmk}->{target}", r.path_mtu))
            slowest = max(singles)
            parent.send("peaks")
            parent.recv()  # the singles' sessions do not count towards the matrix's peak
            print(
                f"   {via:<4} {'slowest single pair alone (' + slowest[1] + ')':<38} {'':>6} {'':>6} {'':>8} {slowest[0]:>6.2f}s {1:>9.2f}x {'':>5}  {_load()}"
            )
            variants = [
                (
                    "old: 1 probe per "
                    + ("exec" if via == "ssh" else "call")
                    + ", pairs take turns",
                    RunSettings(timeout_s=1.0, channels_per_host=8, batch=False),
                    False,
                ),
                (
                    "new: " + ("batched execs" if via == "ssh" else "concurrent diag ping"),
                    RunSettings(timeout_s=1.0, channels_per_host=8),
                    False,
                ),
            ]
            if via == "api":  # after the event loop's run: the threads it starts outlive it
                # The first round of 640 pings has the lab vCenter open its links to the host
                # agents (the matrix before it had 120 in flight): whichever way runs first
                # pays for them. The event loop runs again after the threads, links warm for both.
                variants += [
                    (
                        "concurrent, a worker thread per call",
                        RunSettings(timeout_s=1.0, channels_per_host=8),
                        True,
                    ),
                    (
                        "concurrent diag ping, links warm",
                        RunSettings(timeout_s=1.0, channels_per_host=8),
                        False,
                    ),
                ]
            for label, settings, threaded in variants:
                matrix_service = MtuService(mgr, settings=settings)
                # the hosts' read (prepare) apart: the CPU line and the execs are the run's own
                plan = await matrix_service.prepare(tests)
                parent.send("peaks")
                read = parent.recv()
                opened = sum(total for _, total in read.values())
                calls = CallLog(mgr)
                parent.send("cpu")
                lab_cpu, console_cpu = parent.recv(), _cpu_s()
                t0 = time.monotonic()
                marked = (
                    phase(f"matrix-{via}") if label.startswith("new") else contextlib.nullcontext()
                )
                with marked, pings_in_threads() if threaded else contextlib.nullcontext():
                    results = await matrix_service.run(plan)
                took = time.monotonic() - t0
                parent.send("cpu")
                lab_after, console_after = parent.recv(), _cpu_s()
                calls.stop()
                parent.send("peaks")
                seen = parent.recv()
                execs = sum(total for _, total in seen.values()) - opened
                seen = {h: (max(p, read[h][0]), t) for h, (p, t) in seen.items()}
                wrong = sum(1 for r in results if r.path_mtu != 1280)
                probes = sum(r.probes for r in results)
                print(
                    f"   {via:<4} {label:<38} {probes:>6} {execs or '-':>6} {max(p for p, _ in seen.values()):>8} {took:>6.2f}s {took / slowest[0]:>9.2f}x {wrong:>5}  {_load()}"
                )
                rounds = max((r.rounds for r in results), default=0)
                print(f"        {calls.summary()}; at most {rounds} search rounds per pair")
                print(
                    f"        CPU during the matrix (its run, not the hosts' read): console"
                    f" {console_after - console_cpu:.2f}s,"
                    f" lab hosts {lab_after[0] - lab_cpu[0]:.2f}s,"
                    f" lab vCenter {lab_after[1] - lab_cpu[1]:.2f}s"
                )
    finally:
        for mgr in managers:
            await mgr.close()
        stop.set()
        proc.join(20)


def scratch(prefix: str) -> Path:
    """A new temporary directory, the console's state and config kept in it."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("VCONSOLE_STATE_DIR", str(tmp / "state"))
    os.environ.setdefault("VCONSOLE_CONFIG_DIR", str(tmp / "cfg"))
    return tmp


async def main(args: argparse.Namespace) -> None:
    tmp = scratch("bench-mtu-")
    await rounds_table(args.step)
    await lab_part(args, tmp)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--no-api", action="store_true", help="skip the path through vCenter")
    parser.add_argument(
        "--tls", action="store_true", help="the lab vCenter on HTTPS, its certificate pinned"
    )
    parser.add_argument("--workers", type=int, default=700, help="session manager I/O threads")
    parser.add_argument("--step", type=int, default=7, help="MTU step for the rounds table")
    parser.add_argument("--manual-step", type=int, default=1, help="bytes per manual probe")
    asyncio.run(main(parser.parse_args()))
