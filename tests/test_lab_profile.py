"""The lab as an admin meets it: `lab start` writes a profile the console connects with, trust
pinned and passwords from the lab's own file, and `lab stop` leaves nothing behind."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_fixtures import VCONSOLE, whole_lab
from vcsim_helpers import alive, needs_go

pytestmark = needs_go


@pytest.fixture(scope="module")
def lab_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("lab-profile")
    with whole_lab(state) as started:
        assert started.stdout.strip() == str(state.resolve())
        yield state


def _status(lab_dir: Path) -> dict:
    out = subprocess.run(
        [*VCONSOLE, "lab", "status", "--state-dir", str(lab_dir), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)


def test_status_lists_every_service_with_its_address_and_credentials(lab_dir: Path) -> None:
    services = _status(lab_dir)["services"]
    kinds = {s["kind"] for s in services}
    assert {"vcenter", "esxi", "vcd", "bitfusion"} <= kinds
    for s in services:
        assert s["user"] and s["password"]
        assert ("url" in s) or ("host" in s and "port" in s)
        assert s["up"], s["name"]
    esxi = sorted(s["name"] for s in services if s["kind"] == "esxi")
    assert "esx-akl-01" in esxi and "esx-wlg-02" in esxi


def test_lab_profile_passes_config_check_and_holds_no_password(lab_dir: Path) -> None:
    from vconsole.config import check_config

    toml_text = (lab_dir / "lab.toml").read_text()
    assert check_config(lab_dir / "lab.toml") == []
    for s in _status(lab_dir)["services"]:
        assert s["password"] not in toml_text


async def test_console_connects_to_every_lab_part_without_trust_prompts(
    lab_dir: Path, tmp_path: Path
) -> None:
    from vconsole.audit import AuditLog
    from vconsole.config import load_config
    from vconsole.secrets import SecretStore
    from vconsole.sessions import SessionManager
    from vconsole.tokens import Command

    profile = load_config(lab_dir / "lab.toml").profile("lab")
    asked: list[object] = []
    mgr = SessionManager(
        profile,
        secrets=SecretStore("lab", use_keyring=False, environ={}),
        confirm=lambda prompt: asked.append(prompt) or False,
        audit=AuditLog(tmp_path / "audit.jsonl"),
        known_hosts_path=tmp_path / "known_hosts",
    )
    try:
        esxi = profile.names("esxi")
        results = await mgr.fan_out(
            lambda t: mgr.run(t, Command.of("esxcli", "network", "nic", "list")), esxi
        )
        assert [r.target for r in results if not r.ok] == []
        assert all("vmnic0" in r.value.stdout for r in results if r.ok)
        vcd = await mgr.vcd("vcd01")
        response = await vcd.request("GET", "/cloudapi/branding")
        assert response.status_code == 200 and "portalName" in response.json()
        vim = await mgr.vim(profile.names("vcenter")[0])
        assert vim.content.about.apiType == "VirtualCenter"
    finally:
        await mgr.close()
    assert asked == []  # every lab host key and certificate was pinned by the lab profile
    assert not (tmp_path / "known_hosts").exists() or not (tmp_path / "known_hosts").read_text()


async def test_a_wrong_pinned_host_key_is_refused(lab_dir: Path, tmp_path: Path) -> None:
    from dataclasses import replace

    from vconsole.config import Profile, load_config
    from vconsole.errors import HostKeyChanged
    from vconsole.secrets import SecretStore
    from vconsole.sessions import SessionManager
    from vconsole.tokens import Command

    profile = load_config(lab_dir / "lab.toml").profile("lab")
    target = profile.target("esx-akl-01")
    forged = replace(target, host_key="SHA256:" + "A" * 43)
    mgr = SessionManager(
        Profile("lab", (forged,)),
        secrets=SecretStore("lab", use_keyring=False, environ={}),
        known_hosts_path=tmp_path / "known_hosts",
    )
    try:
        with pytest.raises(HostKeyChanged):
            await mgr.run("esx-akl-01", Command.of("esxcli", "network", "nic", "list"))
    finally:
        await mgr.close()


def test_stop_ends_every_process_the_lab_started(tmp_path: Path) -> None:
    state = tmp_path / "lab"
    run = [*VCONSOLE, "lab"]
    assert subprocess.run([*run, "start", "--state-dir", str(state)], timeout=240).returncode == 0
    status = json.loads((state / "lab.json").read_text())
    daemon = status["pid"]
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(daemon)], capture_output=True, text=True
    ).stdout.split()
    assert children, "the lab vCenter runs as a child of the lab process"
    assert subprocess.run([*run, "stop", "--state-dir", str(state)], timeout=60).returncode == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(int(p)) for p in [daemon, *children]):
        time.sleep(0.1)
    assert not any(alive(int(p)) for p in [daemon, *children])
    again = subprocess.run(
        [*run, "status", "--state-dir", str(state)], capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 1 and "no lab running" in again.stdout


def test_console_state_of_lab_runs_stays_in_the_lab(lab_dir: Path) -> None:
    """MTU sets, the audit log and trust decisions of the lab profile never reach the admin's
    own state dir (VCONSOLE_STATE_DIR here)."""
    admin = lab_dir / "state"
    env = dict(os.environ, VCONSOLE_STATE_DIR=str(admin))
    config = str(lab_dir / "lab.toml")
    out = subprocess.run(
        [*VCONSOLE, "--config", config, "lacp", "--json", "--host", "esx-akl-01"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.stdout.strip().startswith("["), out.stderr
    sets = subprocess.run(
        [*VCONSOLE, "--config", config, "mtu", "--list-sets"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert sets.returncode == 0 and "AKL" in sets.stdout, sets.stdout + sets.stderr
    change = lab_dir / "branding.json"
    change.write_text(json.dumps({"portalName": "Lab Portal"}))
    put = subprocess.run(
        [*VCONSOLE, "--config", config, "branding", "set", str(change), "--yes"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert put.returncode == 0, put.stdout + put.stderr
    console = lab_dir / "console"
    assert list((console / "backups").rglob("*.json")), "the before-state backup is in the lab"
    assert (console / "audit.jsonl").exists()
    assert "esx-akl-01" in (console / "audit.jsonl").read_text()
    assert not admin.exists() or list(admin.rglob("*")) == []
