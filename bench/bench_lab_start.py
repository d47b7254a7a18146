"""Lab vCenter: build time (cold vs cached) and start time (default vs 200 hosts / 5,000 VMs).

1. Build: a cold `go build` into an empty cache (own GOCACHE, so govmomi compiles too) next to
   the cached lookup every later start pays.
2. Start: wall time from `VcsimLab.start()` until the SDK answers, and the part the Go program
   spends shaping the inventory, for the default scenario and for `generate_scenario()` (200
   hosts, 5,000 VMs), with VM files on tmpfs (the default) next to VM files on disk, and next
   to the naive build (every build task awaited through a property collector, VM files on
   disk: how the program first did it).
3. First read: one PropertyCollector pass over every VM (name, power state, host) through
   pyVmomi, so the start figure has a "usable" companion.

    .venv/bin/python bench/bench_lab_start.py [--skip-cold] [--hosts 200] [--vms 5000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed_build(cache_dir: Path | None) -> float:
    from vconsole.lab.vcsim import ensure_vcsim

    t0 = time.perf_counter()
    ensure_vcsim(cache_dir=cache_dir)
    return time.perf_counter() - t0


def read_all_vms(lab) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    from pyVim.connect import Disconnect, SmartConnect
    from pyVmomi import vim, vmodl

    si = SmartConnect(
        host=lab.host, port=lab.port, user=lab.user, pwd=lab.password, protocol="http"
    )
    try:
        content = si.RetrieveContent()
        t0 = time.perf_counter()
        view = content.viewManager.CreateContainerView(
            content.rootFolder, [vim.VirtualMachine], True
        )
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[
                vmodl.query.PropertyCollector.ObjectSpec(
                    obj=view,
                    skip=True,
                    selectSet=[
                        vmodl.query.PropertyCollector.TraversalSpec(
                            name="view", path="view", skip=False, type=vim.view.ContainerView
                        )
                    ],
                )
            ],
            propSet=[
                vmodl.query.PropertyCollector.PropertySpec(
                    type=vim.VirtualMachine,
                    pathSet=["name", "runtime.powerState", "runtime.host"],
                )
            ],
        )
        pc = content.propertyCollector
        result = pc.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
        count = len(result.objects)
        while result.token:
            result = pc.ContinueRetrievePropertiesEx(result.token)
            count += len(result.objects)
        view.Destroy()
        return count, time.perf_counter() - t0
    finally:
        Disconnect(si)


def timed_start(scenario, ram: bool, read: bool) -> tuple[float, float, int, float]:  # type: ignore[no-untyped-def]
    from vconsole.lab.vcsim import VcsimLab

    with tempfile.TemporaryDirectory(prefix="bench-vcsim-") as tmp:
        lab = VcsimLab(scenario, Path(tmp), ram_datastores=ram)
        t0 = time.perf_counter()
        lab.start(timeout=600)
        wall = time.perf_counter() - t0
        try:
            count, read_s = read_all_vms(lab) if read else (0, 0.0)
        finally:
            lab.stop()
        return wall, lab.build_s, count, read_s


def naive_start(scenario) -> float:  # type: ignore[no-untyped-def]
    """The binary with -poll-tasks and disk-backed VM files, timed to its URL line."""
    import json
    import subprocess

    from vconsole.lab.vcsim import ensure_vcsim, scenario_to_vcsim_json

    with tempfile.TemporaryDirectory(prefix="bench-vcsim-naive-") as tmp:
        topo = Path(tmp) / "topology.json"
        topo.write_text(json.dumps(scenario_to_vcsim_json(scenario)))
        args = [str(ensure_vcsim()), "-scenario", str(topo), "-dir", f"{tmp}/ds", "-poll-tasks"]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
        finally:
            proc.terminate()
            proc.wait()
        return float(json.loads(line)["build_s"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-cold", action="store_true", help="skip the cold build (~20-45 s)")
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--vms", type=int, default=5000)
    args = parser.parse_args()

    from vconsole.lab.scenario import default_scenario, generate_scenario
    from vconsole.lab.vcsim import vcsim_unavailable

    reason = vcsim_unavailable()
    if reason:
        print(f"skipped: {reason}")
        return 0

    print("== build ==")
    if not args.skip_cold:
        with tempfile.TemporaryDirectory(prefix="bench-vcsim-cache-") as tmp:
            cold = timed_build(Path(tmp))
        print(f"cold build (empty cache, own GOCACHE) : {cold:7.2f} s")
    timed_build(None)
    cached = min(timed_build(None) for _ in range(5))
    print(f"cached lookup (best of 5)             : {cached * 1000:7.1f} ms")

    print("\n== start (until the SDK answers) ==")
    print(
        f"{'scenario':<28} {'datastores':<10} {'start s':>8} {'shape s':>8} {'VMs':>6} {'read s':>7}"
    )
    big = generate_scenario(hosts=args.hosts, vms=args.vms)
    rows = [
        ("default", default_scenario(), True),
        ("default", default_scenario(), False),
        (f"{args.hosts} hosts / {args.vms} VMs", big, True),
        (f"{args.hosts} hosts / {args.vms} VMs", big, False),
    ]
    for label, scenario, ram in rows:
        wall, shape, count, read_s = timed_start(scenario, ram, read=True)
        where = "tmpfs" if ram else "disk"
        print(f"{label:<28} {where:<10} {wall:8.2f} {shape:8.2f} {count:6d} {read_s:7.2f}")
    for label, scenario in ((rows[0][0], rows[0][1]), (rows[2][0], rows[2][1])):
        shape = naive_start(scenario)
        print(f"{label:<28} {'naive':<10} {'':>8} {shape:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
