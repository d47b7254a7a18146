"""The MTU matrix three ways on one lab: one probe per SSH exec (the old way), batched SSH execs,
and `esxcli network diag ping` through the lab vCenter, all at once per host. Same verdicts.

The scenario has a black-holed 1280 WAN and a 1400 WAN that signals its MTU; every host probes
three HQ targets from vmk0 and vmk1. Each way runs through `vconsole mtu --json`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hosts_api_helpers import run_cli, start_lab
from mtu_helpers import WAN_TARGETS, wait_idle, wan_scenario

from vconsole.lab.vcsim import vcsim_unavailable

pytestmark = [
    pytest.mark.lab,
    pytest.mark.timeout(600),
    pytest.mark.skipif(
        bool(vcsim_unavailable()), reason=f"lab vCenter unavailable: {vcsim_unavailable()}"
    ),
]
SCENARIO = wan_scenario()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    where = tmp_path_factory.mktemp("mtu-api")
    runtime = start_lab(SCENARIO, where)
    yield where / "lab.toml", runtime.parts["esxi"]
    runtime.stop()


def matrix(config: Path, profile: str, capsys: Any, state: Path, *extra: str) -> list[tuple]:
    rows = []
    for vmk in ("vmk0", "vmk1"):
        argv = ["mtu", "--vmk", vmk, "--json", *extra]
        for h in SCENARIO.hosts:
            argv += ["--host", h.name]
        for t in WAN_TARGETS:
            argv += ["--target", t]
        _, out, err = run_cli(config, profile, argv, capsys, state)
        assert isinstance(out, list) and out, err
        rows += [(r["host"], r["vmk"], r["address"], r["path_mtu"], r["verdict"]) for r in out]
    return rows


def test_ssh_batched_and_api_concurrent_match_one_probe_per_exec(
    lab: tuple[Path, Any], capsys: Any, tmp_path: Path
) -> None:
    config, esxi = lab
    old = matrix(config, "lab", capsys, tmp_path / "old", "--one-probe-per-exec")
    wait_idle(esxi)
    for gauge in esxi.sessions.values():
        gauge.reset_peak()
    batched = matrix(config, "lab", capsys, tmp_path / "batched")
    peak = max(g.peak for g in esxi.sessions.values())
    wait_idle(esxi)
    opened = sum(g.total for g in esxi.sessions.values())
    api = matrix(config, "lab-vcenter", capsys, tmp_path / "api")
    assert batched == old
    assert api == old
    assert {r[3] for r in old} >= {1280, 1400}
    assert peak <= 8
    assert sum(g.total for g in esxi.sessions.values()) == opened  # no SSH at all over the API
