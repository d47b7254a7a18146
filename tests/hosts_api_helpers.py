"""Shared by the lab tests of hosts reached through vCenter: start a lab with its two profiles
(`lab` over SSH, `lab-vcenter` through vCenter), run a command line, compare JSON rows."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from vcsim_helpers import needs_go

# every test of these labs: a lab test, long (20 hosts), and only where the lab vCenter builds
LAB_MARKS = [pytest.mark.lab, pytest.mark.timeout(600), needs_go]

TIMING = {"via", "duration_s", "checked_at", "probes", "probes_cancelled"}
# vCenter's storagePath performance window (not read from the host either way) moves with time
PERF_WINDOW = {"read", "write", "read_ms", "write_ms", "device_latency", "kernel_latency"}


def start_lab(scenario: Any, where: Path) -> Any:
    from vconsole.lab.labfiles import write_lab_files
    from vconsole.lab.runtime import LabRuntime

    runtime = LabRuntime(scenario, where, with_vcd=False, with_bitfusion=False)
    services = runtime.start()
    write_lab_files(
        where, services, scenario_name=scenario.name, pid=os.getpid(), real_network=False
    )
    return runtime


def lab_toml_fixture(scenario: Callable[[], Any], label: str, name: str) -> Any:
    """A module fixture `name`: the lab.toml of a lab started by `start_lab` on `scenario()`."""

    @pytest.fixture(scope="module", name=name)
    def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
        where = tmp_path_factory.mktemp(label)
        runtime = start_lab(scenario(), where)
        yield where / "lab.toml"
        runtime.stop()

    return started


def default_with_ipv6(ssh: bool = True) -> Any:
    """The default scenario, every vmk also given an IPv6 address (fd00:<host>::<vmk>)."""
    from vconsole.lab.scenario import default_scenario

    scenario = default_scenario()
    hosts = tuple(
        replace(
            h,
            ssh=ssh,
            vmks=tuple(replace(v, ipv6=f"fd00:{n}::{i + 1}") for i, v in enumerate(h.vmks)),
        )
        for n, h in enumerate(scenario.hosts)
    )
    return replace(scenario, hosts=hosts)


def run_cli(
    config: Path, profile: str, argv: list[str], capsys: Any, state: Path, *, extra: list[str] = ()
) -> tuple[int, Any, str]:
    from vconsole.cli import main

    os.environ["VCONSOLE_STATE_DIR"] = str(state)
    capsys.readouterr()
    try:
        code = main(["--config", str(config), "--profile", profile, *extra, *argv])
    finally:  # the lab profile's state dir must not outlive the call (later tests' known_hosts)
        from vconsole import paths

        paths.use_profile_state_dir(None)
    out = capsys.readouterr()
    body = json.loads(out.out) if "--json" in argv and out.out.strip() else out.out
    return code, body, out.err


def same_rows(
    ssh_rows: list[dict[str, Any]], api_rows: list[dict[str, Any]], ignore: set[str]
) -> None:
    assert len(ssh_rows) == len(api_rows) and ssh_rows
    for ssh, api in zip(ssh_rows, api_rows, strict=True):
        assert ssh["via"] == "ssh" and api["via"] == "api"
        for key in set(ssh) | set(api):
            if key not in ignore:
                assert _untimed(ssh.get(key)) == _untimed(api.get(key)), (ssh.get("host"), key)


def _untimed(value: Any) -> Any:
    """A row's findings without `seen_at`: when a finding was seen is timing, like checked_at."""
    if isinstance(value, list) and all(isinstance(v, dict) and "code" in v for v in value):
        return [{k: v for k, v in f.items() if k != "seen_at"} for f in value]
    return value
