"""Lab set-up that several test files share: the lab's SSH hosts and vCenter on one scenario as
module fixtures, and config files naming them, so each file states only what differs."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import Scenario, default_scenario
from vconsole.lab.vcsim import VcsimLab, go_toolchain_missing
from vconsole.secrets import env_var_name

VCONSOLE = [sys.executable, "-m", "vconsole"]


def with_host_down(name: str) -> Scenario:
    """The default scenario with host `name` down, so each pane shows an unreachable host."""
    base = default_scenario()
    return dataclasses.replace(
        base, hosts=tuple(dataclasses.replace(h, down=h.name == name) for h in base.hosts)
    )


def esxi_fixture(scenario: Callable[[], Scenario], label: str, name: str = "esxi") -> Any:
    """A module fixture `name`: the lab's SSH hosts for `scenario()`, stopped after the module."""

    @pytest.fixture(scope="module", name=name)
    def esxi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EsxiLab]:
        with EsxiLab(scenario(), tmp_path_factory.mktemp(f"{label}-esxi")) as lab:
            yield lab

    return esxi


def vcsim_fixture(scenario: Callable[[], Scenario], label: str, name: str = "vcsim") -> Any:
    """A module fixture `name`: the lab vCenter for `scenario()`; a skip without Go."""

    @pytest.fixture(scope="module", name=name)
    def vcsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VcsimLab]:
        missing = go_toolchain_missing()
        if missing:
            pytest.skip(f"lab vCenter unavailable: {missing}")
        with VcsimLab(scenario(), tmp_path_factory.mktemp(f"{label}-vcsim")) as lab:
            yield lab

    return vcsim


def esxi_targets(esxi: EsxiLab, hosts: Any, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """A config target per lab host in `hosts`, each one's password in the environment."""
    targets = []
    for name in hosts:
        addr, port = esxi.endpoints[name]
        targets.append(
            {"name": name, "kind": "esxi", "address": addr, "port": port, "user": "root"}
        )
        monkeypatch.setenv(env_var_name(name), esxi.password)
    return targets


def vcenter_target(vcsim: VcsimLab, monkeypatch: pytest.MonkeyPatch, name: str = "vcsa01") -> dict:
    """The lab vCenter as a config target over http, its password in the environment."""
    monkeypatch.setenv(env_var_name(name), vcsim.password)
    return {
        "name": name,
        "kind": "vcenter",
        "address": vcsim.host,
        "port": vcsim.port,
        "user": vcsim.user,
        "protocol": "http",
    }


def write_config(tmp_path: Path, profiles: dict[str, Any], default: str = "lab") -> Path:
    """config.toml in `tmp_path` with `profiles` (a name -> targets list, or a profile table)."""
    tables = {k: v if isinstance(v, dict) else {"targets": v} for k, v in profiles.items()}
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps({"default_profile": default, "profiles": tables}))
    return path


def vcenter_config(vcsim: VcsimLab) -> Any:
    """The lab vCenter as a profile target named vcsa01, over http."""
    from vconsole.config import TargetConfig

    return TargetConfig(
        "vcsa01", "vcenter", address=vcsim.host, port=vcsim.port, user=vcsim.user, protocol="http"
    )


@contextlib.contextmanager
def whole_lab(state: Path) -> Iterator[subprocess.CompletedProcess[str]]:
    """`vconsole lab start --state-dir state` as an admin runs it, and `lab stop` afterwards;
    yields the finished start command (it must have succeeded)."""
    env = dict(os.environ, VCONSOLE_STATE_DIR=str(state / "state"))
    started = subprocess.run(
        [*VCONSOLE, "lab", "start", "--state-dir", str(state)],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    assert started.returncode == 0, started.stderr
    try:
        yield started
    finally:
        subprocess.run([*VCONSOLE, "lab", "stop", "--state-dir", str(state)], timeout=60, env=env)


def whole_lab_fixture(label: str, name: str = "lab_dir") -> Any:
    """A module fixture `name`: the state dir of a whole lab started by `whole_lab`."""

    @pytest.fixture(scope="module", name=name)
    def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
        state = tmp_path_factory.mktemp(label)
        with whole_lab(state):
            yield state

    return started
