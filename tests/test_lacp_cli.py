"""`vconsole lacp` against the lab's SSH hosts, and `vconsole analyze` on capture files."""

from __future__ import annotations

import json

import pytest
from cli_refusals import refuses_read_only, refuses_unknown_host
from lab_fixtures import esxi_fixture, esxi_targets, write_config
from lacp_helpers import port, stats, status, trust_lab_hosts, write_lacp_capture
from shell_helpers import isolate_dirs
from test_lacp_parsers import STATS_51_V, STATUS_51_V

from vconsole import paths
from vconsole.cli import main
from vconsole.lab.scenario import default_scenario

HOSTS = ("esx-akl-01", "esx-wlg-01", "esx-wlg-02")


esxi = esxi_fixture(default_scenario, "lacp-cli")


@pytest.fixture
def lab_config(esxi, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A config file with the lab hosts; passwords in the environment, host keys pinned."""
    isolate_dirs(monkeypatch, tmp_path)
    config = write_config(tmp_path, {"lab": esxi_targets(esxi, HOSTS, monkeypatch)})
    trust_lab_hosts(esxi, paths.known_hosts_path())
    return config


def test_lacp_json_lists_rows_with_verdicts(lab_config, capsys):
    assert main(["--config", str(lab_config), "lacp", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by = {(r["host"], r["vmnic"]): r for r in rows}
    assert by[("esx-akl-01", "vmnic2")]["verdict"] == "ok"
    silent = by[("esx-wlg-02", "vmnic3")]
    assert silent["verdict"] == "critical"
    assert silent["state"] == "Stand-alone"
    assert "partner-silent" in [p["code"] for p in silent["problems"]]
    assert by[("esx-wlg-01", "vmnic2")]["problems"][0]["code"] == "timeout-mismatch"


def test_one_exec_per_command_gives_the_same_rows_with_more_sessions(esxi, lab_config, capsys):
    def run(*flags: str) -> tuple[list[tuple[str, str, str, str]], int]:
        before = sum(esxi.sessions[h].total for h in HOSTS)
        assert main(["--config", str(lab_config), "lacp", "--json", *flags]) == 0
        rows = json.loads(capsys.readouterr().out)
        execs = sum(esxi.sessions[h].total for h in HOSTS) - before
        return sorted((r["host"], r["vmnic"], r["verdict"], r["state"]) for r in rows), execs

    batched, batched_execs = run()
    alone, alone_execs = run("--one-exec-per-command")
    assert batched == alone and batched
    assert (batched_execs, alone_execs) == (len(HOSTS), 3 * len(HOSTS))  # status, stats, config


def test_lacp_host_filter_and_text_output(lab_config, capsys):
    assert main(["--config", str(lab_config), "lacp", "--host", "esx-wlg-02"]) == 0
    out = capsys.readouterr().out
    assert "esx-akl-01" not in out
    assert "CRITICAL" in out and "evidence: " in out and "Rx LACPDUs 0 while Tx" in out


def test_lacp_unknown_host_names_the_flag_and_choices(lab_config, capsys):
    refuses_unknown_host(lab_config, "lacp", "esx-akl-01", capsys)


def test_set_timeout_refused_in_read_only_mode(lab_config, capsys):
    argv = ["--config", str(lab_config), "--readonly", "lacp", "--host", "esx-wlg-01",
            "--set-timeout", "slow", "--dvs", "DSwitch-WLG", "--lag-id", "1", "--yes"]  # fmt: skip
    refuses_read_only(argv, capsys)


def test_analyze_capture_gives_the_same_rows(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    capture = write_lacp_capture(
        tmp_path / "esx01.json",
        "esx01",
        status(port("vmnic2"), port("vmnic3", local_flags="FA")),
        stats([("vmnic2", 40, 41), ("vmnic3", 40, 41)]),
    )
    assert main(["analyze", str(capture), "--json", "--pane", "lacp"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["host"], r["vmnic"], r["verdict"]) for r in rows] == [
        ("esx01", "vmnic2", "ok"),
        ("esx01", "vmnic3", "warning"),
    ]
    assert rows[1]["problems"][0]["code"] == "timeout-mismatch"


def test_analyze_plain_51_capture_without_config_get(tmp_path, monkeypatch, capsys):
    """A capture pasted from a 5.1-era terminal: status and stats only, no config get."""
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    capture = write_lacp_capture(tmp_path / "old.json", "old-host", STATUS_51_V, STATS_51_V)
    # exit 0: a pane the capture holds no command of (paths) is not run, so nothing is an ERROR
    assert main(["analyze", str(capture), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["captures"][0]["host"] == "old-host"
    assert result["paths"] == [] and result["coverage"]["paths"] == []
    (row,) = result["lacp"]
    assert (row["lag_id"], row["vmnic"], row["partner_device_id"]) == (
        "55555",
        "vmnic3",
        "00:04:96:34:c8:4f",
    )


def test_analyze_rejects_a_file_that_is_not_a_capture(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"host": "x", "commands": ["not", "an", "object"]}))
    assert main(["analyze", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.json" in err and "'commands'" in err


def test_analyze_capture_without_lacp_commands_names_what_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    capture = tmp_path / "old.json"
    capture.write_text(json.dumps({"host": "esx9", "commands": {"esxcli network nic list": ""}}))
    assert (
        main(["analyze", str(capture), "--json", "--pane", "lacp"]) == 1
    )  # the pane reports an ERROR
    (row,) = json.loads(capsys.readouterr().out)
    assert row["verdict"] == "error"
    assert row["problems"][0]["code"] == "not-captured"
    assert "lacp status get" in row["problems"][0]["text"]
