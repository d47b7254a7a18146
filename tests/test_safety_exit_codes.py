"""Exit codes tell the truth: every command exits non-zero when any target failed.

Runs each command against the lab's SSH hosts with one host down (and with a wrong password, a
refused host key, an unreachable vCenter, Cloud Director and Bitfusion client), and `analyze`
on a capture that yields an ERROR. Before, `lacp` and `paths` ended with `return 0`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_fixtures import write_config
from mtu_helpers import config_targets, running_lab
from sessions_helpers import free_port

from vconsole.cli import main
from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import default_scenario
from vconsole.secrets import env_var_name

DOWN = "esx-wlg-02"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EsxiLab]:
    with running_lab(default_scenario(), tmp_path_factory.mktemp("exit-codes-lab"), 0.25) as lab:
        lab.set_down(DOWN, True)
        yield lab


@pytest.fixture
def config(lab: EsxiLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every lab host as an esxi target, plus vCenter, Cloud Director and a Bitfusion client
    VM on ports nothing listens on."""
    targets = config_targets(lab, tmp_path, monkeypatch)
    gone = {"address": "127.0.0.1", "user": "root", "timeout": 5.0}
    extra = [
        {"name": "vc-gone", "kind": "vcenter", "port": free_port(), "protocol": "http", **gone},
        {"name": "vcd-gone", "kind": "vcd", "port": free_port(), "protocol": "http", **gone},
        {"name": "bf-gone", "kind": "bitfusion", "port": free_port(), **gone},
    ]
    for target in extra:
        monkeypatch.setenv(env_var_name(str(target["name"])), "pw")
    return write_config(tmp_path, {"lab": targets, "all": targets + extra})


def run(config: Path, *argv: str, profile: str = "lab") -> int:
    return main(["--config", str(config), "--profile", profile, *argv])


@pytest.mark.parametrize("as_json", [False, True])
def test_lacp_with_a_host_down_exits_one(
    config: Path, as_json: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, "lacp", *(["--json"] if as_json else [])) == 1
    captured = capsys.readouterr()
    assert f"vconsole lacp: {DOWN}:" in captured.err and "Traceback" not in captured.err
    if as_json:
        rows = json.loads(captured.out)  # the hosts that answered are still reported
        assert {r["host"] for r in rows} >= {"esx-akl-01", "esx-wlg-01"}
    assert run(config, "lacp", "--host", "esx-akl-01") == 0  # all asked answered: 0


def test_paths_with_a_host_down_exits_one(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "paths", "--no-vcenter", "--json") == 1
    captured = capsys.readouterr()
    assert f"vconsole paths: {DOWN}:" in captured.err
    hosts = {r["host"] for r in json.loads(captured.out)}
    assert DOWN in hosts and len(hosts) > 1  # its error row, and the hosts that answered


def test_mtu_and_capture_of_the_down_host_exit_one(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, "mtu", "--host", DOWN, "--vmk", "vmk0", "--target", "10.0.10.5") == 1
    out = tmp_path / "down.json"
    assert run(config, "capture", DOWN, str(out)) == 1
    assert not out.exists() and not list(tmp_path.glob("*.tmp"))


def test_a_wrong_password_or_refused_key_exits_one(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(env_var_name("esx-akl-01"), "not-the-password")
    assert run(config, "lacp", "--host", "esx-akl-01") == 1
    assert "esx-akl-01" in capsys.readouterr().err
    monkeypatch.undo()


def test_an_unknown_host_key_without_a_terminal_exits_one(
    config: Path, lab: EsxiLab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "state" / "known_hosts").write_text("")
    assert run(config, "lacp", "--host", "esx-akl-01") == 1
    assert run(config, "paths", "--no-vcenter", "--host", "esx-akl-01") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["inventory", "--json"],
        ["branding", "--target", "vcd-gone", "get"],
        ["gpus", "--json"],
        ["lacp", "--vcenter", "vc-gone"],
    ],
)
def test_unreachable_vcenter_vcd_or_bitfusion_exits_one(
    config: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, *argv, profile="all") == 1
    assert "Traceback" not in capsys.readouterr().err


def test_analyze_exits_one_when_it_reports_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    capture = tmp_path / "old.json"
    capture.write_text(json.dumps({"host": "esx9", "commands": {"esxcli network nic list": {}}}))
    assert main(["analyze", str(capture), "--pane", "lacp"]) == 1
    assert "ERROR" in capsys.readouterr().out
