"""Capture a lab ESXi host over SSH, replay it offline, and the `config`/`capture` commands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sessions_helpers import make_manager

from vconsole.config import TargetConfig
from vconsole.errors import InvalidToken
from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import default_scenario
from vconsole.sessions import Command
from vconsole.sessions.capture import (
    CAPTURE_COMMANDS,
    capture_host,
    register_capture_command,
    write_capture,
)


@pytest.fixture(scope="module")
def esxi_lab(tmp_path_factory):
    lab = EsxiLab(default_scenario(), tmp_path_factory.mktemp("esxi-lab"))
    lab.start()
    yield lab
    lab.stop()


def lab_target(lab, host):
    address, port = lab.endpoints[host]
    return TargetConfig(
        name=host, kind="esxi", address=address, port=port, user=lab.user, timeout=20.0
    )


async def test_capture_then_replay_gives_the_same_answers(esxi_lab, tmp_path):
    host = sorted(esxi_lab.endpoints)[0]
    live = make_manager(tmp_path, [lab_target(esxi_lab, host)], passwords={host: esxi_lab.password})
    live.known_hosts.add(*esxi_lab.endpoints[host], esxi_lab.host_key)
    progress = []
    capture = await capture_host(live, host, on_progress=lambda d, n, line: progress.append(d))
    assert progress[-1] == len(CAPTURE_COMMANDS)
    assert set(capture["commands"]) == {c.line for c in CAPTURE_COMMANDS}
    nics = capture["commands"]["esxcli network nic list"]
    assert nics["exit"] == 0 and "vmnic0" in nics["stdout"]
    path = write_capture(tmp_path / f"{host}.json", capture)
    replay = make_manager(tmp_path, [TargetConfig(name="offline", kind="replay", file=str(path))])
    for command in CAPTURE_COMMANDS:
        expected = await live.run(host, command)
        answered = await replay.run("offline", command)
        assert (answered.stdout, answered.exit) == (expected.stdout, expected.exit)
    await live.close()
    await replay.close()
    assert esxi_lab.password not in path.read_text()
    assert esxi_lab.password not in (tmp_path / "audit.jsonl").read_text()


def test_registry_refuses_mutating_commands_and_deduplicates():
    before = len(CAPTURE_COMMANDS)
    register_capture_command(Command.of("esxcli", "network", "nic", "list"))
    assert len(CAPTURE_COMMANDS) == before
    with pytest.raises(InvalidToken):
        register_capture_command(
            Command.of("esxcli", "system", "shutdown", "reboot", mutating=True)
        )


def run_cli(*args, env_dir):
    env = {
        "VCONSOLE_CONFIG_DIR": str(env_dir / "cfg"),
        "VCONSOLE_STATE_DIR": str(env_dir / "state"),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-m", "vconsole", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_config_check_cli_exit_codes(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[profiles.p]\n\n[[profiles.p.targets]]\nname = "esx01"\nkind = "esxi"\naddress = "192.0.2.1"\nport = 0\n'
    )
    result = run_cli("config", "check", "--config", str(bad), env_dir=tmp_path)
    assert result.returncode == 1
    assert f"{bad}:7: profiles.p.targets[0].port" in result.stdout and "1-65535" in result.stdout
    good = tmp_path / "good.toml"
    good.write_text(
        '[profiles.p]\n\n[[profiles.p.targets]]\nname = "esx01"\nkind = "esxi"\naddress = "192.0.2.1"\n'
    )
    assert run_cli("--config", str(good), "config", "check", env_dir=tmp_path).returncode == 0
    shown = run_cli("config", "show", "--json", "--config", str(good), env_dir=tmp_path)
    assert json.loads(shown.stdout)["profiles"][0]["targets"][0]["address"] == "192.0.2.1"


def test_capture_cli_writes_the_file(esxi_lab, tmp_path):
    host = sorted(esxi_lab.endpoints)[0]
    address, port = esxi_lab.endpoints[host]
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "config.toml").write_text(
        f'[profiles.lab]\n\n[[profiles.lab.targets]]\nname = "{host}"\nkind = "esxi"\n'
        f'address = "{address}"\nport = {port}\nuser = "{esxi_lab.user}"\n'
    )
    (tmp_path / "state").mkdir()
    line = f"[{address}]:{port} {esxi_lab.host_key.get_name()} {esxi_lab.host_key.get_base64()}\n"
    (tmp_path / "state" / "known_hosts").write_text(line)
    out = tmp_path / "cap.json"
    env_name = "VCONSOLE_PASSWORD_" + host.upper().replace("-", "_")
    env = {
        "VCONSOLE_CONFIG_DIR": str(tmp_path / "cfg"),
        "VCONSOLE_STATE_DIR": str(tmp_path / "state"),
        env_name: esxi_lab.password,
    }
    result = subprocess.run(
        [sys.executable, "-m", "vconsole", "capture", host, str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["host"] == host and len(data["commands"]) == len(CAPTURE_COMMANDS)
