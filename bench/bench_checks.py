"""What the design checks read from vCenter: one PropertyCollector call vs a read per object.

The lab vCenter serves generate_scenario(hosts, vms) with one HA cluster per site cluster. Side
by side, in this one run and on the same connection:
- the checks' read (`read_check_facts`): one RetrievePropertiesEx over container views for
  switches, port groups, clusters, hosts and VMs, one RetrieveDasAdvancedRuntimeInfo per
  slot-policy cluster and one event query;
- the naive way: pyVmomi attribute reads per object (each VM's power state, host and both
  reservations, each port group's and switch's config, each cluster's configurationEx).

    .venv/bin/python bench/bench_checks.py [--hosts 40] [--vms 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def naive(content: Any) -> int:
    """The per-object way: every property a separate round trip."""
    from pyVmomi import vim

    def objects(kind: Any) -> list[Any]:
        view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
        try:
            return list(view.view)
        finally:
            view.Destroy()

    reads = 0
    for vm in objects(vim.VirtualMachine):
        _ = (vm.name, vm.runtime.powerState, vm.runtime.host.name)
        _ = (vm.config.cpuAllocation.reservation, vm.config.memoryAllocation.reservation)
        reads += 5
    for pg in objects(vim.dvs.DistributedVirtualPortgroup):
        _ = (pg.name, pg.config.defaultPortConfig)
        reads += 2
    for dvs in objects(vim.DistributedVirtualSwitch):
        _ = (dvs.name, dvs.config, dvs.summary.hostMember)
        reads += 3
    for cluster in objects(vim.ClusterComputeResource):
        _ = (cluster.name, cluster.configurationEx, [h.name for h in cluster.host])
        reads += 3
    return reads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=40)
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from pyVim.connect import Disconnect, SmartConnect

    from vconsole.lab.scenario import generate_scenario
    from vconsole.lab.scenario_checks import ClusterSpec
    from vconsole.lab.vcsim import VcsimLab
    from vconsole.services.checks_vcenter import read_check_facts

    base = generate_scenario(hosts=args.hosts, vms=args.vms, luns_per_host=1, paths_per_lun=1)
    clusters = sorted({h.cluster for h in base.hosts})
    scenario = dataclasses.replace(
        base, cluster_specs=tuple(ClusterSpec(name) for name in clusters)
    )
    with tempfile.TemporaryDirectory() as tmp:
        lab = VcsimLab(scenario, Path(tmp))
        lab.start()
        try:
            si = SmartConnect(
                host=lab.host, port=lab.port, user=lab.user, pwd=lab.password, protocol="http"
            )
            content = si.RetrieveContent()
            best_fast = best_naive = float("inf")
            facts = None
            reads = 0
            for _ in range(args.repeat):
                started = time.perf_counter()
                facts = read_check_facts(content)
                best_fast = min(best_fast, time.perf_counter() - started)
                started = time.perf_counter()
                reads = naive(content)
                best_naive = min(best_naive, time.perf_counter() - started)
            Disconnect(si)
        finally:
            lab.stop()
    assert facts is not None
    print(f"{args.hosts} hosts, {args.vms} VMs, {len(clusters)} HA clusters (slot policy)")
    print(
        f"checks' read (one PropertyCollector call + {len(clusters)} slot calls + 1 event query):"
        f" {best_fast * 1000:8.0f} ms  ({len(facts.vms)} VMs, {len(facts.clusters)} clusters)"
    )
    print(f"per-object reads ({reads} property reads):{' ' * 22}{best_naive * 1000:8.0f} ms")
    print(f"best of {args.repeat}; ratio {best_naive / best_fast:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
