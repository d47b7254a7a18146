"""1,000 hosts over SSH and through vCenter (esxcli over the vSphere API), each beside a loop.

The lab (vcsim, one SSH server per host, the esxcli agents vCenter relays to) runs from
`generate_scenario(hosts, luns_per_host, paths_per_lun)` in a child process, as a real estate is
other machines. For each way in to the hosts, in this one run:
1. LACP refresh of every host (the pane's service), each host's warm commands in one batched
   exec (through vCenter: its calls made by one pool thread in one hand-off), then again one exec
   (or call) per command: cold (logins, handshakes, `config get`), warm (best
   and worst of `--warm`) with console and lab CPU-s; then the sequential loop: host after
   host, command after command. `--lacp-only` stops there.
2. Multipathing refresh of every host and path (SSH/API commands + vCenter layout + batched
   QueryPerf): cold, warm (back to back: no host has a newer sample, QueryPerf is skipped, and
   a host whose answers are the same keeps its rows), the same with every host joined anew,
   `--cadence` more, each 20 s after the last (the pane's cadence: a new sample per host,
   QueryPerf for all; their median is printed), and another
   20 s after that with QueryPerf read the old way (pyVmomi's deserializer), over SSH another
   20 s later with the layout's commands an exec each (as before they shared one), through the
   API another with every esxcli answer parsed (as before an unchanged one was kept), then the
   sequential loop (each host's four commands and its QueryPerf one after another). The loops
   time `--seq-hosts` hosts and scale to all of them.
3. QueryPerf alone for every host, 50 hosts a call, one call at a time: the console's reader
   (csv and normal format) beside pyVmomi's, for one new sample per host (the cadence) and for
   15 (a first read): CPU-s here and in the lab, scaled to 1,000 hosts.
4. MTU search for one pair through the API beside SSH.
The session manager is built as the console builds it (default workers and fan-out limit).

    .venv/bin/python bench/bench_api_hosts.py [--hosts 1000] [--luns 5] [--paths 4] [--warm 2]
        [--seq-hosts 20] [--perf-rounds 3] [--cadence 3] [--only ssh|api] [--lacp-only]
        [--paths-only] [--profile FILE] [--census]

`--paths-only` runs step 2's refreshes alone (no LACP, loops, QueryPerf alone or MTU); without
`--only`, the SSH way's first, then the API way's in the same process, as the full run has them.
Each warm refresh's line gives the collector's CPU-s in it (full collections apart) and the
objects it tracks, then the CPU-s of the full collection the refreshes deferred to the idle
collector (`gc_pause.defer_full_collection`), run and timed right after them, where it now falls; each way starts by printing the objects earlier parts of the run left.
`--census`: the objects each way left once its session closed, by type (`--hosts 300 --lacp-only`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import multiprocessing
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gc_clock import GcClock, census, grown  # noqa: E402  (bench/ is on the path when run as a script)

from vconsole.vim import gc_pause  # noqa: E402

LAB_PID = [0]  # the lab's child process, once started
REALTIME_S = 20  # vCenter's realtime sample interval
WAYS = {"ssh": ("SSH (lab, hosts listed)", "lab"), "api": ("API (lab-vcenter)", "lab-vcenter")}


def serve_lab(hosts: int, luns: int, paths: int, where: str, conn: Any) -> None:
    """Child process: the generated lab, its files written, until the parent says stop."""
    from vconsole.lab.labfiles import write_lab_files
    from vconsole.lab.runtime import LabRuntime
    from vconsole.lab.scenario import generate_scenario

    scenario = generate_scenario(hosts=hosts, vms=hosts, luns_per_host=luns, paths_per_lun=paths)
    runtime = LabRuntime(scenario, Path(where), with_vcd=False, with_bitfusion=False)
    try:
        services = runtime.start()
        write_lab_files(
            Path(where), services, scenario_name=scenario.name, pid=os.getpid(), real_network=False
        )
        conn.send("up")
        conn.recv()
    finally:
        runtime.stop()


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


async def manager_for(config: Path, name: str) -> tuple[Any, float]:
    from vconsole.config import load_config
    from vconsole.sessions.discovery import discover_profile
    from vconsole.sessions.manager import SessionManager

    profile = load_config(config).profile(name)
    manager = SessionManager(profile)
    started = time.perf_counter()
    if profile.hosts is not None:
        await discover_profile(manager)
    return manager, time.perf_counter() - started


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children, from /proc."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    """Marks a phase on stderr for bench/where_cpu.py (`--phase`), when it asks for marks."""
    marks = bool(os.environ.get("BENCH_PHASE_MARKS"))
    if marks:
        print(f"@bench-phase begin {name}", file=sys.stderr, flush=True)
        time.sleep(0.3)  # the sampler attaches before the phase's work starts
    try:
        yield
    finally:
        if marks:
            print(f"@bench-phase end {name}", file=sys.stderr, flush=True)


async def timed_refreshes(
    service: Any, warm: int, cold: bool = True, name: str = "warm"
) -> tuple[float, list[float], Any, str]:
    """Cold and warm wall times, and the CPU the warm refreshes took here and in the lab;
    `name`: the phase where_cpu.py samples (the console's way `warm`, the others `naive`)."""
    started = time.perf_counter()
    report = await service.refresh() if cold else service.last
    cold_s = time.perf_counter() - started
    times = []
    gc_pause.collect_deferred()  # what the cold refresh (or the last one timed) deferred
    with phase(name), GcClock() as clock:
        here, there = time.process_time(), tree_cpu(LAB_PID[0])
        for _ in range(warm):
            started = time.perf_counter()
            report = await service.refresh()
            times.append(time.perf_counter() - started)
        here, there = time.process_time() - here, tree_cpu(LAB_PID[0]) - there
    # the full collection the refreshes deferred to the idle collector, timed where it now runs
    tracked, spent = len(gc.get_objects()), time.process_time()
    gc_pause.collect_deferred()
    spent = time.process_time() - spent
    cpu = (
        f"CPU per warm refresh: console {here / warm:.2f} s, lab {there / warm:.2f} s; "
        f"{clock.line(warm)}; then the deferred full collection (idle collector's, after "
        f"these {warm}): {spent:.2f} CPU-s over {tracked / 1e6:.2f} M tracked"
    )
    return cold_s, times, report, cpu


class Rebuilt:
    """The paths service with every host joined anew at each refresh: the naive way, no host's
    rows kept when its answers are the same as the last refresh's."""

    def __init__(self, service: Any) -> None:
        self.service = service

    @property
    def last(self) -> Any:
        return self.service.last

    async def refresh(self) -> Any:
        self.service._joins = {}
        return await self.service.refresh()


async def lacp_loop(manager: Any, hosts: list[str]) -> float:
    from vconsole.esx.lacp import READ_COMMANDS, parse_config, parse_stats, parse_status

    started = time.perf_counter()
    for host in hosts:
        outs = [await manager.run(host, command) for command in READ_COMMANDS]
        parse_status(outs[0].stdout)
        parse_stats(outs[1].stdout)
        parse_config(outs[2].stdout)
    return time.perf_counter() - started


async def paths_loop(manager: Any, hosts: list[str], vcenter: str) -> float:
    from vconsole.esx.storage import READ_COMMANDS
    from vconsole.services.paths_vcenter import counter_ids, query_host_latency, read_multipath

    vim = await manager.vim(vcenter)
    started = time.perf_counter()
    _, refs = await vim.call(read_multipath, vim.content)
    ids = await vim.call(counter_ids, vim.content)
    for host in hosts:
        for command in READ_COMMANDS:
            await manager.run(host, command)
        await vim.call(query_host_latency, vim.content, refs[host], ids, 15)
    return time.perf_counter() - started


def pyvmomi_way(content: Any, hosts: Any, ids: Any, samples: int) -> Any:
    from vconsole.services.paths_vcenter import query_hosts_latency_pyvmomi

    return query_hosts_latency_pyvmomi(content, hosts, ids, samples)


@contextlib.contextmanager
def swapped(reader: Any) -> Iterator[None]:
    """The paths service's QueryPerf read by `reader` (None: as it stands) for a while."""
    from vconsole.services import paths_perf

    real = paths_perf.query_hosts_latency
    paths_perf.query_hosts_latency = reader or real
    try:
        yield
    finally:
        paths_perf.query_hosts_latency = real


@contextlib.contextmanager
def esxcli_kept(kept: bool) -> Iterator[None]:
    """Without `kept`, every esxcli answer is parsed for a while, the same bytes or not."""
    from vconsole.vim import esxcli

    real = esxcli._LAST_READ
    if not kept:
        esxcli._LAST_READ = esxcli._LastRead(0)
    try:
        yield
    finally:
        esxcli._LAST_READ = real


async def perf_alone(manager: Any, hosts: list[str], vcenter: str, rounds: int) -> None:
    from functools import partial

    from vconsole.services.paths_perf import PERF_BATCH
    from vconsole.services.paths_vcenter import counter_ids, query_hosts_latency, read_multipath

    vim = await manager.vim(vcenter)
    content = vim.content
    _, refs = await vim.call(read_multipath, content)
    ids = await vim.call(counter_ids, content)
    (one,) = await vim.call(pyvmomi_way, content, [(refs[hosts[0]], None)], ids, 1)
    newest = one.timestamps[-1]
    ways = (
        ("reader, csv", partial(query_hosts_latency, perf_format="csv")),
        ("reader, normal", partial(query_hosts_latency, perf_format="normal")),
        ("pyVmomi, normal", pyvmomi_way),
    )
    scale = 1000 / len(hosts)
    print(
        f"  QueryPerf alone, {PERF_BATCH} hosts a call, CPU-s per 1,000 hosts, best of "
        f"{rounds} rounds taken in turn ({load()})"
    )
    for samples, since in ((1, newest - REALTIME_S), (15, None)):
        best: dict[str, tuple[float, float, float, int]] = {}
        for _ in range(rounds):
            for label, fn in ways:
                gc.collect()
                here, there = time.process_time(), tree_cpu(LAB_PID[0])
                started = time.perf_counter()
                timed = 0
                for k in range(0, len(hosts), PERF_BATCH):
                    batch = [(refs[h], since) for h in hosts[k : k + PERF_BATCH]]
                    found = await vim.call(fn, content, batch, ids, samples)
                    timed += sum(1 for f in found if f.sample_count == samples)
                wall = time.perf_counter() - started
                here, there = time.process_time() - here, tree_cpu(LAB_PID[0]) - there
                if label not in best or here < best[label][0]:
                    best[label] = (here, there, wall, timed)
        for label, (here, there, wall, timed) in best.items():
            print(
                f"    {samples:2d} sample(s), {label:<16} console {here * scale:5.2f} CPU-s, "
                f"lab {there * scale:5.2f} CPU-s, wall {wall:5.2f} s, {timed} hosts with "
                f"{samples} sample(s)  ({load()})"
            )


def row(label: str, cold: float, warm: list[float], extra: str) -> str:
    return (
        f"  {label:<30} cold {cold:6.2f} s  warm best {min(warm):5.2f} s worst {max(warm):5.2f} s"
        f"  {extra}  ({load()})"
    )


async def lacp_part(
    manager: Any, key: str, hosts: list[str], vcenter: str, args: argparse.Namespace
) -> None:
    from vconsole.services.lacp import LacpService

    sample = hosts[: args.seq_hosts]
    scale = len(hosts) / max(1, len(sample))
    # over SSH one exec per host, through vCenter a host's calls in one trip to the pool; then
    # the per-command way beside it (an exec, or a call as its own task and pool hand-off)
    for batch in (True, False):
        lacp = LacpService(manager, hosts, vcenter, batch=batch)
        cold, warm, report, cpu = await timed_refreshes(
            lacp, args.warm, name="warm" if batch else "naive"
        )
        failed = sum(1 for h in report.hosts if not h.ok)
        ways = {"ssh": ("LACP, batched exec", "LACP, exec per command")}
        ways["api"] = ("LACP, a host's calls at once", "LACP, a call per command")
        what = ways[key][0 if batch else 1]
        print(row(what, cold, warm, f"{len(report.rows)} rows, {failed} failed"))
        print(f"  {'':<30} {cpu}")
    seq = await lacp_loop(manager, sample)
    print(
        f"  {'LACP sequential loop':<30} {seq:6.2f} s for {len(sample)} hosts, "
        f"{seq * scale:7.2f} s scaled to {len(hosts)} (x{seq * scale / min(warm):.0f} warm)"
        f"  ({load()})"
    )


async def way(config: Path, key: str, args: argparse.Namespace) -> None:
    from vconsole.services.paths import PathsService

    label, profile = WAYS[key]
    manager, discovery_s = await manager_for(config, profile)
    try:
        hosts = manager.profile.names("esxi")
        vcenter = manager.profile.names("vcenter")[0]
        sample = hosts[: args.seq_hosts]
        scale = len(hosts) / max(1, len(sample))
        gc.collect()  # what earlier parts left: the collector walks it at every full collection
        print(
            f"\n{label}: {len(hosts)} hosts, discovery {discovery_s:.2f} s, "
            f"{len(gc.get_objects()) / 1e6:.2f} M objects tracked ({load()})"
        )
        if not args.paths_only:
            await lacp_part(manager, key, hosts, vcenter, args)
        if args.lacp_only:
            return
        paths = PathsService(manager, hosts, vcenter)
        cold, warm, report, cpu = await timed_refreshes(paths, args.warm)
        n = sum(1 for r in report.rows if r.path)
        timed = sum(1 for r in report.rows if r.read_ms is not None)
        failed = sum(1 for h in report.hosts if not h.ok)
        print(
            row("paths refresh (fan-out)", cold, warm, f"{n} paths, {timed} timed, {failed} failed")
        )
        print(f"  {'':<30} {cpu}")
        _, rebuilt, _, cpu = await timed_refreshes(Rebuilt(paths), args.warm, False, "naive")
        print(f"  {'paths warm, rows rebuilt':<30} {'':11} warm best {min(rebuilt):5.2f} s")
        print(f"  {'':<30} {cpu}  ({load()})")
        # the console's way at the cadence is taken --cadence times (one sample is noisy)
        cadence = [(f"20 s later ({i + 1})", None, True) for i in range(args.cadence)]
        cadence.append(("20 s later, pyVmomi", pyvmomi_way, True))
        if key == "ssh":  # the layout's commands an exec each, as before they shared one
            cadence.append(("20 s later, exec per cmd", None, False))
        cadence.append(("20 s later, rows rebuilt", None, True))  # every host joined anew
        if key == "api":  # every esxcli answer parsed, as before answers were kept
            cadence.append(("20 s later, parsed anew", None, True))
        at_cadence = []
        for label, reader, batch in cadence:
            await asyncio.sleep(REALTIME_S)  # the pane's cadence: every host has a new sample due
            paths.layouts.batch = batch
            naive = reader is not None or not batch or label.endswith(("rebuilt", "anew"))
            with swapped(reader), esxcli_kept(not label.endswith("anew")):
                _, steady, _, cpu = await timed_refreshes(
                    Rebuilt(paths) if label.endswith("rebuilt") else paths,
                    1,
                    cold=False,
                    name="naive" if naive else "warm",
                )
            print(f"  {'paths ' + label:<30} {'':11} warm {steady[0]:5.2f} s  {cpu}  ({load()})")
            if label.startswith("20 s later ("):
                at_cadence.append(steady[0])
        print(
            f"  {'paths 20 s later, median':<30} {'':11} warm {statistics.median(at_cadence):5.2f} s"
            f"  of {len(at_cadence)}, best {min(at_cadence):.2f} s"
        )
        paths.layouts.batch = True
        if args.paths_only:
            return
        await perf_alone(manager, hosts, vcenter, args.perf_rounds)
        seq = await paths_loop(manager, sample, vcenter)
        print(
            f"  {'paths sequential loop':<30} {seq:6.2f} s for {len(sample)} hosts, "
            f"{seq * scale:7.2f} s scaled to {len(hosts)} (x{seq * scale / min(warm):.0f} warm)"
            f"  ({load()})"
        )
    finally:
        await manager.close()


async def mtu_side(config: Path, name: str, host: str, target: str) -> dict[str, Any]:
    from vconsole.models.mtu import MtuTest
    from vconsole.services.mtu import MtuService, RunSettings

    manager, _ = await manager_for(config, name)
    try:
        service = MtuService(manager, None, RunSettings())
        plan = await service.prepare([MtuTest(host=host, target=target, vmk="vmk1")])
        started = time.perf_counter()
        (result,) = await service.run(plan)
        wall = time.perf_counter() - started
        return {
            "path_mtu": result.path_mtu,
            "rounds": result.rounds,
            "probes": len(result.evidence),
            "wall_s": wall,
        }
    finally:
        await manager.close()


async def run(args: argparse.Namespace, config: Path) -> None:
    before = census() if args.census else None
    for key in args.only or list(WAYS):
        await way(config, key, args)
        if before is not None:  # what outlives the way's closed session, by type
            after = census()
            print(f"\nafter {WAYS[key][0]}, its session closed:\n{grown(before, after)}")
            before = after
    if args.only or args.lacp_only or args.paths_only:
        return
    print("\nMTU search, one pair (esx0002 vmk1 -> esx0003:vmk1)")
    for label, profile in (("SSH", "lab"), ("API", "lab-vcenter")):
        m = await mtu_side(config, profile, "esx0002", "esx0003:vmk1")
        print(
            f"  {label:<6} path MTU {m['path_mtu']!s:>5}, {m['rounds']} rounds, "
            f"{m['probes']} probes, {m['wall_s']:.2f} s  ({load()})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--luns", type=int, default=5, help="LUNs per host")
    parser.add_argument("--paths", type=int, default=4, help="paths per LUN")
    parser.add_argument("--warm", type=int, default=2)
    parser.add_argument("--seq-hosts", type=int, default=20, help="hosts the loops time")
    parser.add_argument(
        "--cadence", type=int, default=3, help="paths refreshes at the 20 s cadence (median)"
    )
    parser.add_argument("--perf-rounds", type=int, default=3, help="QueryPerf-alone rounds")
    parser.add_argument("--only", action="append", choices=sorted(WAYS), help="one way only")
    parser.add_argument("--lacp-only", action="store_true", help="skip paths and MTU")
    parser.add_argument(
        "--paths-only", action="store_true", help="only the paths refreshes (no LACP, MTU, loops)"
    )
    parser.add_argument("--profile", type=Path, help="write a cProfile of this process here")
    parser.add_argument("--census", action="store_true", help="objects each way leaves, by type")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-api-hosts-"))
    os.environ.setdefault("VCONSOLE_STATE_DIR", str(tmp / "state"))
    os.environ.setdefault("VCONSOLE_CONFIG_DIR", str(tmp / "cfg"))
    started = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    lab = ctx.Process(
        target=serve_lab, args=(args.hosts, args.luns, args.paths, str(tmp / "lab"), child)
    )
    lab.start()
    LAB_PID[0] = lab.pid or 0
    try:
        parent.recv()
        print(
            f"lab of {args.hosts} hosts x {args.luns} LUNs x {args.paths} paths up in a child "
            f"process in {time.perf_counter() - started:.1f} s ({load()})"
        )
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        asyncio.run(run(args, tmp / "lab" / "lab.toml"))
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    finally:
        parent.send("stop")
        lab.join(60)
    print(f"\ncommand: {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
