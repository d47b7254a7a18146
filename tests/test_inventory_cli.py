"""`vconsole inventory` end to end on lab vCenters: JSON shape, filter, merge, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from inventory_helpers import DOWN_HOST, lab_scenario, needs_vcsim, second_scenario, shared_lab
from lab_fixtures import vcenter_target, write_config
from shell_helpers import isolate_dirs

from vconsole.cli import main
from vconsole.lab.vcsim import VcsimLab, lab_vms
from vconsole.secrets import env_var_name

pytestmark = [needs_vcsim, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def labs() -> dict[str, VcsimLab]:
    return {
        "vc01": shared_lab("default", lab_scenario),
        "vc02": shared_lab("second", second_scenario),
    }


@pytest.fixture
def config(labs: dict[str, VcsimLab], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_dirs(monkeypatch, tmp_path)
    targets = [vcenter_target(lab, monkeypatch, name) for name, lab in labs.items()]
    targets.append(
        {
            "name": "gone",
            "kind": "vcenter",
            "address": "127.0.0.1",
            "port": 9,
            "user": "u",
            "protocol": "http",
        }
    )
    monkeypatch.setenv(env_var_name("gone"), "x")
    return write_config(tmp_path, {"lab": targets})


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), "inventory", *args])


def test_vm_json_has_identity_and_typed_columns(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(config, "--vcenter", "vc01", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert code == 0
    assert len(rows) == len(lab_vms(lab_scenario()))
    first = next(r for r in rows if r["name"] == "MGMT-vm-0001")
    for key in ("vcenter", "type", "name", "moid", "parent", "power_state", "host", "cluster",
                "vcpu", "memory_mb", "guest_os", "ip_address", "tools_status"):  # fmt: skip
        assert key in first, key
    assert (first["vcenter"], first["type"], first["parent"]) == ("vc01", "vm", first["host"])
    assert isinstance(first["memory_mb"], int) and first["stale"] is False


def test_hosts_filtered_with_negation(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(config, "--vcenter", "vc01", "--type", "host", "--filter", "!connected$", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["name"] for r in rows] == [DOWN_HOST]
    assert rows[0]["connection_state"] == "notResponding"
    assert {
        "version",
        "build",
        "cpu_usage_pct",
        "memory_usage_pct",
        "vm_count",
        "maintenance",
    } <= set(rows[0])


def test_two_vcenters_merge_and_a_dead_one_exits_one(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(config, "--type", "ds", "--csv")
    out = capsys.readouterr()
    records = list(csv.DictReader(io.StringIO(out.out)))
    assert code == 1  # "gone" did not answer; the others are still printed
    assert {r["vcenter"] for r in records} == {"vc01", "vc02"}
    assert "gone: failed" in out.err
    assert {"capacity_gb", "free_gb", "used_pct", "host_count", "datastore_type"} <= set(records[0])


def test_text_table_sorted(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(config, "--vcenter", "vc02", "--type", "cluster", "--sort", "vm_count")
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[0].split()[:3] == ["NAME", "DATACENTER", "HOSTS"]
    assert {line.split()[0] for line in lines[1:-1]} == {"AKL-VSAN", "WLG-VSAN"}
    assert lines[-1] == "2 cluster(s)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--type", "vms2"), "--type: 'vms2' is not an inventory type; accepted: vm, host"),
        (("--filter", "(oops"), "--filter: invalid regex '(oops'"),
        (("--sort", "colour"), "--sort: no column 'colour' for vm; accepted: name, power_state"),
        (("--vcenter", "vc09"), "--vcenter: no vcenter target vc09; known: vc01, vc02, gone"),
    ],
)
def test_bad_input_exits_two(
    config: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    assert run(config, *args) == 2
    assert message in capsys.readouterr().err
