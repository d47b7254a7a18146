"""Scenario keys of the design checks on the lab: a host's `dvs` list joins it to a switch the
lab would not build for it, and the checks read that membership from the lab vCenter."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lacp_helpers import lab_manager

from vconsole import _toml
from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import scenario_from_dict
from vconsole.lab.scenario_checks import extra_memberships
from vconsole.lab.vcsim import VcsimLab, go_toolchain_missing
from vconsole.lab.vcsim_topology import scenario_to_vcsim_json
from vconsole.services.checks import ChecksService

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]


def nlb_scenario():  # type: ignore[no-untyped-def]
    data = _toml.loads(Path("vconsole/lab/scenarios/default.toml").read_text())
    data["dvs"].append(
        {
            "name": "DSwitch-NLB",
            "multicast_filtering": "snooping",
            "discovery": "lldp",
            "portgroup": [{"name": "NLB-App", "vlan": 300}],
        }  # fmt: skip
    )
    for host in data["host"]:
        if host["name"] == "esx-hq-03":
            host["dvs"] = ["DSwitch-NLB"]
        elif host["name"] == "esx-hq-02":
            host["dvs"] = ["DSwitch-HQ"]  # its own switch only: it stays off DSwitch-NLB
    return scenario_from_dict(data)


def test_a_new_switch_lives_in_the_site_of_the_hosts_that_list_it():
    scenario = nlb_scenario()
    # esx-hq-03 lists it, esx-hq-02 lists only its own switch; the other HQ hosts list nothing,
    # so they join every [[dvs]] of HQ
    joins = {h: ["DSwitch-NLB"] for h in ("esx-hq-01", "esx-hq-03", "esx-witness-01")}
    assert extra_memberships(scenario) == joins
    topology = scenario_to_vcsim_json(scenario)
    hq = next(dc for dc in topology["datacenters"] if dc["site"] == "HQ")
    added = next(sw for sw in hq["switches"] if sw["name"] == "DSwitch-NLB")
    assert added["portgroups"] == ["NLB-App"]
    assert {"host": "esx-hq-03", "dvs": "DSwitch-NLB"} in topology["checks"]["members"]


def test_host_dvs_naming_another_site_is_refused():
    data = _toml.loads(Path("vconsole/lab/scenarios/default.toml").read_text())
    data["host"][0]["dvs"] = ["DSwitch-AKL"]
    from vconsole.lab.scenario import ScenarioError

    with pytest.raises(ScenarioError, match="DSwitch-AKL lives in site AKL's datacenter"):
        scenario_from_dict(data)


def test_checks_read_the_extra_membership_from_vcenter(tmp_path):
    missing = go_toolchain_missing()
    if missing:
        pytest.skip(f"lab vCenter unavailable: {missing}")
    scenario = nlb_scenario()
    vcsim = VcsimLab(scenario, tmp_path / "vcsim")
    vcsim.start()
    try:
        with EsxiLab(scenario, tmp_path / "esxi") as esxi:

            async def run():  # type: ignore[no-untyped-def]
                manager = lab_manager(esxi, tmp_path, vcsim=vcsim, hosts={"esx-hq-03"})
                try:
                    return await ChecksService(manager, ["esx-hq-03"], "vcsa01").refresh()
                finally:
                    await manager.close()

            report = asyncio.run(run())
    finally:
        vcsim.stop()
    rows = {(r.finding.subject.name, r.finding.code): r for r in report.rows}
    agent = rows[("esx-hq-03", "i40en-lldp-agent")]
    assert "DSwitch-NLB uses LLDP" in agent.finding.text
    assert rows[("NLB-App", "nlb-on-snooping")].finding.subject.field("dvs") == "DSwitch-NLB"
