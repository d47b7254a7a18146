"""The LACP service against the lab: real SSH hosts answering esxcli, and the lab vCenter.

The default scenario has a healthy AKL pair, a WLG host whose LAG sends fast LACPDUs to a
slow switch, a WLG host whose switch never answers on vmnic3, and hosts without a LAG.
"""

from __future__ import annotations

import json

import pytest
from lab_fixtures import esxi_fixture, vcsim_fixture, with_host_down
from lacp_helpers import lab_manager

from vconsole.errors import ReadOnlyRefused
from vconsole.lab.scenario import Scenario
from vconsole.models.lacp import Verdict
from vconsole.services.lacp import LacpService, report_json

pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]

DOWN = "esx-hq-03"


def lab_scenario() -> Scenario:
    return with_host_down(DOWN)


esxi = esxi_fixture(lab_scenario, "lacp")
vcsim = vcsim_fixture(lab_scenario, "lacp")


def by_key(report):  # type: ignore[no-untyped-def]
    return {(r.host, r.vmnic): r for r in report.rows}


async def test_estate_rows_verdicts_and_failed_host(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path)
    try:
        service = LacpService(manager, sorted(esxi.endpoints))
        report = await service.refresh()
    finally:
        await manager.close()
    rows = by_key(report)
    for nic in ("vmnic2", "vmnic3"):
        assert rows[("esx-akl-01", nic)].verdict == Verdict.OK
        assert rows[("esx-akl-01", nic)].partner_device_id == "00:23:04:ee:be:15"
        assert rows[("esx-akl-01", nic)].state == "Bundled"
    mismatch = rows[("esx-wlg-01", "vmnic2")]
    assert [p.code for p in mismatch.problems] == ["timeout-mismatch"]
    assert (mismatch.local_flags, mismatch.partner_flags) == ("FA", "SA")
    silent = rows[("esx-wlg-02", "vmnic3")]
    assert silent.verdict == Verdict.CRITICAL
    assert {"not-bundled", "partner-silent"} <= {p.code for p in silent.problems}
    assert silent.rx_lacpdus == 0 and silent.tx_lacpdus and silent.tx_lacpdus > 0
    wlg02 = next(h for h in report.lags if h.host == "esx-wlg-02")
    assert (wlg02.bundled_links, wlg02.configured_links) == (1, 2)
    down = rows[(DOWN, "")]
    assert down.verdict == Verdict.ERROR and down.error
    assert down.problems[0].code == "host-unreachable"
    assert rows[("esx-witness-01", "")].state == "no LAG"
    assert "esxcli network vswitch dvs vmware lacp stats get" in service.transcript("esx-wlg-02")
    as_json = report_json(report)
    json.dumps(as_json)
    sample = next(r for r in as_json if r["host"] == "esx-wlg-02" and r["vmnic"] == "vmnic3")
    for field in ("host", "dvs", "lag", "lag_id", "vmnic", "state", "local_flags",
                  "partner_flags", "partner_device_id", "partner_oper_key", "port_state",
                  "rx_lacpdus", "tx_lacpdus", "verdict", "problems"):  # fmt: skip
        assert field in sample
    assert sample["partner_device_id"] == "00:00:00:00:00:00"
    assert isinstance(sample["port_state"], list)


async def test_second_refresh_reports_counter_deltas(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts={"esx-wlg-01"})
    try:
        service = LacpService(manager, ["esx-wlg-01"])
        await service.refresh()
        esxi.clock.sleep(2.2)
        second = await service.refresh()
    finally:
        await manager.close()
    row = by_key(second)[("esx-wlg-01", "vmnic2")]
    assert row.tx_delta is not None and row.tx_delta >= 2  # fast: one LACPDU a second
    transcript = service.transcript("esx-wlg-01")
    assert "lacp config get\n# (output from an earlier refresh" in transcript
    assert row.rx_delta is not None


async def test_timeout_set_fixes_the_mismatch_and_is_audited(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts={"esx-wlg-01"})
    try:
        service = LacpService(manager, ["esx-wlg-01"])
        await service.set_timeout("esx-wlg-01", "DSwitch-WLG", "1", "slow")
        report = await service.refresh()
        await service.set_timeout(
            "esx-wlg-01", "DSwitch-WLG", "1", "fast"
        )  # as the scenario has it
    finally:
        await manager.close()
    row = by_key(report)[("esx-wlg-01", "vmnic2")]
    assert row.local_flags == "SA"
    assert "timeout-mismatch" not in {p.code for p in row.problems}
    audit = (tmp_path / "audit.jsonl").read_text()
    assert "lacp timeout set -l 1 -t 0 -s DSwitch-WLG" in audit


async def test_timeout_set_is_refused_read_only_before_any_io(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts={"esx-wlg-01"}, read_only=True)
    try:
        service = LacpService(manager, ["esx-wlg-01"])
        with pytest.raises(ReadOnlyRefused):
            await service.set_timeout("esx-wlg-01", "DSwitch-WLG", "1", "slow")
        assert manager.ssh_connects == 0
    finally:
        await manager.close()


async def test_vcenter_config_joins_names_and_flags_drift(esxi, vcsim, tmp_path):
    manager = lab_manager(esxi, tmp_path, vcsim=vcsim, hosts={"esx-akl-01", "esx-wlg-01"})
    try:
        service = LacpService(manager, ["esx-akl-01", "esx-wlg-01"], "vcsa01")
        reads: list[int] = []
        read_lags = service._vcenter_lags

        async def counted():  # type: ignore[no-untyped-def]
            reads.append(1)
            return await read_lags()

        service._vcenter_lags = counted  # type: ignore[method-assign]
        report = await service.refresh()
        cached = await service.refresh()
        assert len(reads) == 1  # config is not re-read on every poll
        reread = await service.refresh(full=True)
        assert len(reads) == 2
    finally:
        await manager.close()
    assert report.vcenter_error == ""
    assert cached.vcenter_lags is report.vcenter_lags
    # read again and found the same: the LAGs read first are kept (no fresh copy held)
    assert reread.vcenter_lags is report.vcenter_lags
    lags = {(lag.dvs, lag.name): lag for lag in report.vcenter_lags}
    akl = lags[("DSwitch-AKL", "lag1")]
    assert akl.key == "1" and akl.uplink_count == 2 and akl.timeout_mode == "slow"
    assert akl.hosts == ("esx-akl-01", "esx-akl-02")
    assert akl.nics_of("esx-akl-01") == ("vmnic2", "vmnic3")
    rows = by_key(report)
    assert rows[("esx-akl-01", "vmnic2")].lag == "lag1"
    assert rows[("esx-akl-01", "vmnic2")].verdict == Verdict.OK
    drift = [p for p in rows[("esx-wlg-01", "vmnic2")].problems if p.code == "config-drift"]
    assert (
        drift and "LACP timeout differs between vCenter (slow) and the host (fast)" in drift[0].text
    )


def test_capture_registry_holds_every_lacp_read_command():
    from vconsole.esx.lacp import READ_COMMANDS
    from vconsole.sessions.capture import CAPTURE_COMMANDS

    captured = {c.line for c in CAPTURE_COMMANDS}
    assert {c.line for c in READ_COMMANDS} <= captured


async def test_capture_of_a_lab_host_analyzes_like_the_live_host(esxi, tmp_path, monkeypatch):
    from vconsole.services.analyze import analyze_captures
    from vconsole.sessions.capture import capture_host, write_capture

    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    manager = lab_manager(esxi, tmp_path, hosts={"esx-wlg-02"})
    try:
        live = await LacpService(manager, ["esx-wlg-02"]).refresh()
        capture = write_capture(tmp_path / "wlg02.json", await capture_host(manager, "esx-wlg-02"))
    finally:
        await manager.close()
    offline = (await analyze_captures([capture], ["lacp"]))["lacp"]

    def verdicts(rows):  # type: ignore[no-untyped-def]
        return [(r["host"], r["vmnic"], r["verdict"], sorted(p["code"] for p in r["problems"]))
                for r in rows]  # fmt: skip

    assert verdicts(offline) == verdicts(report_json(live))
    assert any(r["vmnic"] == "vmnic3" and r["verdict"] == "critical" for r in offline)
