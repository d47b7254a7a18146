"""`vconsole triage` against the lab: every pane's findings, worst first, exit codes for cron."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
import tomli_w
from lacp_helpers import trust_lab_hosts

from vconsole import paths
from vconsole.cli import main
from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import default_scenario
from vconsole.lab.vcsim import VcsimLab, go_toolchain_missing
from vconsole.secrets import env_var_name

pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]

HOSTS = ("esx-hq-01", "esx-hq-02", "esx-hq-03", "esx-akl-01")
RANK = {"ok": 0, "info": 1, "warning": 2, "critical": 3, "error": 4}


@pytest.fixture(scope="module")
def esxi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EsxiLab]:
    with EsxiLab(default_scenario(), tmp_path_factory.mktemp("triage-cli-esxi")) as lab:
        yield lab


@pytest.fixture(scope="module")
def vcsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VcsimLab]:
    missing = go_toolchain_missing()
    if missing:
        pytest.skip(f"lab vCenter unavailable: {missing}")
    with VcsimLab(default_scenario(), tmp_path_factory.mktemp("triage-cli-vcsim")) as lab:
        yield lab


def closed_port() -> int:
    """A loopback port nobody listens on: connecting is refused, as with a host that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(tmp_path, monkeypatch, profiles):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VCONSOLE_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    config = tmp_path / "config.toml"
    default = next(iter(profiles))
    body = {
        "default_profile": default,
        "profiles": {k: {"targets": v} for k, v in profiles.items()},
    }
    config.write_text(tomli_w.dumps(body))
    return config


@pytest.fixture
def lab_config(esxi, vcsim, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    targets = []
    for name in HOSTS:
        addr, port_number = esxi.endpoints[name]
        targets.append(
            {"name": name, "kind": "esxi", "address": addr, "port": port_number, "user": "root"}
        )
        monkeypatch.setenv(env_var_name(name), esxi.password)
    targets.append(
        {"name": "esx-gone", "kind": "esxi", "address": "127.0.0.1", "port": closed_port(),
         "user": "root"}
    )  # fmt: skip
    monkeypatch.setenv(env_var_name("esx-gone"), esxi.password)
    targets.append(
        {"name": "vcsa01", "kind": "vcenter", "address": vcsim.host, "port": vcsim.port,
         "user": vcsim.user, "protocol": "http"}
    )  # fmt: skip
    monkeypatch.setenv(env_var_name("vcsa01"), vcsim.password)
    config = write_config(tmp_path, monkeypatch, {"lab": targets, "empty": []})
    trust_lab_hosts(esxi, paths.known_hosts_path())
    return config


def test_json_lists_every_pane_worst_first_and_exits_1(lab_config, capsys):  # type: ignore[no-untyped-def]
    assert main(["--config", str(lab_config), "triage", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["problem"] is True
    # the host that is down: one line, naming the panes that have no data for it
    (gone,) = [u for u in data["unreadable"] if u["target"] == "esx-gone"]
    assert {"lacp", "paths"} <= set(gone["sources"])
    findings = data["findings"]
    ranks = [RANK[f["severity"]] for f in findings]
    assert ranks == sorted(ranks, reverse=True)
    assert {f["source"] for f in findings} >= {"lacp", "paths"}
    # groups: worst group first, each with its counts; hosts placed in their vCenter cluster
    groups = data["groups"]
    worst = [RANK[g["worst"]] for g in groups]
    assert worst == sorted(worst, reverse=True)
    hq = [g for g in groups if g["host"] == "esx-hq-02"]
    assert hq and hq[0]["site"] == "vcsa01" and hq[0]["cluster"]
    assert sum(hq[0]["counts"].values()) == len(hq[0]["findings"])
    # a dead path is the path's, Round Robin iops=1000 the device's (once, not per path)
    dead = [f for f in findings if f["code"] == "path-dead"]
    assert dead and all(f["kind"] == "path" for f in dead)
    iops = [f for f in findings if f["code"] == "rr-iops-1000" and f["host"] == "esx-hq-03"]
    assert iops and all(f["kind"] == "device" for f in iops)
    assert len({f["key"] for f in iops}) == len(iops)


def test_text_groups_with_counts_and_filter(lab_config, capsys):  # type: ignore[no-untyped-def]
    assert main(["--config", str(lab_config), "triage", "--source", "paths"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("UNREADABLE esx-gone:")
    assert "critical" in out and "[paths]" in out and "[lacp]" not in out
    assert main(["--config", str(lab_config), "triage", "--filter", "^no-such-thing$"]) == 0
    assert "Nothing to report" in capsys.readouterr().out


def test_clean_profile_exits_0(tmp_path, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    config = write_config(tmp_path, monkeypatch, {"empty": []})
    assert main(["--config", str(config), "triage"]) == 0
    out = capsys.readouterr().out
    assert "Nothing to report" in out and "note: lacp: no esxi targets" in out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--source", "nope"], "--source: no source nope; known: inventory, lacp"),
        (["--filter", "(unclosed"], "--filter: not a valid regular expression"),
    ],
)
def test_bad_input_exits_2_naming_the_option(tmp_path, monkeypatch, capsys, argv, says):  # type: ignore[no-untyped-def]
    config = write_config(tmp_path, monkeypatch, {"empty": []})
    assert main(["--config", str(config), "triage", *argv]) == 2
    captured = capsys.readouterr()
    assert says in captured.err and "Traceback" not in captured.err
