"""The consistency oracle: a lab started from a scenario drawn from the documented keys only,
read back with `lacp`, `paths`, `gpus`, `mtu` and `inventory --json`, says what the scenario says.

A few examples with a fixed seed run in the suite; `bench/bench_oracle.py` runs many more with
fresh seeds (`VCONSOLE_ORACLE_EXAMPLES`, `VCONSOLE_ORACLE_SEED`).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from oracle_helpers import run_json, scenarios, write_scenario

from vconsole import paths
from vconsole.lab.lab_numbers import host_load
from vconsole.lab.labfiles import write_lab_files
from vconsole.lab.runtime import LabRuntime
from vconsole.lab.scenario import Scenario
from vconsole.lab.vcsim import vcsim_unavailable
from vconsole.lab.vcsim_topology import lab_vms
from vconsole.services.gpus_checks import needed_gbps

pytestmark = [
    pytest.mark.lab,
    pytest.mark.timeout(900),
    pytest.mark.skipif(bool(vcsim_unavailable()), reason=f"lab: {vcsim_unavailable()}"),
]

INVENTORY = ("vm", "host", "cluster", "datastore", "network")
EXAMPLES = int(os.environ.get("VCONSOLE_ORACLE_EXAMPLES", "4"))
SEED = int(os.environ.get("VCONSOLE_ORACLE_SEED", "20261204"))


def check_lab(data: dict[str, Any]) -> None:
    """Start the lab from `data`, run every pane's JSON command, compare with the scenario."""
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        scenario = write_scenario(data, tmp / "scenario.toml")
        runtime = LabRuntime(scenario, tmp / "lab")
        services = runtime.start()
        try:
            write_lab_files(
                tmp / "lab", services, scenario_name=scenario.name, pid=0, real_network=False
            )
            config = tmp / "lab" / "lab.toml"
            check_lacp(scenario, run_json(config, "lacp"))
            check_paths(scenario, run_json(config, "paths"))
            check_inventory(
                scenario, {t: run_json(config, "inventory", "--type", t) for t in INVENTORY}
            )
            check_mtu(scenario, config)
            if scenario.bitfusion.servers:
                check_gpus(scenario, run_json(config, "gpus"))
            for org in scenario.vcd.orgs:
                if org.portal_name:
                    got = run_json(config, "branding", "get", "--tenant", org.name)
                    assert got["portalName"] == org.portal_name, got
        finally:
            runtime.stop()
            paths.use_profile_state_dir(None)


def check_lacp(scenario: Scenario, rows: list[dict[str, Any]]) -> None:
    got = {(r["host"], r["vmnic"]): r for r in rows if r["vmnic"]}
    for h in scenario.hosts:
        if h.down:
            mine = [r for r in rows if r["host"] == h.name]
            assert mine and all(r["error"] and r["verdict"] == "error" for r in mine), mine
            continue
        for lag in h.lags:
            for nic in lag.nics:
                row = got[(h.name, nic)]
                assert (row["lag"], row["dvs"], str(row["lag_id"])) == (
                    lag.name, lag.dvs, str(lag.lag_id)
                ), row  # fmt: skip
                codes = {p["code"] for p in row["problems"]}
                silent = nic in lag.partner_silent
                assert (row["state"] == "Bundled") is not silent, row
                assert ("timeout-mismatch" in codes) is (
                    lag.timeout != lag.partner_timeout and not silent
                ), row
                if not silent and lag.timeout == lag.partner_timeout:
                    assert row["verdict"] == "ok" and row["problems"] == [], row


def check_paths(scenario: Scenario, rows: list[dict[str, Any]]) -> None:
    running = [h for h in scenario.hosts if not h.down]
    up = {h.name for h in running}
    got = {(r["host"], r["device"], r["path"]): r for r in rows if r["host"] in up}
    assert len(got) == sum(len(lun.paths) for h in running for lun in h.luns)
    for h in scenario.hosts:
        if h.down:  # vCenter may still describe its paths; every row says it is unreachable
            assert all(r["verdict"] == "error" for r in rows if r["host"] == h.name)
            continue
        for lun in h.luns:
            active = [p for p in lun.paths if p.state == "active"]
            healthy = not any(p.state == "dead" for p in lun.paths) and all(
                p.read_ms < 5 for p in active
            )
            for p in lun.paths:
                row = got[(h.name, lun.id, p.name)]
                assert row["state"] == p.state, row
                if p.state == "dead":
                    assert row["verdict"] == "critical" and not row["read_ms"], row
                elif p.state == "active":
                    # perf counters are whole ms with an 8 % wobble, never below 1
                    assert abs(row["read_ms"] - max(1.0, p.read_ms)) <= 0.08 * p.read_ms + 1, row
                    if p.read_ms >= 30:
                        assert row["verdict"] != "ok", row
                if healthy:
                    assert row["problems"] == [], row


def check_inventory(scenario: Scenario, by_type: dict[str, list[dict[str, Any]]]) -> None:
    vms = lab_vms(scenario)
    got_vms = {o["name"]: o for o in by_type.get("vm", [])}
    assert set(got_vms) == {vm.name for vm in vms}
    for vm in vms:
        row = got_vms[vm.name]
        assert (row["host"], row["vcpu"], row["memory_mb"]) == (vm.host, vm.cpu, vm.memory_mb)
        assert (row["power_state"] == "poweredOn") is vm.powered_on, row
    per_host = Counter(vm.host for vm in vms)
    hosts = {o["name"]: o for o in by_type["host"]}
    assert set(hosts) == {h.name for h in scenario.hosts}
    for h in scenario.hosts:
        row = hosts[h.name]
        assert row["cluster"] == h.cluster
        assert (row["connection_state"] == "connected") is not h.down, row
        assert row["vm_count"] == per_host[h.name], row
        on = [(vm.name, vm.powered_on, vm.cpu, vm.memory_mb) for vm in vms if vm.host == h.name]
        load = host_load(h, on)
        assert (row["cpu_usage_mhz"], row["memory_usage_mb"]) == (
            load.cpu_usage_mhz, load.memory_usage_mb
        ), row  # fmt: skip
    clusters = {o["name"]: o for o in by_type["cluster"]}
    assert set(clusters) == set(scenario.clusters())
    for name, members in scenario.clusters().items():
        assert clusters[name]["host_count"] == len(members)
        assert clusters[name]["total_cpu_mhz"] == sum(h.cpu_cores * h.cpu_mhz for h in members)
        assert clusters[name]["total_memory_mb"] == sum(h.memory_gb * 1024 for h in members)
    sites = {s.datacenter: [h for h in scenario.hosts if h.site == s.name] for s in scenario.sites}
    for net in by_type["network"]:
        if net["name"] == "VM Network":
            assert net["host_count"] == len(sites[net["datacenter"]]), net


def check_mtu(scenario: Scenario, config: Path) -> None:
    """vmk1 of every host to vmk1 of every other: the path MTU the scenario models."""
    vmk1 = {h.name: h.vmk("vmk1") for h in scenario.hosts}
    names = sorted(vmk1)
    if len(names) < 2:
        return
    words = ["mtu", "--vmk", "vmk1"]
    for n in names:
        words += ["--host", n, "--target", vmk1[n].ip]  # type: ignore[union-attr]
    for r in run_json(config, *words):
        addr = r["address"] or r["target"]
        dst = next(n for n in names if vmk1[n].ip == addr)  # type: ignore[union-attr]
        if dst == r["host"]:
            continue
        expected = scenario.path(r["host"], "vmk1", vmk1[dst].ip)  # type: ignore[union-attr]
        if scenario.host(r["host"]).down:
            assert r["error"] and r["path_mtu"] is None, r
            continue
        assert r["vmk_mtu"] == expected.local_mtu, r
        if expected.reachable:
            # nothing larger than the sending vmk's own MTU leaves the host
            mtu = min(expected.local_mtu, expected.mtu)
            assert r["path_mtu"] == mtu, (r["host"], dst, r["verdict"], expected.hops)
            if expected.mtu < expected.local_mtu:
                assert r["verdict"] == "path_below_vmk", (r, expected.hops)
            else:
                assert r["severity"] in ("ok", "info"), (r, expected.hops)
        else:
            assert r["path_mtu"] is None, r


def check_gpus(scenario: Scenario, pool: dict[str, Any]) -> None:
    servers = {s["name"]: s for s in pool["servers"]}
    assert set(servers) == {s.name for s in scenario.bitfusion.servers}
    for s in scenario.bitfusion.servers:
        got = servers[s.name]
        assert (got["address"].rsplit(":", 1)[0], got["host"]) == (s.address, s.host), got
        assert len(got["gpus"]) == s.gpus and got["host_nic_gbps"] is not None, got
    assert pool["totals"]["gpus"] == sum(s.gpus for s in scenario.bitfusion.servers)
    assert "network-unchecked" not in {p["code"] for p in pool["problems"]}
    undersized = {p["subject"] for p in pool["problems"] if p["code"] == "network-undersized"}
    for s in scenario.bitfusion.servers:
        fastest = max(n.speed_mbps for n in scenario.host(s.host).nics if n.link_up) / 1000
        assert (s.name in undersized) is (needed_gbps(s.gpus) > fastest), (s, fastest)


@seed(SEED)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # a lab per example: shrinking would take minutes
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios())
def test_every_pane_reports_what_the_scenario_says(data: dict[str, Any]) -> None:
    check_lab(data)
