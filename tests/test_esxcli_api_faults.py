"""Faults of esxcli over the API that the lab cannot produce: a vCenter that refuses the
managed method executer (a permission fault; the lab's vcsim grants every privilege). The
executer side is replaced here, the session manager, audit and fan-out are the real ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vconsole.audit import AuditLog
from vconsole.config import Profile, TargetConfig
from vconsole.esx.lacp import status_command
from vconsole.hosts_config import DiscoveredHost, HostsPolicy
from vconsole.sessions.esxcli_api import EsxcliRefused
from vconsole.sessions.manager import SessionManager
from vconsole.vim.esxcli import EsxcliAnswer
from vconsole.vim.transport import SoapFault


class RefusingVcenter:
    """Answers ExecuteSoap for `allowed` host moids only; NoPermission for the others."""

    def __init__(self, allowed: set[str]) -> None:
        self.allowed = allowed
        self.si = type("Si", (), {"_stub": object()})()
        self.calls: list[str] = []

    async def call(self, fn: Any, *args: Any, what: str = "", **_: Any) -> Any:
        self.calls.append(what)
        if what == "RetrieveManagedMethodExecuter":
            return args[1]
        if args[1].value not in self.allowed:
            raise SoapFault("NoPermission", "Permission to perform this operation was denied.")
        return EsxcliAnswer(records=({"DVSwitch": "d", "LAGID": 1, "NicList": []},))


def _manager(tmp_path: Path, vcenter: RefusingVcenter) -> SessionManager:
    hosts = [DiscoveredHost(f"esx-0{i}", "vc01", f"host-{i}") for i in (1, 2)]
    targets = (TargetConfig("vc01", "vcenter", "vc.example", user="u"),) + tuple(
        TargetConfig(h.name, "esxi", h.name, via="api", vcenter="vc01") for h in hosts
    )
    profile = Profile("p", targets, hosts=HostsPolicy(), discovered=tuple(hosts))
    manager = SessionManager(profile, audit=AuditLog(tmp_path / "audit.jsonl"))

    async def vim(name: str) -> RefusingVcenter:
        return vcenter

    manager.vim = vim  # type: ignore[method-assign]
    return manager


async def test_a_refused_executer_names_host_and_vcenter_and_other_hosts_go_on(
    tmp_path: Path,
) -> None:
    manager = _manager(tmp_path, RefusingVcenter({"host-2"}))
    try:
        results = await manager.fan_out(
            lambda h: manager.run(h, status_command()), ["esx-01", "esx-02"]
        )
    finally:
        await manager.close()
    refused, answered = results
    assert isinstance(refused.error, EsxcliRefused)
    assert str(refused.error).startswith("esx-01: vCenter vc01 refused to run esxcli on this host")
    assert "NoPermission" in str(refused.error)
    assert answered.ok and answered.value.records[0]["DVSwitch"] == "d"  # type: ignore[union-attr]
    lines = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert {(a["target"], a["outcome"]) for a in lines} == {
        ("esx-01", "error: esxcli over the API refused"),
        ("esx-02", "ok"),
    }


async def test_read_only_refuses_before_vcenter_is_even_asked(tmp_path: Path) -> None:
    from vconsole.errors import ReadOnlyRefused
    from vconsole.esx.lacp import timeout_set_command

    vcenter = RefusingVcenter({"host-1", "host-2"})
    manager = _manager(tmp_path, vcenter)
    manager.read_only = True
    try:
        with pytest.raises(ReadOnlyRefused):
            await manager.run("esx-01", timeout_set_command("d", 1, "fast"))
    finally:
        await manager.close()
    assert vcenter.calls == []
