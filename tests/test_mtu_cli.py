"""`vconsole mtu` end to end: config file, lab hosts over SSH, JSON out, exit codes, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_fixtures import write_config
from mtu_helpers import config_targets, running_lab

from vconsole.cli import main
from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import default_scenario


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EsxiLab]:
    with running_lab(default_scenario(), tmp_path_factory.mktemp("mtu-cli-lab"), 0.25) as lab:
        yield lab


@pytest.fixture
def config(lab: EsxiLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return write_config(tmp_path, {"lab": config_targets(lab, tmp_path, monkeypatch)})


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), "mtu", *args])


def test_json_for_two_targets(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(config, "--host", "esx-akl-01", "--vmk", "vmk0", "--target", "10.0.10.5",
               "--target", "10.0.30.50", "--json")  # fmt: skip
    rows = json.loads(capsys.readouterr().out)
    assert code == 1  # findings: the WAN is smaller than the vmk MTU
    assert [(r["target"], r["path_mtu"], r["max_payload"]) for r in rows] == [
        ("10.0.10.5", 1400, 1372),
        ("10.0.30.50", 1400, 1372),
    ]
    first = rows[0]
    assert (first["host"], first["vmk"], first["netstack"], first["family"]) == (
        "esx-akl-01", "vmk0", "defaultTcpipStack", "ipv4",
    )  # fmt: skip
    assert first["vmk_mtu"] == 1500 and first["verdict"] == "path_below_vmk"
    assert first["probes"] == len(first["evidence"]) and first["duration_s"] > 0
    assert {"size": 1373, "mtu": 1401, "outcome": "too_long"}.items() <= next(
        e for e in first["evidence"] if e["size"] == 1373
    ).items()


def test_clean_pair_exits_zero_and_text_table(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(config, "--host", "esx-akl-01", "--vmk", "vmk2", "--target", "esx-akl-02:vmk2")
    out = capsys.readouterr().out
    assert code == 0
    assert "vmotion" in out and "9000" in out and "path carries the full vmk MTU 9000" in out


def test_bad_input_exits_two_and_sends_nothing(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(config, "--host", "esx-akl-01", "--vmk", "vmk9", "--target", "10.0.10.5")
    err = capsys.readouterr().err
    assert code == 2 and "nothing was sent" in err and "vmk: 'vmk9'" in err
    audit = (Path(str(config)).parent / "state" / "audit.jsonl").read_text()
    assert "vmkping" not in audit
    assert run(config, "--host", "esx-akl-01", "--target", "a;b") == 2
    assert "target: 'a;b'" in capsys.readouterr().err
    assert run(config, "--host", "esx-akl-01", "--target", "10.0.10.5", "--max-mtu", "20") == 2
    assert "--max-mtu: 20" in capsys.readouterr().err


def test_saved_set_then_all(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "--address", "vc=10.0.10.5", "--list-sets") == 0
    assert "vc=10.0.10.5" in capsys.readouterr().out
    code = run(config, "--host", "esx-wlg-01", "--host", "esx-wlg-02", "--vmk", "vmk0",
               "--target", "vc", "--save-set", "WLG", "--json")  # fmt: skip
    first = json.loads(capsys.readouterr().out)
    assert code == 1 and [r["path_mtu"] for r in first] == [1280, 1280]
    assert run(config, "--all", "--json") == 1
    again = json.loads(capsys.readouterr().out)
    assert [r["previous_path_mtu"] for r in again] == [1280, 1280]
    assert not any(r["changed"] for r in again)


def test_saved_peer_set_expands_to_the_other_hosts(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(config, "--host", "esx-akl-01", "--host", "esx-akl-02", "--vmk", "vmk1",
               "--target", "peer", "--save-set", "AKL-VSAN", "--json")  # fmt: skip
    first = json.loads(capsys.readouterr().out)
    assert code == 0 and [(r["host"], r["target"], r["address"]) for r in first] == [
        ("esx-akl-01", "esx-akl-02:vmk1", "192.168.101.12"),
        ("esx-akl-02", "esx-akl-01:vmk1", "192.168.101.11"),
    ]
    assert run(config, "--set", "akl-vsan", "--json") == 0
    again = json.loads(capsys.readouterr().out)
    assert [(r["host"], r["target"], r["path_mtu"]) for r in again] == [
        ("esx-akl-01", "esx-akl-02:vmk1", 9000),
        ("esx-akl-02", "esx-akl-01:vmk1", 9000),
    ]
