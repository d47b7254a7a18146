"""Hosts reached through vCenter on the lab: the `lab-vcenter` profile lists no host, reaches
every one with esxcli over the vSphere API, and gives the same rows and verdicts as SSH.

The default scenario (every vmk also given an IPv6 address) runs twice: with SSH on for the
`lab` profile, and with SSH stopped on every host for `lab-vcenter`, so nothing the API side
shows can have come over SSH. Writes through the API are read back over SSH.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hosts_api_helpers import (
    LAB_MARKS,
    PERF_WINDOW,
    TIMING,
    default_with_ipv6,
    lab_toml_fixture,
    run_cli,
    same_rows,
)

pytestmark = LAB_MARKS
lab = lab_toml_fixture(default_with_ipv6, "api-lab", "lab")
# the same default scenario with the SSH service stopped on every host
lab_without_ssh = lab_toml_fixture(
    lambda: default_with_ipv6(ssh=False), "api-lab-no-ssh", "lab_without_ssh"
)


@pytest.mark.parametrize("pane", ["lacp", "paths"])
def test_api_rows_equal_ssh_rows_field_by_field(
    lab: Path, lab_without_ssh: Path, pane: str, capsys: Any, tmp_path: Path
) -> None:
    """SSH on one lab, the API on the same scenario with SSH stopped everywhere."""
    code_ssh, ssh, _ = run_cli(lab, "lab", [pane, "--json"], capsys, tmp_path / "s1")
    code_api, api, err = run_cli(
        lab_without_ssh, "lab-vcenter", [pane, "--json"], capsys, tmp_path / "s2"
    )
    assert (code_ssh, code_api) == (0, 0), err
    same_rows(ssh, api, {"via"} | (PERF_WINDOW if pane == "paths" else set()))
    assert {r["host"] for r in api} >= {"esx-hq-01", "esx-hq-02", "esx-hq-03"}


def test_mtu_verdicts_through_the_api_equal_ssh(
    lab: Path, lab_without_ssh: Path, capsys: Any, tmp_path: Path
) -> None:
    argv = ["mtu", "--host", "esx-wlg-01", "--host", "esx-akl-01", "--vmk", "vmk1"]
    argv += ["--target", "peer", "--target", "esx-hq-01:vmk1", "--json"]
    _, ssh, _ = run_cli(lab, "lab", argv, capsys, tmp_path / "s1")
    _, api, err = run_cli(lab_without_ssh, "lab-vcenter", argv, capsys, tmp_path / "s2")
    same_rows(ssh, api, TIMING | {"evidence"})
    assert {r["verdict"] for r in api} == {"path_below_vmk", "unreachable"}, err
    for s_row, a_row in zip(ssh, api, strict=True):
        s_seen = {e["size"]: e["outcome"] for e in s_row["evidence"]}
        a_seen = {e["size"]: e["outcome"] for e in a_row["evidence"]}
        assert all(s_seen[size] == a_seen[size] for size in s_seen.keys() & a_seen.keys())
        for e in a_row["evidence"]:  # silence over the API says what the API cannot see
            assert e["outcome"] != "lost" or "fragmentation needed' is not reported" in e["detail"]


def test_ipv6_mtu_verdicts_through_the_api_equal_ssh(
    lab: Path, lab_without_ssh: Path, capsys: Any, tmp_path: Path
) -> None:
    wlg = next(h for h in default_with_ipv6().hosts if h.name == "esx-wlg-01")
    target = next(v.ipv6 for v in wlg.vmks if v.name == "vmk1")
    argv = ["mtu", "--host", "esx-akl-01", "--vmk", "vmk1", "--target", target]
    argv += ["-6", "--json"]
    _, ssh, _ = run_cli(lab, "lab", argv, capsys, tmp_path / "s1")
    _, api, err = run_cli(lab_without_ssh, "lab-vcenter", argv, capsys, tmp_path / "s2")
    same_rows(ssh, api, TIMING | {"evidence"})
    assert [(r["family"], r["verdict"], r["path_mtu"]) for r in api] == [
        ("ipv6", "path_below_vmk", 1280)
    ], err


def test_ssh_is_really_stopped_on_the_lab_without_it(
    lab_without_ssh: Path, capsys: Any, tmp_path: Path
) -> None:
    _, rows, _ = run_cli(lab_without_ssh, "lab", ["lacp", "--json"], capsys, tmp_path / "s")
    assert rows and all(r["via"] == "ssh" and r["error"] for r in rows)


def test_read_only_refuses_an_api_write_before_any_io_and_audits_the_call(
    lab: Path, capsys: Any, tmp_path: Path
) -> None:
    argv = ["lacp", "--host", "esx-akl-01", "--set-timeout", "fast", "--dvs", "DSwitch-AKL"]
    argv += ["--lag-id", "1", "--yes"]
    code, _, err = run_cli(lab, "lab-vcenter", argv, capsys, tmp_path / "s", extra=["--readonly"])
    assert code != 0 and "read-only" in err
    audit = [json.loads(x) for x in audit_lines(lab)]
    refused = [a for a in audit if a.get("action") == "esxcli-api" and a["mutating"]]
    assert refused and refused[-1]["outcome"].startswith("refused")
    assert refused[-1]["user"] == "user"  # the lab vCenter's user, the one the call goes as
    assert refused[-1]["what"] == (
        "esxcli network vswitch dvs vmware lacp timeout set lagid=1 timeout=1 dvs=DSwitch-AKL"
    )


def test_an_api_write_is_audited_and_read_back_over_ssh(
    lab: Path, capsys: Any, tmp_path: Path
) -> None:
    argv = ["lacp", "--host", "esx-akl-02", "--set-timeout", "fast", "--dvs", "DSwitch-AKL"]
    argv += ["--lag-id", "1", "--yes"]
    code, _, err = run_cli(lab, "lab-vcenter", argv, capsys, tmp_path / "s")
    assert code == 0, err
    audit = [json.loads(x) for x in audit_lines(lab)]
    write = [a for a in audit if a.get("action") == "esxcli-api" and a["mutating"]]
    assert write[-1]["outcome"] == "ok" and "timeout=1" in write[-1]["what"]
    _, rows, _ = run_cli(
        lab, "lab", ["lacp", "--host", "esx-akl-02", "--json"], capsys, tmp_path / "r"
    )
    assert {r["local_flags"][:1] for r in rows if r["host"] == "esx-akl-02"} == {"F"}
    argv[4] = "slow"
    assert run_cli(lab, "lab-vcenter", argv, capsys, tmp_path / "s")[0] == 0


def audit_lines(lab: Path) -> list[str]:
    """The lab profiles keep the console's audit log in the lab's own state dir, not the
    admin's (VCONSOLE_STATE_DIR)."""
    from vconsole.lab.labfiles import console_state_dir

    return (console_state_dir(lab.parent) / "audit.jsonl").read_text().splitlines()


def _capture(lab: Path, host: str, capsys: Any, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    file = tmp_path / f"{host}.json"
    code, _, err = run_cli(lab, "lab-vcenter", ["capture", host, str(file)], capsys, tmp_path / "s")
    assert code == 0, err
    return file, json.loads(file.read_text())


def projected(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The rows as sorted tuples of `keys`: what a capture and a live read must agree on."""
    return sorted(tuple(r[k] for k in keys) for r in rows)


def _analyze(file: Path, pane: str, capsys: Any) -> list[dict[str, Any]]:
    from vconsole.cli import main

    capsys.readouterr()
    assert main(["analyze", str(file), "--pane", pane, "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    return list(body["rows"] if isinstance(body, dict) else body)


def test_a_capture_over_the_api_keeps_records_that_analyze_reads(
    lab: Path, capsys: Any, tmp_path: Path
) -> None:
    file, capture = _capture(lab, "esx-akl-01", capsys, tmp_path)
    entry = capture["commands"]["esxcli network vswitch dvs vmware lacp status get"]
    assert entry["via"] == "api" and entry["method"] == "network.vswitch.dvs.vmware.lacp.status.get"
    assert entry["records"] and entry["records"][0]["DVSwitch"] == "DSwitch-AKL"
    for line in (
        "esxcli network ip netstack list",
        "esxcli system module parameters list -m i40en",
        "esxcli storage core device list",
        "esxcli storage vmfs extent list",
        "esxcli system settings advanced list -o /Net/TeamPolicyUpDelay",
    ):
        held = capture["commands"][line]
        assert held["via"] == "api" and held["records"] and not held.get("error"), line
    network = _analyze(file, "network", capsys)
    vmks = {r["vmk"] for r in network if r.get("vmk")}
    assert "vmk0" in vmks and {r["host"] for r in network} == {"esx-akl-01"}
    rows = _analyze(file, "lacp", capsys)
    argv = ["lacp", "--host", "esx-akl-01", "--json"]
    _, live, _ = run_cli(lab, "lab-vcenter", argv, capsys, tmp_path / "t")
    keys = ("dvs", "lag_id", "vmnic", "state", "partner_device_id", "verdict")
    assert rows and projected(rows, keys) == projected(live, keys)
    file, _ = _capture(lab, "esx-hq-01", capsys, tmp_path)
    rows = _analyze(file, "paths", capsys)
    argv = ["paths", "--host", "esx-hq-01", "--json"]
    _, live, _ = run_cli(lab, "lab-vcenter", argv, capsys, tmp_path / "u")
    keys = ("device", "path", "psp", "rr_type", "state", "group_state")
    assert rows and projected(rows, keys) == projected(live, keys)


async def test_the_console_opens_lab_vcenter_and_its_lacp_pane_fills_through_the_api(
    lab: Path, monkeypatch: Any, tmp_path: Path
) -> None:
    from shell_helpers import console, isolate_dirs

    from vconsole.config import load_config
    from vconsole.sessions.clisupport import with_hosts

    isolate_dirs(monkeypatch, tmp_path)
    profile = await asyncio.to_thread(with_hosts, load_config(lab).profile("lab-vcenter"))
    app = console(tmp_path, profile, start_pane="lag")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.report is not None and screen.table.row_count >= 12:
                break
        assert screen.report is not None
        assert {h.host for h in screen.report.hosts if h.ok} >= {"esx-akl-01", "esx-wlg-02"}
        assert all(h.ok for h in screen.report.hosts)


def test_a_round_robin_change_through_the_api_is_read_back_over_ssh(
    lab: Path, capsys: Any, tmp_path: Path
) -> None:
    device = "naa.600a098038304437415d4b6a59684a52"
    argv = ["paths", "--host", "esx-hq-02", "--device", device, "--set-rr", "iops"]
    argv += ["--iops", "10", "--yes"]
    code, _, err = run_cli(lab, "lab-vcenter", argv, capsys, tmp_path / "s")
    assert code == 0, err
    read = ["paths", "--host", "esx-hq-02", "--device", device, "--json"]
    _, rows, _ = run_cli(lab, "lab", read, capsys, tmp_path / "r")
    assert {(r["rr_type"], r["rr_iops"], r["via"]) for r in rows} == {("iops", 10, "ssh")}
    back = ["paths", "--host", "esx-hq-02", "--device", device, "--set-rr", "latency", "--yes"]
    code, _, err = run_cli(lab, "lab-vcenter", back, capsys, tmp_path / "s")
    assert code == 0, err
    _, rows, _ = run_cli(lab, "lab-vcenter", read, capsys, tmp_path / "r")
    assert {(r["rr_type"], r["via"]) for r in rows} == {("latency", "api")}


async def test_a_lost_vcenter_session_is_logged_in_again_for_the_next_call(
    lab: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    from vconsole.config import load_config
    from vconsole.esx.lacp import status_command
    from vconsole.sessions.discovery import discover_profile
    from vconsole.sessions.manager import SessionManager
    from vconsole.sessions.vcenter import VimConnection

    logins: list[str] = []
    relogin = VimConnection._relogin

    def counted(self: Any) -> None:
        logins.append(self.target)
        relogin(self)

    monkeypatch.setattr(VimConnection, "_relogin", counted)
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "s"))
    manager = SessionManager(load_config(lab).profile("lab-vcenter"))
    try:
        await discover_profile(manager)
        assert (await manager.run("esx-akl-01", status_command())).exit == 0
        assert logins == []
        vim = await manager.vim("vcsa01")
        await asyncio.to_thread(vim.si.content.sessionManager.Logout)
        result = await manager.run("esx-akl-01", status_command())
        assert result.exit == 0 and result.records  # type: ignore[attr-defined]
        assert logins == ["vcsa01"]
    finally:
        await manager.close()


async def test_test_all_in_the_connections_pane_reaches_every_host_through_vcenter(
    lab_without_ssh: Path, monkeypatch: Any, tmp_path: Path
) -> None:
    from shell_helpers import console, isolate_dirs

    from vconsole.config import load_config
    from vconsole.sessions.clisupport import with_hosts

    isolate_dirs(monkeypatch, tmp_path)
    profile = await asyncio.to_thread(
        with_hosts, load_config(lab_without_ssh).profile("lab-vcenter")
    )
    app = console(tmp_path, profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("T")
        detail = ""
        for _ in range(200):
            await pilot.pause(0.05)
            detail = str(app.screen.query_one("#conn-detail").render())
            if "connected" in detail:
                break
        assert detail == f"all {len(profile.targets)} targets connected"
        row = app.screen.table.get_row("esx-akl-01")
        assert row[1] == "esxi via api" and row[4].plain == "ok"


async def test_the_support_transcript_of_an_api_host_says_how_it_was_read(
    lab: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    """The transcript, a capture and its replay show the records as indented JSON, character
    for character as when that text was made for every answer (it is now made when read)."""
    from vconsole.config import TargetConfig, load_config
    from vconsole.services.lacp import LacpService
    from vconsole.sessions.capture import CAPTURE_COMMANDS, capture_host, write_capture
    from vconsole.sessions.discovery import discover_profile
    from vconsole.sessions.manager import SessionManager

    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "s"))
    manager = SessionManager(load_config(lab).profile("lab-vcenter"))
    try:
        await discover_profile(manager)
        service = LacpService(manager, ["esx-akl-01"])
        await service.refresh()
        text = service.transcript("esx-akl-01")
        capture = await capture_host(manager, "esx-akl-01")
    finally:
        await manager.close()
    assert "esxcli network vswitch dvs vmware lacp status get  # through vCenter" in text
    assert '"DVSwitch": "DSwitch-AKL"' in text
    held = capture["commands"]
    assert {line for line, e in held.items() if e.get("via") == "api"} == {
        c.line for c in CAPTURE_COMMANDS
    }
    for line, entry in held.items():
        as_before = json.dumps(entry["records"], indent=1, sort_keys=True)
        assert entry["stdout"] == ("" if entry["fault"] else as_before), line
    status = held["esxcli network vswitch dvs vmware lacp status get"]
    assert status["records"] and status["stdout"] in text

    replay = SessionManager(
        replace(
            load_config(lab).profile("lab-vcenter"),
            targets=(
                TargetConfig(
                    name="offline",
                    kind="replay",
                    file=str(write_capture(tmp_path / "esx-akl-01.json", capture)),
                ),
            ),
        )
    )
    try:
        for command in CAPTURE_COMMANDS:
            answered = await replay.run("offline", command)
            entry = held[command.line]
            assert (answered.stdout, answered.exit) == (entry["stdout"], entry["exit"])
            assert list(getattr(answered, "records", ())) == entry["records"], command.line
    finally:
        await replay.close()


def test_the_host_checks_through_the_api_equal_ssh(
    lab: Path, lab_without_ssh: Path, capsys: Any, tmp_path: Path
) -> None:
    """Module parameters, device and extent lists and the up-delay read through vCenter give the
    same check rows as SSH: nothing is 'not available' or unreadable on the API path."""
    argv = ["checks", "--check", "lldp", "--check", "boot", "--check", "flapping"]
    argv += ["--json"]
    _, ssh, _ = run_cli(lab, "lab", argv, capsys, tmp_path / "c1")
    _, api, err = run_cli(lab_without_ssh, "lab-vcenter", argv, capsys, tmp_path / "c2")
    keys = ("check", "subject", "code", "verdict", "value")
    ssh_rows = sorted(tuple(r[k] for k in keys) for r in ssh["rows"])
    api_rows = sorted(tuple(r[k] for k in keys) for r in api["rows"])
    assert api_rows == ssh_rows, err
    assert not [r for r in api["rows"] if r["code"] == "unreadable"]
    assert {r[1] for r in api_rows} >= {"esx-hq-01", "esx-wlg-02"}
