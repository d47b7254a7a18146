"""A host's commands through vCenter in one trip to the pool (`esxcli_api_each`), on the lab's
real vcsim and esxcli agents (SSH stopped on every host): the same answers, rows and audit
lines as each command alone. The one fault the lab cannot make, an esxcli fault on one call
of a host whose other call works, is made by replacing the wire call for that method only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hosts_api_helpers import LAB_MARKS, default_with_ipv6, lab_toml_fixture

from vconsole.esx.lacp import READ_COMMANDS, stats_command
from vconsole.sessions.results import CommandResult
from vconsole.tokens import Command
from vconsole.vim.transport import SoapFault

pytestmark = LAB_MARKS
lab = lab_toml_fixture(lambda: default_with_ipv6(ssh=False), "api-each", "lab")
HOSTS = ["esx-hq-01", "esx-akl-01", "esx-wlg-02"]  # no LAG; a LAG; a silent partner
LAGGED = HOSTS[1:]


async def _manager(lab: Path, tmp_path: Path, monkeypatch: Any) -> Any:
    from vconsole.audit import AuditLog
    from vconsole.config import load_config
    from vconsole.sessions.discovery import discover_profile
    from vconsole.sessions.manager import SessionManager

    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    profile = load_config(lab).profile("lab-vcenter")
    manager = SessionManager(profile, audit=AuditLog(tmp_path / "audit.jsonl"))
    await discover_profile(manager)
    return manager


def _answer(answer: Any) -> Any:
    assert isinstance(answer, CommandResult), answer
    return (answer.stdout, answer.stderr, answer.exit, answer.records, answer.method)


async def test_each_answer_and_audit_line_is_as_when_asked_alone(
    lab: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    manager = await _manager(lab, tmp_path, monkeypatch)
    try:
        together = {h: await manager.run_each(h, READ_COMMANDS) for h in HOSTS}
        mark = len(manager.audit.read())
        alone = {h: await manager.run_each(h, READ_COMMANDS, batch=False) for h in HOSTS}
        records = manager.audit.read()
    finally:
        await manager.close()
    for host in HOSTS:
        assert [_answer(a) for a in together[host]] == [_answer(a) for a in alone[host]]
        assert bool(together[host][0].records) == (host in LAGGED), host
    lines = [(r.target, r.action, r.what, r.outcome) for r in records[:mark]]
    assert [line[0] for line in lines] == [h for h in HOSTS for _ in READ_COMMANDS]
    # alone, a host's calls run at once and are audited as each ends; together, in order
    assert [line[2] for line in lines] == [c.line for _ in HOSTS for c in READ_COMMANDS]
    assert sorted(lines) == sorted((r.target, r.action, r.what, r.outcome) for r in records[mark:])
    assert len(lines) == len(HOSTS) * len(READ_COMMANDS)
    assert {r.outcome for r in records} == {"ok"}


async def test_lacp_rows_through_one_hand_off_equal_the_per_call_rows(
    lab: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    from vconsole.services.lacp import LacpService, report_json

    manager = await _manager(lab, tmp_path, monkeypatch)
    try:
        rows = []
        for batch in (True, False):
            report = await LacpService(manager, HOSTS, batch=batch).refresh()
            rows.append([{**r, "partner_age": None} for r in report_json(report)])
    finally:
        await manager.close()
    assert rows[0] == rows[1] and len(rows[0]) >= len(HOSTS)
    assert {r["host"] for r in rows[0]} == set(HOSTS)
    assert "critical" in {r["verdict"] for r in rows[0]}  # the silent partner, both ways


async def test_a_fault_on_one_call_is_that_command_error_and_the_others_answer(
    lab: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    from vconsole.vim import esxcli as wire

    real = wire.execute_soap

    def stats_refused(stub: Any, executer: Any, moid: str, version: str, method: str, *a: Any):
        if method.endswith("lacp.stats.get"):
            raise SoapFault("NoPermission", "Permission to perform this operation was denied.")
        return real(stub, executer, moid, version, method, *a)

    manager = await _manager(lab, tmp_path, monkeypatch)
    monkeypatch.setattr(wire, "execute_soap", stats_refused)
    try:
        status, stats, config = await manager.run_each("esx-akl-01", READ_COMMANDS)
        records = manager.audit.read()
    finally:
        await manager.close()
    assert isinstance(status, CommandResult) and status.records
    assert isinstance(config, CommandResult) and config.records
    assert isinstance(stats, Exception)
    assert "esx-akl-01" in str(stats) and "refused to run esxcli" in str(stats)
    outcomes = {r.what.split(" ")[6]: r.outcome for r in records}
    assert outcomes["stats"].startswith("error: ") and outcomes["status"] == "ok"


@pytest.mark.parametrize(
    "commands",
    [
        [stats_command(), Command.of("esxcli", "system", "version", "get", "--bogus", "x")],
        [stats_command(), Command.of("esxcli", "network", "vswitch", "dvs", "vmware", "lacp",
                                     "timeout", "set", "-l", "1", "-t", "1", "-s", "d",
                                     mutating=True)],
    ],
)  # fmt: skip
async def test_a_command_without_a_plain_read_call_sends_all_the_one_by_one_way(
    lab: Path, tmp_path: Path, monkeypatch: Any, commands: list[Command]
) -> None:
    """The refusal (no API equivalent, or read-only) is that command's, as when run alone."""
    from vconsole.sessions import esxcli_api_each

    taken = []
    monkeypatch.setattr(esxcli_api_each, "run_calls_over_api", lambda *a: taken.append(a) or None)
    manager = await _manager(lab, tmp_path, monkeypatch)
    manager.read_only = True
    try:
        first, second = await manager.run_each("esx-akl-01", commands)
    finally:
        await manager.close()
    assert not taken
    assert isinstance(first, CommandResult) and first.records
    assert isinstance(second, Exception)
