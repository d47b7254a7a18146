"""`vconsole triage` against the lab: every pane's findings, worst first, exit codes for cron."""

from __future__ import annotations

import json
import socket

import pytest
from lab_fixtures import esxi_fixture, esxi_targets, vcenter_target, vcsim_fixture, write_config
from lacp_helpers import trust_lab_hosts
from shell_helpers import isolate_dirs

from vconsole import paths
from vconsole.cli import main
from vconsole.lab.scenario import default_scenario
from vconsole.secrets import env_var_name

pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]

HOSTS = ("esx-hq-01", "esx-hq-02", "esx-hq-03", "esx-akl-01")
RANK = {"ok": 0, "info": 1, "warning": 2, "critical": 3, "error": 4}


esxi = esxi_fixture(default_scenario, "triage-cli")
vcsim = vcsim_fixture(default_scenario, "triage-cli")


def closed_port() -> int:
    """A loopback port nobody listens on: connecting is refused, as with a host that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def lab_config(esxi, vcsim, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    isolate_dirs(monkeypatch, tmp_path)
    targets = esxi_targets(esxi, HOSTS, monkeypatch)
    targets.append(
        {"name": "esx-gone", "kind": "esxi", "address": "127.0.0.1", "port": closed_port(),
         "user": "root"}
    )  # fmt: skip
    monkeypatch.setenv(env_var_name("esx-gone"), esxi.password)
    targets.append(vcenter_target(vcsim, monkeypatch))
    config = write_config(tmp_path, {"lab": targets, "empty": []})
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
    isolate_dirs(monkeypatch, tmp_path)
    config = write_config(tmp_path, {"empty": []}, default="empty")
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
    isolate_dirs(monkeypatch, tmp_path)
    config = write_config(tmp_path, {"empty": []}, default="empty")
    assert main(["--config", str(config), "triage", *argv]) == 2
    captured = capsys.readouterr()
    assert says in captured.err and "Traceback" not in captured.err
