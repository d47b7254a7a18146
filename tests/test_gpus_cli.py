"""`vconsole gpus` against the lab client VM, and `vconsole analyze` on a client capture."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import tomli_w
from gpus_helpers import CLIENT, small_scenario, trust_client

from vconsole import paths
from vconsole.cli import main
from vconsole.lab.bitfusion_vm import BitfusionLab
from vconsole.secrets import env_var_name


@pytest.fixture
def lab(tmp_path) -> Iterator[BitfusionLab]:  # type: ignore[no-untyped-def]
    with BitfusionLab(small_scenario(), tmp_path / "lab", seed=7) as bf:
        yield bf


@pytest.fixture
def config(lab, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A config file with the client VM; its password in the environment, host key pinned."""
    monkeypatch.setenv("VCONSOLE_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv(env_var_name(CLIENT), lab.password)
    host, port = lab.endpoint
    target = {"name": CLIENT, "kind": "bitfusion", "address": host, "port": port, "user": "root"}
    path = tmp_path / "config.toml"
    path.write_text(
        tomli_w.dumps({"default_profile": "lab", "profiles": {"lab": {"targets": [target]}}})
    )
    trust_client(lab, paths.known_hosts_path())
    return path


def test_json_has_servers_gpus_totals_and_problems(config, lab, capsys):
    lab.leak("bf-srv03", 1, 2048)
    assert main(["--config", str(config), "gpus", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"servers", "totals", "problems"} <= set(data)
    assert [s["name"] for s in data["servers"]] == ["bf-srv01", "bf-srv02", "bf-srv03"]
    assert all(s["reachable"] for s in data["servers"])
    gpu = data["servers"][0]["gpus"][0]
    assert {"id", "model", "memory_mb", "allocated_mb", "clients"} <= set(gpu)
    assert gpu["model"] == "NVIDIA A100-PCIE-40GB" and gpu["memory_mb"] == 40536
    assert data["totals"]["gpus"] == 14
    assert data["totals"]["allocated_mb"] == sum(
        g["allocated_mb"] for s in data["servers"] for g in s["gpus"]
    )
    assert [p["code"] for p in data["problems"]] == ["memory-without-client"]
    assert lab.password not in json.dumps(data)


def test_text_output_with_a_server_down(config, lab, capsys):
    lab.set_server_down("bf-srv02", True)
    assert main(["--config", str(config), "gpus", "--free-threshold", "5"]) == 0
    out = capsys.readouterr().out
    # a one-shot run never saw the server answer, so it can only name it by its address
    assert "10.0.40.12  unreachable" in out
    assert "CRITICAL" in out and "i/o timeout" in out
    assert "pool: 12 GPUs" in out


def test_not_authorised_exits_1_with_the_reason(config, lab, capsys):
    lab.set_token("missing")
    assert main(["--config", str(config), "gpus", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["error"]["code"] == "not-authorised"
    assert "servers.conf" in data["error"]["text"] and data["servers"] == []


def test_bad_arguments_name_the_flag(config, capsys):
    assert main(["--config", str(config), "gpus", "--server-host", "bf-srv01"]) == 2
    assert "--server-host" in capsys.readouterr().err
    assert main(["--config", str(config), "gpus", "--client", "nope"]) == 2
    err = capsys.readouterr().err
    assert "--client" in err and CLIENT in err
    assert main(["--config", str(config), "gpus", "--free-threshold", "150"]) == 2
    assert "--free-threshold" in capsys.readouterr().err


def test_analyze_reads_a_client_capture(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    listing = (
        " - server 0 [10.117.32.177:56001]: running 1 tasks\n"
        "   |- GPU 0: free memory 8080 MiB / 16160 MiB\n"
    )
    capture = tmp_path / "bf.json"
    capture.write_text(
        json.dumps(
            {
                "host": CLIENT,
                "captured_at": "2026-11-21T10:00:00Z",
                "commands": {
                    "bitfusion list_gpus": {"stdout": listing, "stderr": "", "exit": 0},
                    "bitfusion smi": {"stdout": "", "stderr": "", "exit": 0},
                },
            }
        )
    )
    assert main(["analyze", str(capture), "--pane", "gpu", "--json"]) == 0
    [pool] = json.loads(capsys.readouterr().out)["clients"]
    assert pool["totals"] == {
        "gpus": 1,
        "memory_mb": 16160,
        "allocated_mb": 8080,
        "free_mb": 8080,
        "used_pct": 50.0,
    }
    assert pool["servers"][0]["gpus"][0]["clients_known"] is False
