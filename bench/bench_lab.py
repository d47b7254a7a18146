"""The whole lab: time from `LabRuntime.start()` until every part answers, per scenario.

Prints, for the default scenario and a generated 200-host / 5,000-VM estate, the start time of
each part (vcsim, ESXi SSH hosts, Bitfusion client VM, Cloud Director) beside the sum of parts
started one after another, which is what the runtime does. The vcsim build is cached first so
it does not count (bench_lab_start.py measures it).

    .venv/bin/python bench/bench_lab.py [--hosts 200] [--vms 5000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def start_parts(scenario, state: Path) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from vconsole.lab.bitfusion_vm import BitfusionLab
    from vconsole.lab.esxi import EsxiLab
    from vconsole.lab.vcd_server import VcdLab
    from vconsole.lab.vcsim import VcsimLab

    timings: dict[str, float] = {}
    parts = []
    for name, factory in (
        ("vcsim", lambda: VcsimLab(scenario, state)),
        ("esxi hosts", lambda: EsxiLab(scenario, state)),
        ("bitfusion vm", lambda: BitfusionLab(scenario, state)),
        ("cloud director", lambda: VcdLab(scenario, state)),
    ):
        if name == "bitfusion vm" and not scenario.bitfusion.servers:
            continue
        part = factory()
        t0 = time.perf_counter()
        part.start()
        timings[name] = time.perf_counter() - t0
        parts.append(part)
    for part in reversed(parts):
        part.stop()
    return timings


def whole_runtime(scenario, state: Path) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    from vconsole.lab.runtime import LabRuntime

    runtime = LabRuntime(scenario, state)
    t0 = time.perf_counter()
    runtime.start()
    started = time.perf_counter() - t0
    t1 = time.perf_counter()
    runtime.stop()
    return started, time.perf_counter() - t1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--vms", type=int, default=5000)
    args = parser.parse_args()
    from vconsole.lab.scenario import default_scenario, generate_scenario
    from vconsole.lab.vcsim import ensure_vcsim

    ensure_vcsim()
    scenarios = [
        ("default", default_scenario()),
        (f"{args.hosts} hosts / {args.vms} VMs", generate_scenario(hosts=args.hosts, vms=args.vms)),
    ]
    for label, scenario in scenarios:
        with tempfile.TemporaryDirectory() as tmp:
            parts = start_parts(scenario, Path(tmp) / "parts")
            started, stopped = whole_runtime(scenario, Path(tmp) / "runtime")
        print(f"\n{label}")
        for name, secs in parts.items():
            print(f"  {name:<16} {secs:7.2f} s")
        print(f"  {'sum of parts':<16} {sum(parts.values()):7.2f} s")
        print(f"  {'lab runtime':<16} {started:7.2f} s to start, {stopped:.2f} s to stop")


if __name__ == "__main__":
    main()
