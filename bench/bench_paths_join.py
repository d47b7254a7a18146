"""The multipathing pane's own CPU per refresh: join every host's sources, then judge, two ways.

No lab servers: each lab host's `nmp device list`, `core path list` and `nmp path list` are
rendered by the lab's own esxcli code from generate_scenario(hosts, luns, paths) and parsed by the
console's parsers; vCenter's multipath view mirrors SSH's, and every path and device has a
15-sample latency window (a few paths slow). Then, on the same inputs, in this one run:

  naive   join_host + judge as of `--naive-rev` (loaded from git: dataclasses.replace per row,
          a scan of the host's paths per device, siblings re-filtered per path)
  now, gc on   join_host + judge as they stand (rows judged in place, as the service does),
               the cyclic collector running as before
  now          as PathsService.refresh runs them: the collector paused meanwhile (gc_paused)

Then the 20 s cadence on the same answers with every window one sample on: every host joined
anew (the way before) beside the service's (`rejoin_latency` on the last join's layout, policy
findings kept in a `PolicyMemo`), both compared first.

The previous report is held while timing, as the service holds `last`, so the collector has a
heap of the size the console has to walk.

Thread CPU (time.thread_time) per refresh, best of `--repeat`, with the load average; the two
ways' reports are compared field by field first, so a figure is never for a different answer.

    .venv/bin/python bench/bench_paths_join.py [--hosts 1000] [--luns 5] [--paths 4]
        [--repeat 3] [--naive-rev 3c3b512] [--profile FILE] [--profile-cadence FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import random
import subprocess
import sys
import time
import types
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NAIVE_FILES = (
    ("naive_paths_models", "vconsole/models/paths.py"),
    ("naive_paths_join", "vconsole/services/paths_join.py"),
    ("naive_paths_verdicts", "vconsole/services/paths_verdicts.py"),
)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def modules_at(rev: str, files: tuple[tuple[str, str], ...]) -> None:
    """Each (name, path) of `files` as of git revision `rev`, imported as module `name`; the
    files import each other as of `rev` too, everything else as it stands."""
    for name, path in files:
        text = subprocess.run(
            ["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        for other, other_path in files:
            dotted = other_path.removesuffix(".py").replace("/", ".")
            text = text.replace(f"from {dotted} import", f"from {other} import")
        module = types.ModuleType(name)
        sys.modules[name] = module
        exec(compile(text, f"{rev}:{path}", "exec"), module.__dict__)


def naive_modules(rev: str) -> tuple[Any, Any]:
    """join_host's and judge's modules as of `rev`, importing each other, not today's."""
    modules_at(rev, NAIVE_FILES)
    return sys.modules["naive_paths_join"], sys.modules["naive_paths_verdicts"]


def estate(hosts: int, luns: int, paths: int) -> tuple[list[Any], float]:
    """HostInputs per host, and the CPU-s `core path list` parsing took over all of them."""
    from vconsole.esx.storage import (
        parse_core_path_list,
        parse_nmp_device_list,
        parse_nmp_path_list,
    )
    from vconsole.lab.esxi.state import HostState, LabClock
    from vconsole.lab.esxi.storage import core_path_list, nmp_device_list, nmp_path_list
    from vconsole.lab.scenario import generate_scenario
    from vconsole.services import paths_vcenter as vc
    from vconsole.services.paths_join import HostInputs, SshHostData

    rng = random.Random(7)
    scenario = generate_scenario(hosts=hosts, vms=hosts, luns_per_host=luns, paths_per_lun=paths)
    out, parse_cpu = [], 0.0
    for host in scenario.hosts:
        state = HostState(scenario, host, LabClock(0), None)
        core_text = core_path_list(state, []).stdout
        started = time.thread_time()
        core = parse_core_path_list(core_text)
        parse_cpu += time.thread_time() - started
        devices = parse_nmp_device_list(nmp_device_list(state, []).stdout)
        nmp = parse_nmp_path_list(nmp_path_list(state, []).stdout)
        series: dict[str, dict[str, tuple[float, ...]]] = {}

        def window(
            counter: str, instance: str, typical: float, into: dict[str, Any] = series
        ) -> None:
            slow = 8.0 if rng.random() < 0.02 else 1.0
            values = tuple(round(rng.uniform(0.5, 1.5) * typical * slow, 1) for _ in range(15))
            into.setdefault(counter, {})[instance] = values

        vc_devices = []
        for d in devices.devices:
            window(vc.DEVICE_LATENCY, d.device, 4.0)
            window(vc.KERNEL_LATENCY, d.device, 0.2)
            vc_paths = []
            for p in core.paths:
                if p.device == d.device:
                    window(vc.PATH_READ, p.uid, 3.0)
                    window(vc.PATH_WRITE, p.uid, 5.0)
                    working = p.runtime_name in d.working_paths
                    vc_paths.append(
                        vc.VcPath(p.uid, p.runtime_name, p.state, working, p.adapter, p.target)
                    )
            vc_devices.append(
                vc.VcDevice(
                    d.device, d.display_name, d.psp, d.satp, "ds-" + d.device[-6:], tuple(vc_paths)
                )  # fmt: skip
            )
        out.append(
            HostInputs(
                host=host.name,
                ssh=SshHostData(devices, core, nmp),
                vcenter=vc.VcHost(host.name, "connected", tuple(vc_devices)),
                latency=vc.HostLatency(series, 15),
            )
        )
    return out, parse_cpu


def refresh(
    join: Callable[[Any], Any], judge: Callable[..., Any], inputs: list[Any], paused: bool = False
) -> Any:
    """What PathsService.refresh does with the fetched inputs: join per host, judge the estate."""
    from vconsole.vim.gc_pause import gc_paused

    if paused:
        with gc_paused():
            return refresh(join, judge, inputs)
    from vconsole.models.paths import Thresholds

    rows: list[Any] = []
    devices: list[Any] = []
    outcomes: list[Any] = []
    for one in inputs:
        joined = join(one)
        rows.extend(joined.rows)
        devices.extend(joined.devices)
        outcomes.append(joined.outcome)
    return judge(rows, devices, outcomes, Thresholds())


def timed(label: str, way: Callable[[], Any], repeat: int, profile: Path | None) -> float:
    """Best thread CPU of `repeat` refreshes, the collector's share, and the collection that
    follows a paused refresh (counted in, as the console pays for it too)."""
    spent, collecting = [], []
    in_gc = [0.0, 0.0]

    def clock(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            in_gc[1] = time.thread_time()
        else:
            in_gc[0] += time.thread_time() - in_gc[1]

    held = way()
    gc.callbacks.append(clock)
    try:
        for _ in range(repeat):
            in_gc[0] = 0.0
            started = time.thread_time()
            held = way()
            gc.collect(0)
            spent.append(time.thread_time() - started)
            collecting.append(in_gc[0])
    finally:
        gc.callbacks.remove(clock)
    best = spent.index(min(spent))
    print(
        f"  {label:<12} {spent[best]:6.3f} CPU-s per refresh (best of {repeat}), "
        f"{collecting[best]:.3f} of it collecting garbage, {load()}"
    )
    del held
    if profile is not None:
        profiler = cProfile.Profile()
        profiler.runcall(way)
        profiler.dump_stats(profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
    return min(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag, default, what in (
        ("--hosts", 1000, "hosts in the estate"),
        ("--luns", 5, "LUNs per host"),
        ("--paths", 4, "paths per LUN"),
        ("--repeat", 3, "refreshes timed each way"),
    ):
        parser.add_argument(flag, type=int, default=default, help=what)
    parser.add_argument("--naive-rev", default="3c3b512", help="git revision of the naive way")
    parser.add_argument("--profile", type=Path, help="cProfile of one refresh the new way")
    parser.add_argument(
        "--profile-cadence", type=Path, help="cProfile of one refresh at the cadence, layout kept"
    )
    args = parser.parse_args()

    from vconsole.services.paths_join import join_host
    from vconsole.services.paths_verdicts import judge

    naive_join, naive_verdicts = naive_modules(args.naive_rev)
    inputs, parse_cpu = estate(args.hosts, args.luns, args.paths)
    old = refresh(naive_join.join_host, naive_verdicts.judge, inputs)
    judge = partial(judge, in_place=True)  # as the service judges the rows it has just made
    new = refresh(join_host, judge, inputs)
    same = [repr(r.as_json()) for r in old[0]] == [repr(r.as_json()) for r in new[0]] and [
        repr(d) for d in old[1]
    ] == [repr(d) for d in new[1]]
    if not same:
        sys.exit("the two ways disagree: no figures")
    flagged = sum(1 for r in new[0] if r.problems)
    print(
        f"{args.hosts} hosts, {len(new[0])} path rows, {len(new[1])} devices, {flagged} rows "
        f"with findings; both ways give the same rows and devices ({load()})"
    )
    print(f"  `core path list` parse: {parse_cpu / args.hosts * 1000:.3f} ms per host")
    del old, new
    gc.collect()
    before_report = len(gc.get_objects())
    held = refresh(join_host, judge, inputs, paused=True)
    gc.collect()
    kept = len(gc.get_objects()) - before_report
    print(
        f"  objects the collector tracks for a report held (now): {kept:,d}, "
        f"{kept / len(held[0]):.2f} per path row (each full collection walks them)"
    )
    del held
    before = timed("naive", lambda: refresh(naive_join.join_host, naive_verdicts.judge, inputs),
                   args.repeat, None)  # fmt: skip
    timed("now, gc on", lambda: refresh(join_host, judge, inputs), args.repeat, None)
    after = timed(
        "now", lambda: refresh(join_host, judge, inputs, paused=True), args.repeat, args.profile
    )
    print(f"  now/naive {after / before:.2f}")
    cadence(inputs, args.repeat, args.profile_cadence)


def cadence(inputs: list[Any], repeat: int, profile: Path | None = None) -> None:
    """The 20 s cadence: the same answers, every window one sample on. Joined anew (as before)
    beside the last join's layout with new windows and the kept policy findings (the service's)."""
    from dataclasses import replace

    from vconsole.services.paths_join import join_host
    from vconsole.services.paths_rejoin import rejoin_latency
    from vconsole.services.paths_verdicts import PolicyMemo, judge

    def moved(latency: Any) -> Any:
        series = {c: {k: (*v[1:], v[0]) for k, v in s.items()} for c, s in latency.series.items()}
        return replace(latency, series=series)

    sampled = [replace(one, latency=moved(one.latency)) if one.latency else one for one in inputs]
    last = [join_host(one) for one in inputs]
    bases = [tuple(r.problems for r in j.rows) for j in last]
    memo = PolicyMemo()
    refresh(join_host, partial(judge, in_place=True, memo=memo), inputs)  # the memo filled

    def rejoined(one: Any) -> Any:
        i = positions[id(one)]
        return rejoin_latency(last[i], bases[i], one.latency) or join_host(one)

    positions = {id(one): i for i, one in enumerate(sampled)}
    anew = refresh(join_host, partial(judge, in_place=True), sampled)
    kept = refresh(rejoined, partial(judge, in_place=True, memo=memo), sampled)
    if [r.as_json() for r in anew[0]] != [r.as_json() for r in kept[0]] or anew[1] != kept[1]:
        sys.exit("at the cadence the two ways disagree: no figures")
    print(f"a new sample per host, the same answers ({load()})")
    before = timed("joined anew", lambda: refresh(join_host, partial(judge, in_place=True),
                   sampled, paused=True), repeat, None)  # fmt: skip
    after = timed(
        "layout kept",
        lambda: refresh(rejoined, partial(judge, in_place=True, memo=memo), sampled, paused=True),
        repeat,
        profile,
    )
    print(f"  kept/anew {after / before:.2f}")


if __name__ == "__main__":
    main()
