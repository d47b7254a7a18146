"""The design checks against the lab: real SSH hosts, the lab vCenter (govmomi's simulator with
the lab's slot info and link-down events), `vconsole checks --json`, and captures in `analyze`.

The default scenario is built to show a finding per check and one host (esx-hq-01) where every
check passes; esx-wlg-01 is taken down here to show an unreachable host.
"""

from __future__ import annotations

import asyncio
import gc
import json

import pytest
from lab_fixtures import (
    esxi_fixture,
    esxi_targets,
    vcenter_target,
    vcsim_fixture,
    with_host_down,
    write_config,
)
from lacp_helpers import lab_manager, trust_lab_hosts
from shell_helpers import isolate_dirs

from vconsole import paths
from vconsole.cli import main
from vconsole.lab.scenario import Scenario
from vconsole.models.common import Verdict
from vconsole.services.analyze import analyze_captures
from vconsole.services.checks import CheckFindings, ChecksService
from vconsole.services.checks_host import BACKGROUND_COMMANDS_AT_ONCE
from vconsole.sessions.capture import capture_host, write_capture

pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]

DOWN = "esx-wlg-01"
CLEAN = "esx-hq-01"


def lab_scenario() -> Scenario:
    return with_host_down(DOWN)


esxi = esxi_fixture(lab_scenario, "checks")
vcsim = vcsim_fixture(lab_scenario, "checks")


@pytest.fixture(scope="module")
def report(esxi, vcsim, tmp_path_factory):  # type: ignore[no-untyped-def]
    async def run():  # type: ignore[no-untyped-def]
        manager = lab_manager(esxi, tmp_path_factory.mktemp("checks-mgr"), vcsim=vcsim)
        try:
            return await ChecksService(manager, sorted(esxi.endpoints), "vcsa01").refresh()
        finally:
            await manager.close()

    return asyncio.run(run())


def codes(report, check, name=None):  # type: ignore[no-untyped-def]
    return {
        (r.finding.subject.name, r.finding.code): r
        for r in report.rows_of(check)
        if name is None or r.finding.subject.name == name
    }


def test_every_check_has_a_finding_and_one_host_passes_all(report):
    assert report.vcenter_error == ""
    for check in report.checks:
        worst = max((r.verdict for r in report.rows_of(check.id)), key=lambda v: v.rank)
        assert worst.rank >= Verdict.WARNING.rank, check.id
    clean = [r for r in report.rows if r.finding.subject.host == CLEAN]
    assert {r.check.id for r in clean} == {"flapping", "lldp", "boot"}
    assert all(r.verdict is Verdict.OK for r in clean)
    drifting = [r for r in report.rows_of("drift") if r.verdict is not Verdict.OK]
    assert all(CLEAN not in r.finding.text for r in drifting)
    assert report.exit_code == 1


def test_multicast_mode_and_nlb_portgroup(report):
    rows = codes(report, "multicast")
    assert rows[("DSwitch-HQ", "multicast-mode-differs")].value == "legacyFiltering, 6.6.0"
    assert rows[("DSwitch-AKL", "multicast-mode")].verdict is Verdict.OK
    nlb = rows[("NLB-Web", "nlb-on-snooping")]
    assert nlb.verdict is Verdict.WARNING and "DSwitch-AKL" in nlb.fix


def test_flapping_reads_inverted_failback_updelay_and_link_down_events(report):
    rows = codes(report, "flapping")
    assert rows[("vSAN-WLG", "portgroup-failback")].value == "failback No"
    assert "rollingOrder = true" in rows[("vSAN-WLG", "portgroup-failback")].finding.evidence
    assert rows[("vSAN-AKL", "portgroup-failback")].value == "failback Yes"
    flaps = rows[("esx-akl-02", "link-flaps")]
    assert "vmnic3: 6" in flaps.finding.text
    exposed = rows[("esx-akl-01", "failback-default-updelay")]
    assert "100 ms" in exposed.finding.text
    for remedy in ("dampening", "Failback: No", "TeamPolicyUpDelay -i 30000"):
        assert remedy in exposed.fix
    assert rows[(CLEAN, "flapping-exposure")].value == "up-delay 30000 ms"


def test_lldp_agent_fix_has_one_zero_per_port_and_a_reboot(report):
    rows = codes(report, "lldp")
    agent = rows[("esx-akl-01", "i40en-lldp-agent")]
    assert agent.fix.startswith("esxcli system module parameters set -m i40en -p LLDP=0,0 ")
    assert "reboot" in agent.fix
    assert rows[("esx-akl-02", "i40en-lldp-agent")].value == "LLDP not set: driver default 1"
    assert rows[("esx-hq-03", "i40en-lldp-agent-idle")].verdict is Verdict.INFO
    assert rows[("esx-hq-02", "no-i40en")].verdict is Verdict.OK


def test_boot_media(report):
    rows = codes(report, "boot")
    assert rows[("esx-wlg-02", "osdata-on-sd-usb")].verdict is Verdict.CRITICAL
    sd = rows[("esx-witness-01", "boot-sd-usb")]
    assert sd.verdict is Verdict.WARNING and "32 GB" in sd.finding.text
    assert rows[(DOWN, "unreadable")].verdict is Verdict.ERROR


def test_ha_slots_name_the_vm_that_sets_the_slot(report):
    rows = codes(report, "ha-slots")
    inflated = rows[("MGMT", "slot-inflated")]
    assert "MGMT-vm-0007" in inflated.finding.text
    assert inflated.value.startswith("slot 4000 MHz / 3172 MB")
    default = rows[("AKL-VSAN", "default-slot-size")]
    assert "slot 32 MHz / 100 MB" in default.value
    # AKL: 2 hosts, each holding as many 32 MHz / 100 MB slots as its CPU and memory fit (the
    # scenario's hardware); 13 VMs; one host can fail, its slots are kept for failover
    akl = [h for h in lab_scenario().hosts if h.cluster == "AKL-VSAN"]
    per_host = [min(h.cpu_cores * h.cpu_mhz // 32, h.memory_gb * 1024 // 100) for h in akl]
    total, available = sum(per_host), sum(per_host) - 13 - max(per_host)
    assert len(akl) == 2 and default.value.endswith(
        f"{total} total, 13 used, {available} available; failover capacity 1 host"
    )
    assert rows[("WLG-VSAN", "ha-no-slots")].verdict is Verdict.OK


def test_drift_lists_the_host_off_the_majority(report):
    drift = [r for r in report.rows_of("drift") if r.finding.code == "drift"]
    assert [r.finding.subject.field("setting") for r in drift] == ["EnablePSPLatencyPolicy"]
    assert "esx-hq-03 (0)" in drift[0].finding.text
    assert drift[0].fix.endswith("/Misc/EnablePSPLatencyPolicy -i 1")
    settings = {
        (r.finding.subject.name, r.finding.subject.field("setting"))
        for r in report.rows_of("drift")
    }
    # vmk MTUs are compared by the service vCenter selects each vmk for, not by vmk number
    assert {("AKL-VSAN", "vsan vmk MTU"), ("MGMT", "vmotion vmk MTU")} <= settings


@pytest.fixture
def lab_config(esxi, vcsim, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    isolate_dirs(monkeypatch, tmp_path)
    targets = esxi_targets(esxi, sorted(esxi.endpoints), monkeypatch)
    targets.append(vcenter_target(vcsim, monkeypatch))
    config = write_config(tmp_path, {"lab": {"targets": targets, "nlb_portgroups": ["vMotion-*"]}})
    trust_lab_hosts(esxi, paths.known_hosts_path())
    return config


def test_cli_json_lists_every_check_and_exits_1(lab_config, capsys):
    assert main(["--config", str(lab_config), "checks", "--json"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert [c["check"] for c in body["checks"]] == [
        "multicast", "flapping", "lldp", "boot", "ha-slots", "drift"
    ]  # fmt: skip
    row = next(r for r in body["rows"] if r["code"] == "i40en-lldp-agent")
    for key in ("check", "verdict", "subject", "evidence", "why", "fix", "value", "source"):
        assert row[key], key
    nlb = {r["subject"] for r in body["rows"] if r["code"] == "nlb-on-snooping"}
    assert nlb == {"vMotion-AKL", "vMotion-WLG"}  # the profile's patterns replace *nlb*


def test_cli_clean_host_exits_0_and_bad_input_exits_2(lab_config, capsys):
    argv = ["--config", str(lab_config), "checks", "--no-vcenter", "--host", CLEAN]
    assert main([*argv, "--check", "lldp", "--check", "boot"]) == 0
    out = capsys.readouterr().out
    assert "3. Intel X710/XL710" in out and "fix (not run)" not in out
    assert main([*argv, "--check", "nope"]) == 2
    assert "--check: unknown nope; accepted: multicast" in capsys.readouterr().err
    assert main(["--config", str(lab_config), "checks", "--host", "esx-nope"]) == 2


async def test_checks_on_captures_in_analyze(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts={"esx-wlg-02", "esx-akl-01", "esx-akl-02"})
    files = []
    try:
        for host in ("esx-wlg-02", "esx-akl-01", "esx-akl-02"):
            files.append(
                write_capture(tmp_path / f"{host}.json", await capture_host(manager, host))
            )
    finally:
        await manager.close()
    out = await analyze_captures(files, panes=["checks"])
    rows = {(r["subject"], r["code"]): r for r in out["checks"]["rows"]}
    assert rows[("esx-wlg-02", "osdata-on-sd-usb")]["severity"] == "critical"
    assert rows[("esx-akl-01", "i40en-lldp-agent-idle")]["value"] == "LLDP 1,1"
    assert rows[("vCenter", "needs-vcenter")]["check"] in ("multicast", "ha-slots")
    delay = rows[("captured hosts", "no-drift")]
    assert delay["severity"] == "ok"


class CountingSessions:
    """The real manager, with the most commands it was running at once counted."""

    def __init__(self, manager):  # type: ignore[no-untyped-def]
        self.manager = manager
        self.running = self.most = 0

    async def run(self, target, command, **kwargs):  # type: ignore[no-untyped-def]
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            return await self.manager.run(target, command, **kwargs)
        finally:
            self.running -= 1

    def __getattr__(self, name):  # type: ignore[no-untyped-def]
        return getattr(self.manager, name)


def seen(report):  # type: ignore[no-untyped-def]
    """What the admin reads in each row, the time it was read left out."""
    return [
        (r.check.id, r.finding.subject.key, r.finding.code, r.verdict, r.value, r.finding.text)
        for r in report.rows
    ]


@pytest.mark.parametrize("at_once", [1, 3])
async def test_a_bounded_read_has_that_many_commands_out_and_finds_the_same(
    esxi, vcsim, tmp_path, report, at_once
):
    counting = CountingSessions(lab_manager(esxi, tmp_path, vcsim=vcsim))
    try:
        service = ChecksService(
            counting, sorted(esxi.endpoints), "vcsa01", commands_at_once=at_once
        )
        bounded = await service.refresh()
    finally:
        await counting.manager.close()
    assert counting.most == at_once  # every host was asked, never more commands out than that
    assert seen(bounded) == seen(report)
    assert {h.host for h in bounded.hosts} == set(esxi.endpoints)


async def test_triage_reads_the_same_findings_with_its_commands_bounded(
    esxi, vcsim, tmp_path, report
):
    counting = CountingSessions(lab_manager(esxi, tmp_path, vcsim=vcsim))
    try:
        reading = await CheckFindings(counting, counting.manager.profile).read()
    finally:
        await counting.manager.close()
    assert counting.most == BACKGROUND_COMMANDS_AT_ONCE < 7 * len(esxi.endpoints)

    def shown(findings):  # type: ignore[no-untyped-def]
        return sorted((f.code, f.subject.key, f.severity.value, f.text) for f in findings)

    assert shown(reading.findings) == shown(report.findings())


async def test_the_vcenter_read_leaves_no_answer_for_the_cyclic_collector(esxi, vcsim, tmp_path):
    """pyVmomi's answers are freed when the read drops them: none waits in a reference cycle for
    a full collection (which comes up to a minute later in a console left open)."""
    manager = lab_manager(esxi, tmp_path, vcsim=vcsim)
    service = ChecksService(manager, [], "vcsa01")
    try:
        await service.refresh()  # connected, and every module the read needs imported
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            report = await service.refresh()
            gc.collect()
            left = [o for o in gc.garbage if type(o).__module__.startswith("pyVmomi")]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    finally:
        await manager.close()
    assert report.vcenter_error == "" and report.rows_of("ha-slots")
    assert left == []
