"""`vconsole paths` against the lab (SSH hosts and vCenter), and `vconsole analyze` on captures."""

from __future__ import annotations

import json

import pytest
from cli_refusals import refuses_read_only, refuses_unknown_host
from esxi_lab_helpers import LabShell
from lab_fixtures import esxi_fixture, esxi_targets, vcenter_target, vcsim_fixture, write_config
from lacp_helpers import trust_lab_hosts
from shell_helpers import isolate_dirs

from vconsole import paths
from vconsole.cli import main
from vconsole.esx.storage import READ_COMMANDS
from vconsole.lab.scenario import default_scenario

pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]

HOSTS = ("esx-hq-01", "esx-hq-02", "esx-hq-03")
DS01 = "naa.600a098038304437415d4b6a59684a52"


esxi = esxi_fixture(default_scenario, "paths-cli")
vcsim = vcsim_fixture(default_scenario, "paths-cli")


@pytest.fixture
def lab_config(esxi, vcsim, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A config file with the HQ hosts and the lab vCenter; passwords in the environment."""
    isolate_dirs(monkeypatch, tmp_path)
    targets = [*esxi_targets(esxi, HOSTS, monkeypatch), vcenter_target(vcsim, monkeypatch)]
    config = write_config(tmp_path, {"lab": targets})
    trust_lab_hosts(esxi, paths.known_hosts_path())
    return config


def test_json_rows_for_one_host_and_device(lab_config, capsys):
    argv = ["--config", str(lab_config), "paths", "--json", "--host", "esx-hq-03",
            "--device", DS01]  # fmt: skip
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["host"], r["device"]) for r in rows} == {("esx-hq-03", DS01)}
    assert len(rows) == 4
    for r in rows:
        assert (r["psp"], r["rr_type"], r["state"]) == ("VMW_PSP_RR", "iops", "active")
        assert r["psp_latency_policy_enabled"] is False
        assert r["read_ms"] is not None and r["write_ms"] is not None
        # the device's and host's findings are the device's, not each path's
        assert r["verdict"] == "ok" and r["device_verdict"] == "warning"
        device_codes = {p["code"]: p for p in r["device_problems"]}
        assert {"rr-iops-1000", "latency-policy-disabled"} <= set(device_codes)
        assert device_codes["rr-iops-1000"]["kind"] == "device"
        assert device_codes["latency-policy-disabled"]["scope"] == "host"


def test_text_output_names_outliers_with_evidence(lab_config, capsys):
    assert main(["--config", str(lab_config), "paths"]) == 0
    out = capsys.readouterr().out
    assert "esx-hq-01" in out and "vmhba64:C2:T0:L1" in out
    assert "write latency p50" in out and "evidence: write p50/p95/max" in out
    assert "CRITICAL" in out and "is dead" in out
    assert "EnablePSPLatencyPolicy: esx-hq-01=on esx-hq-02=on esx-hq-03=off" in out


def test_thresholds_change_the_verdicts(lab_config, capsys):
    argv = ["--config", str(lab_config), "paths", "--json", "--host", "esx-hq-01",
            "--slow-ratio", "100"]  # fmt: skip
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all("path-slow" not in [p["code"] for p in r["problems"]] for r in rows)


def test_bad_input_names_the_flag(lab_config, capsys):
    assert main(["--config", str(lab_config), "paths", "--device", "sda; rm -rf /"]) == 2
    assert "--device" in capsys.readouterr().err
    assert main(["--config", str(lab_config), "paths", "--davg-ms", "-1"]) == 2
    assert "--davg-ms" in capsys.readouterr().err
    argv = ["--config", str(lab_config), "paths", "--set-rr", "latency", "--device", DS01]
    assert main(argv) == 2
    assert "exactly one --host" in capsys.readouterr().err


def test_unknown_host_names_the_flag_and_the_known_hosts(lab_config, capsys):
    refuses_unknown_host(lab_config, "paths", "esx-hq-01", capsys)


def test_set_rr_refused_in_read_only_mode(lab_config, capsys):
    argv = ["--config", str(lab_config), "--readonly", "paths", "--host", "esx-hq-03",
            "--device", DS01, "--set-rr", "latency", "--yes"]  # fmt: skip
    refuses_read_only(argv, capsys)


def test_analyze_a_capture_of_a_lab_host(esxi, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    shell = LabShell(esxi)
    try:
        commands = {}
        for cmd in READ_COMMANDS:
            answer = shell.run("esx-hq-02", cmd.line)
            commands[cmd.line] = {"stdout": answer.stdout, "stderr": answer.stderr, "exit": 0}
    finally:
        shell.close()
    capture = tmp_path / "hq02.json"
    capture.write_text(
        json.dumps(
            {"host": "esx-hq-02", "captured_at": "2026-11-21T10:00:00Z", "commands": commands}
        )
    )
    assert main(["analyze", str(capture), "--json", "--pane", "paths"]) == 0
    rows = json.loads(capsys.readouterr().out)
    dead = [r for r in rows if r["state"] == "dead"]
    assert [(r["device"], r["path"], r["verdict"]) for r in dead] == [
        (DS01, "vmhba64:C3:T0:L0", "critical")
    ]
    assert {r["psp"] for r in rows} == {"VMW_PSP_RR", "VMW_PSP_MRU"}
    assert all(r["read_ms"] is None for r in rows)


def test_text_shows_no_latency_for_a_dead_path(lab_config, capsys):
    """A dead path carries no I/O: its RD/WR cells say "-" (as the pane does), never "0"."""
    argv = ["--config", str(lab_config), "paths", "--host", "esx-hq-02", "--device", DS01]
    assert main(argv) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    names = ("PATH", "STATE", "RD ms", "WR ms", "VERDICT")
    starts = [header.index(name) for name in names]  # the table's columns are left-aligned
    cells = {}
    for line in lines:
        if line.startswith("esx-hq-02 "):
            cut = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
            cells[cut[0]] = cut[1:]
    assert cells["vmhba64:C3:T0:L0"] == ["dead", "-", "-", "critical"]
    live = [cut for path, cut in cells.items() if path != "vmhba64:C3:T0:L0"]
    assert len(live) == 3
    assert all(state == "active" and float(rd) >= 0 and float(wr) >= 0 for state, rd, wr, _ in live)
