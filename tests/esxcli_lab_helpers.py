"""The lab for esxcli-over-API tests: ESXi hosts with their agents, the lab vCenter relaying to
them, pyVmomi connected; and the field-by-field comparison of API answers with SSH text."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from esxcli_api_helpers import as_list, execute, executer, rows
from esxi_lab_helpers import LabShell
from pyVim.connect import Disconnect, SmartConnect
from vcsim_helpers import host_named

from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import Scenario, default_scenario
from vconsole.lab.vcsim import VcsimLab

STORAGE_HOST = "esx-hq-01"
LACP_HOST = "esx-akl-01"
NO_SSH = "esx-hq-02"
LOCKED = "esx-hq-03"
DOWN = "esx-witness-01"


def api_scenario() -> Scenario:
    base = default_scenario()
    change = {NO_SSH: {"ssh": False}, LOCKED: {"lockdown": "normal"}, DOWN: {"down": True}}
    hosts = tuple(dataclasses.replace(h, **change.get(h.name, {})) for h in base.hosts)
    return dataclasses.replace(base, hosts=hosts)


@dataclasses.dataclass
class ApiLab:
    esxi: EsxiLab
    vc: VcsimLab
    content: Any
    shell: LabShell
    executers: dict[str, Any]

    def mme(self, host: str) -> Any:
        if host not in self.executers:
            self.executers[host] = executer(host_named(self.content, host))
        return self.executers[host]

    def api(self, host: str, command: str, **args: Any) -> list[dict[str, Any]]:
        result = execute(self.mme(host), command, **args)
        assert result.fault is None, result.fault.faultMsg
        return rows(result.response)

    def ssh(self, host: str, line: str) -> str:
        answer = self.shell.run(host, line)
        assert answer.exit == 0, answer.stderr
        return answer.stdout


def api_name(display: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", display)


def same_fields(ssh: dict[str, Any], api: dict[str, Any], skip: tuple[str, ...] = ()) -> None:
    """Every field SSH prints has the same value in the API answer."""
    for key, text in ssh.items():
        if key in skip or isinstance(text, list):
            continue
        value = api[api_name(key)]
        if isinstance(value, list) or re.search(r",\s", text) and key != "Description":
            assert [str(v) for v in as_list(value)] == [t for t in re.split(r",\s*", text) if t], (
                key
            )
        else:
            assert str(value) == text, key


def flat_blocks(text: str) -> list[tuple[str, dict[str, str]]]:
    """`key` lines at column 0, `Field: value` lines under them (a header-less single
    structure gets an empty key)."""
    blocks: list[tuple[str, dict[str, str]]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            blocks.append((line, {}))
            continue
        if not blocks:
            blocks.append(("", {}))
        key, _, value = line.strip().partition(":")
        blocks[-1][1][key] = value.strip()
    return blocks


@contextlib.contextmanager
def api_lab(state: Path) -> Iterator[ApiLab]:
    scenario = api_scenario()
    esxi = EsxiLab(scenario, state)
    esxi.start()
    vc = VcsimLab(scenario, state, agents=esxi.agents.urls(), agent_token=esxi.agents.token)
    try:
        vc.start()
        si = SmartConnect(
            host=vc.host, port=vc.port, user=vc.user, pwd=vc.password, protocol="http"
        )
        yield ApiLab(esxi, vc, si.RetrieveContent(), LabShell(esxi), {})
        Disconnect(si)
    finally:
        vc.stop()
        esxi.stop()


def api_lab_fixture() -> Any:
    """A module fixture `lab`: an `api_lab` for the module's tests, stopped after them."""

    @pytest.fixture(scope="module", name="lab")
    def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiLab]:
        with api_lab(tmp_path_factory.mktemp("esxcli-api")) as started:
            yield started

    return lab


def ruled_table(text: str) -> list[dict[str, str]]:
    """Rows of the lab's own aligned esxcli table keyed by the header text as printed
    (`DVSName`, `Rx LACPDUs`), cut at the dash ruler's column starts; the last column runs on."""
    lines = [ln.rstrip() for ln in text.splitlines()]
    at = next(i for i, ln in enumerate(lines) if ln and not set(ln) - {"-", " "})
    starts = [m.start() for m in re.finditer(r"-+", lines[at])]

    def cut(line: str) -> list[str]:
        ends = [*starts[1:], len(line)]
        return [line[a:b].strip() for a, b in zip(starts, ends, strict=True)]

    names = cut(lines[at - 1])
    return [dict(zip(names, cut(row), strict=True)) for row in lines[at + 1 :] if row.strip()]
