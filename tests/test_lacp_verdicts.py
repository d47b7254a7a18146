"""Verdicts an admin reads in the LACP pane, from host output text to findings with evidence."""

from __future__ import annotations

from lacp_helpers import port, stats, status

from vconsole.esx.lacp import parse_config, parse_stats, parse_status
from vconsole.models.lacp import DvsLag, Verdict
from vconsole.services.lacp_verdicts import judge_host


def judge(text: str, stats_text: str | None = None, vcenter=None, config_text=None, **kw):
    return judge_host(
        "esx-akl-01",
        parse_status(text),
        parse_stats(stats_text) if stats_text else None,
        parse_config(config_text) if config_text else None,
        vcenter,
        **kw,
    )


def codes(row) -> list[str]:
    return [p.code for p in row.problems]


def test_healthy_lag_is_ok_with_two_of_two_bundled():
    j = judge(
        status(port("vmnic2"), port("vmnic3")), stats([("vmnic2", 40, 41), ("vmnic3", 40, 41)])
    )
    assert [r.verdict for r in j.rows] == [Verdict.OK, Verdict.OK]
    assert j.rows[0].summary.startswith("Bundled with 00:23:04:ee:be:64")
    (health,) = j.lags
    assert (health.bundled_links, health.configured_links, health.verdict) == (2, 2, Verdict.OK)


def test_silent_partner_is_named_with_its_evidence_and_degrades_the_lag():
    silent = port("vmnic3", partner="00:00:00:00:00:00", key=0, partner_number=0,
                  state="Stand-alone", partner_flags="")  # fmt: skip
    j = judge(status(port("vmnic2"), silent), stats([("vmnic2", 40, 41), ("vmnic3", 0, 41)]))
    ok, bad = j.rows
    assert ok.verdict == Verdict.OK
    assert bad.verdict == Verdict.CRITICAL
    assert codes(bad) == ["not-bundled", "partner-silent"]
    evidence = bad.problems[1].evidence
    assert (
        "Device ID 00:00:00:00:00:00" in evidence and "Rx LACPDUs 0 while Tx LACPDUs 41" in evidence
    )
    (health,) = j.lags
    assert (health.bundled_links, health.configured_links) == (1, 2)
    assert health.problems[0].code == "lag-degraded"
    assert "1 of 2 links bundled" in health.summary


def test_timeout_mismatch_points_to_kb_376191():
    j = judge(status(port("vmnic2", local_flags="FA"), port("vmnic3", local_flags="FA")))
    row = j.rows[0]
    assert codes(row) == ["timeout-mismatch"]
    assert "KB 376191" in row.problems[0].text
    assert row.problems[0].evidence == "local Flags: FA, partner Flags: SA"
    assert row.verdict == Verdict.WARNING


def test_nics_seeing_two_switch_systems_and_keys_are_flagged():
    j = judge(status(port("vmnic2", partner="00:23:04:ee:be:15", key=1),
                     port("vmnic3", partner="00:23:04:ee:be:16", key=2)))  # fmt: skip
    for row in j.rows:
        assert "partner-mismatch" in codes(row) and "key-mismatch" in codes(row)
        assert row.verdict == Verdict.CRITICAL
    mismatch = next(p for p in j.rows[0].problems if p.code == "partner-mismatch")
    assert mismatch.evidence == "vmnic2: 00:23:04:ee:be:15, vmnic3: 00:23:04:ee:be:16"


def test_port_without_sync_collecting_distributing_is_flagged():
    j = judge(status(port("vmnic2", local_bits="ACT,AGG,"), port("vmnic3")))
    bad = j.rows[0]
    assert codes(bad) == ["port-not-syn-col-dist"]
    assert "SYN/COL/DIST" in bad.problems[0].text


def test_vcenter_config_drift_mode_timeout_and_port_count():
    vc = (DvsLag("DSwitch-AKL", "1", "lag1", mode="passive", uplink_count=4, timeout_mode="fast",
                 hosts=("esx-akl-01",)),)  # fmt: skip
    j = judge(status(port("vmnic2"), port("vmnic3")), vcenter=vc)
    row = j.rows[0]
    assert row.lag == "lag1"
    drift = [p.text for p in row.problems if p.code == "config-drift"]
    assert any(
        "LACP mode differs between vCenter (passive) and the host (Active)" in t for t in drift
    )
    assert any(
        "LACP timeout differs between vCenter (fast) and the host (slow)" in t for t in drift
    )
    assert any("4 ports" in t and "2 NICs" in t for t in drift)


def test_host_without_the_lag_vcenter_expects_gets_a_critical_row():
    vc = (DvsLag("DSwitch-AKL", "1", "lag1", hosts=("esx-akl-01.lab.local",)),)
    j = judge("No running LACP group on the host\n", vcenter=vc)
    (row,) = j.rows
    assert row.verdict == Verdict.CRITICAL and codes(row) == ["config-drift"]
    assert "No running LACP group" in row.problems[0].evidence


def test_host_without_lag_and_no_expectation_is_ok():
    (row,) = judge("No running LACP group on the host\n").rows
    assert row.verdict == Verdict.OK and row.state == "no LAG"


def test_unrecognised_output_is_an_error_row_not_a_crash():
    (row,) = judge("Welcome to the shell\n").rows
    assert row.verdict == Verdict.ERROR and codes(row) == ["output-unrecognised"]


def test_counter_deltas_across_refreshes_detect_a_partner_gone_quiet():
    text = status(port("vmnic2"), port("vmnic3"))
    first = judge(text, stats([("vmnic2", 10, 10), ("vmnic3", 10, 10)]), now=1000.0)
    assert all(r.verdict == Verdict.OK for r in first.rows)
    second = judge(
        text, stats([("vmnic2", 14, 14), ("vmnic3", 10, 14)]), previous=first.counters, now=1100.0
    )
    ok, quiet = second.rows
    assert (ok.rx_delta, ok.tx_delta) == (4, 4) and ok.verdict == Verdict.OK
    assert (quiet.rx_delta, quiet.tx_delta) == (0, 4)
    assert codes(quiet) == ["partner-silent"]
    assert "stuck at 10 for 100 s while Tx rose by 4" in quiet.problems[0].evidence


def test_short_pause_in_rx_is_not_called_silence():
    text = status(port("vmnic2"))
    first = judge(text, stats([("vmnic2", 10, 10)]), now=1000.0)
    second = judge(text, stats([("vmnic2", 10, 11)]), previous=first.counters, now=1010.0)
    assert second.rows[0].verdict == Verdict.OK


def test_stale_partner_age_is_silence():
    j = judge(status(port("vmnic2", age="00:05:00")))
    assert "partner-silent" in codes(j.rows[0])
    assert "00:05:00 ago" in j.rows[0].problems[-1].evidence


def test_vmnics_vcenter_assigns_differently_are_drift():
    vc = (DvsLag("DSwitch-AKL", "1", "lag1", uplink_count=2, hosts=("esx-akl-01",),
                 host_nics=(("esx-akl-01", ("vmnic2", "vmnic4")),)),)  # fmt: skip
    j = judge(status(port("vmnic2"), port("vmnic3")), vcenter=vc)
    drift = [p.text for p in j.rows[0].problems if p.code == "config-drift"]
    assert drift == [
        "LAG membership differs between vCenter (vmnic2,vmnic4) and the host (vmnic2,vmnic3)"
    ]


def test_lag_in_host_config_but_not_running_is_reported():
    config = (
        "DVS Name     LAG Name  LAG ID  NICs           Timeout  Mode    Nic Number  Load Balance\n"
        "-----------  --------  ------  -------------  -------  ------  ----------  ------------\n"
        "DSwitch-AKL  lag1           1  vmnic2,vmnic3  Slow     Active           2  srcMac\n"
        "DSwitch-AKL  lag2           2  vmnic4         Slow     Active           1  srcMac\n"
    )
    j = judge(status(port("vmnic2"), port("vmnic3")), config_text=config)
    assert [r.lag for r in j.rows] == ["lag1", "lag1", "lag2"]
    extra = j.rows[2]
    assert extra.verdict == Verdict.CRITICAL and codes(extra) == ["lag-not-running"]
    assert "vmnic4" in extra.summary
