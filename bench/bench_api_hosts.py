"""Hosts through vCenter (esxcli over the vSphere API) beside the same hosts over SSH, one run.

1. LACP refresh of every host of a generated lab: the `lab-vcenter` profile (no host listed,
   hosts discovered from vCenter, each command an ExecuteSoap through vCenter) beside the `lab`
   profile (each host over its own SSH connection). Cold (first refresh: logins, handshakes,
   executer look-ups) and warm (second refresh) are shown apart, plus the discovery read.
2. MTU search for one pair (vmk1 to a host behind a 1280 WAN): rounds, probes and wall time
   through the API beside SSH.

    .venv/bin/python bench/bench_api_hosts.py [--hosts 200] [--warm 3]
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


def start_lab(hosts: int, where: Path) -> tuple[Any, Path]:
    from vconsole.lab.labfiles import write_lab_files
    from vconsole.lab.runtime import LabRuntime
    from vconsole.lab.scenario import generate_scenario

    scenario = generate_scenario(hosts=hosts, vms=hosts, luns_per_host=1, paths_per_lun=2)
    runtime = LabRuntime(scenario, where, with_vcd=False, with_bitfusion=False)
    services = runtime.start()
    write_lab_files(
        where, services, scenario_name=scenario.name, pid=os.getpid(), real_network=False
    )
    return runtime, where / "lab.toml"


async def manager_for(config: Path, name: str) -> tuple[Any, float]:
    from vconsole.config import load_config
    from vconsole.sessions.discovery import discover_profile
    from vconsole.sessions.manager import SessionManager

    profile = load_config(config).profile(name)
    manager = SessionManager(profile, max_workers=128, fan_out_limit=64)
    started = time.perf_counter()
    if profile.hosts is not None:
        await discover_profile(manager)
    return manager, time.perf_counter() - started


async def lacp_side(config: Path, name: str, warm: int) -> dict[str, Any]:
    from vconsole.services.lacp import LacpService

    manager, discovery_s = await manager_for(config, name)
    try:
        hosts = manager.profile.names("esxi")
        service = LacpService(manager, hosts)
        started = time.perf_counter()
        report = await service.refresh()
        cold = time.perf_counter() - started
        warm_times = []
        for _ in range(warm):
            started = time.perf_counter()
            report = await service.refresh()
            warm_times.append(time.perf_counter() - started)
        failed = [h.host for h in report.hosts if not h.ok]
        return {
            "hosts": len(hosts),
            "rows": len(report.rows),
            "failed": failed,
            "discovery_s": discovery_s,
            "cold_s": cold,
            "warm_s": min(warm_times) if warm_times else float("nan"),
        }
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
            "verdict": result.verdict.code if hasattr(result.verdict, "code") else result.verdict,
            "rounds": result.rounds,
            "probes": len(result.evidence),
            "wall_s": wall,
        }
    finally:
        await manager.close()


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-api-hosts-"))
    os.environ.setdefault("VCONSOLE_STATE_DIR", str(tmp / "state"))
    os.environ.setdefault("VCONSOLE_CONFIG_DIR", str(tmp / "cfg"))
    started = time.perf_counter()
    runtime, config = await asyncio.to_thread(start_lab, args.hosts, tmp / "lab")
    print(f"lab of {args.hosts} generated hosts up in {time.perf_counter() - started:.1f} s")
    try:
        print(f"\n1. LACP refresh of every host ({args.warm} warm refreshes, best shown)")
        print(f"{'way':<28}{'hosts':>6}{'rows':>6}{'failed':>7}{'find':>8}{'cold':>8}{'warm':>8}")
        for label, profile in (
            ("SSH (lab, hosts listed)", "lab"),
            ("API (lab-vcenter)", "lab-vcenter"),
        ):
            r = await lacp_side(config, profile, args.warm)
            print(
                f"{label:<28}{r['hosts']:>6}{r['rows']:>6}{len(r['failed']):>7}"
                f"{r['discovery_s']:>7.2f}s{r['cold_s']:>7.2f}s{r['warm_s']:>7.2f}s"
            )
        print("\n2. MTU search, one pair (esx0002 vmk1 -> esx0003:vmk1)")
        print(f"{'way':<28}{'path MTU':>9}{'rounds':>8}{'probes':>8}{'wall':>9}")
        for label, profile in (("SSH", "lab"), ("API", "lab-vcenter")):
            m = await mtu_side(config, profile, "esx0002", "esx0003:vmk1")
            print(
                f"{label:<28}{m['path_mtu']!s:>9}{m['rounds']:>8}{m['probes']:>8}"
                f"{m['wall_s']:>8.2f}s"
            )
    finally:
        await asyncio.to_thread(runtime.stop)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--warm", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
