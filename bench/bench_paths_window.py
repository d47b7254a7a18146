"""The latency windows the paths pane keeps per host, two ways: what the collector walks, and
the CPU of a poll at the 20 s cadence.

No lab: each of `--hosts` hosts keeps a 15-sample window for 50 series (read and write latency of
20 paths and 5 devices), then `--polls` polls each bring one newer sample per series, as QueryPerf
does at the pane's cadence; every poll is merged and read (`latency()`), as each refresh does.
The same answers go to both ways, in this one run:

  naive  `_Window` as of `--naive-rev` (a list per series, made anew as the window slides)
  slide  `_Window` as of `--slide-rev` (a tuple per series: every series slid, then each one
         the poll answered rewritten, then regrouped per counter for the reading)
  now    `_Window` as it stands (each series's new samples appended in one concatenation,
         held per counter as the reading is)

Per way: the objects the cyclic collector tracks for the windows, a full collection's thread CPU
with them held (best of `--repeat`; the rest of the heap is the same for both), and the thread
CPU of one poll of every host (median of the polls, each after a full collection), with the
load average.

    .venv/bin/python bench/bench_paths_window.py [--hosts 1000] [--polls 9] [--repeat 3]
        [--naive-rev 8650d74] [--slide-rev 674418b]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_paths_join import load, modules_at  # noqa: E402  (bench/ is on the path as a script)

SIZE = 15  # samples a window holds: the pane's five minutes of 20 s samples
INSTANCES = 25  # 20 paths and 5 devices per host


def answers(hosts: int, first: int, count: int, seed: int) -> list[Any]:
    """One QueryPerf answer per host: `count` samples from 20 s stamp number `first` on."""
    from vconsole.services.paths_vcenter import PATH_READ, PATH_WRITE, HostLatency

    rng = random.Random(seed)
    stamps = tuple(float(1_700_000_000 + 20 * (first + i)) for i in range(count))
    out = []
    for _ in range(hosts):
        series = {
            counter: {
                f"vmhba64:C0:T{k // 5}:L{k % 5}": tuple(rng.uniform(0.2, 9.0) for _ in stamps)
                for k in range(INSTANCES)
            }
            for counter in (PATH_READ, PATH_WRITE)
        }
        out.append(HostLatency(series, count, stamps))
    return out


def measure(label: str, window_class: Any, first: list[Any], polls: list[list[Any]], repeat: int):  # type: ignore[no-untyped-def]
    gc.collect()
    base = len(gc.get_objects())
    windows = [window_class(SIZE) for _ in first]
    for window, found in zip(windows, first, strict=True):
        window.merge(found)
        window.latency()
    spent = []
    for answers_now in polls:
        gc.collect()  # each poll starts from the same collector state
        started = time.thread_time()
        for window, found in zip(windows, answers_now, strict=True):
            window.merge(found)
            window.latency()
        spent.append(time.thread_time() - started)
    for window in windows:  # the reading a refresh keeps is held, as the service holds it
        window.latency()
    gc.collect()
    tracked = len(gc.get_objects()) - base
    full = []
    for _ in range(repeat):
        started = time.thread_time()
        gc.collect()
        full.append(time.thread_time() - started)
    print(
        f"  {label:<6} {tracked:8,d} objects tracked for the windows, full collection "
        f"{min(full):.3f} CPU-s, a poll of every host {statistics.median(spent):.3f} CPU-s  ({load()})"
    )
    return [w.latency() for w in windows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000, help="hosts, each keeping a window")
    parser.add_argument("--naive-rev", default="8650d74", help="git revision of the naive way")
    parser.add_argument("--slide-rev", default="674418b", help="git revision of slide")
    parser.add_argument("--polls", type=int, default=9, help="polls of one newer sample, timed")
    parser.add_argument("--repeat", type=int, default=3, help="full collections timed")
    args = parser.parse_args()
    from vconsole.services.paths_perf import _Window

    modules_at(args.naive_rev, (("naive_paths_perf", "vconsole/services/paths_perf.py"),))
    naive = sys.modules["naive_paths_perf"]._Window
    modules_at(args.slide_rev, (("slide_paths_perf", "vconsole/services/paths_perf.py"),))
    slide = sys.modules["slide_paths_perf"]._Window
    first = answers(args.hosts, 0, SIZE, seed=1)
    polls = [answers(args.hosts, SIZE + p, 1, seed=2 + p) for p in range(args.polls)]
    print(
        f"{args.hosts} hosts x {2 * INSTANCES} series x {SIZE} samples, {args.polls} polls "
        f"of one sample ({load()})"
    )
    old = measure("naive", naive, first, polls, args.repeat)
    slid = measure("slide", slide, first, polls, args.repeat)
    new = measure("now", _Window, first, polls, args.repeat)
    assert old == slid == new, "the ways hold different samples"
    print(f"\ncommand: {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
