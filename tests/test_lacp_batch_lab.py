"""A warm LACP refresh asks each lab host in one batched exec, with the same answers.

The lab hosts run the console's sequential ash script for real; the lab's session gauge counts
the execs. A host that refuses the batch (an exec request a restricted shell or a forced
command turns down) is a fault the lab cannot produce, so a manager that refuses the script
stands in for it; every other command still goes to the real host.
"""

from __future__ import annotations

import re

import pytest
from lab_fixtures import esxi_fixture
from lacp_helpers import lab_manager

from vconsole.errors import TargetUnreachable
from vconsole.esx.lacp import READ_COMMANDS, stats_command, status_command
from vconsole.esx.shell_batch import ShellScript
from vconsole.lab.scenario import default_scenario
from vconsole.services.lacp import LacpService
from vconsole.sessions.batch import SectionMissing
from vconsole.sessions.results import CommandResult

pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]

HOSTS = ["esx-akl-01", "esx-wlg-01", "esx-wlg-02", "esx-witness-01"]
esxi = esxi_fixture(default_scenario, "lacp-batch")


def rows(report):  # type: ignore[no-untyped-def]
    return {(r.host, r.vmnic): (r.verdict, r.state, r.local_flags, r.partner_device_id,
                                tuple(p.code for p in r.problems)) for r in report.rows}  # fmt: skip


def execs(esxi) -> int:  # type: ignore[no-untyped-def]
    return sum(esxi.sessions[h].total for h in HOSTS)


async def test_a_warm_refresh_is_one_exec_per_host_with_the_same_rows(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts=set(HOSTS))
    try:
        batched, alone = LacpService(manager, HOSTS), LacpService(manager, HOSTS, batch=False)
        await batched.refresh()
        await alone.refresh()
        before = execs(esxi)
        warm = await batched.refresh()
        middle = execs(esxi)
        warm_alone = await alone.refresh()
        after = execs(esxi)
    finally:
        await manager.close()
    assert middle - before == len(HOSTS)  # status and stats in one exec
    assert after - middle == 2 * len(HOSTS)
    assert rows(warm) == rows(warm_alone)
    assert all(h.ok for h in warm.hosts)
    for outcome in warm.hosts:  # each command shows with its own output in the transcript
        lines = [o.line for o in outcome.outputs]
        assert lines[:2] == [status_command().line, stats_command().line]
        status, stats = outcome.outputs[:2]
        assert status.exit == 0 and stats.exit == 0
        assert not re.search(r"vc[0-9a-f]{16}", status.stdout + stats.stdout)
    assert "Rx LACPDUs" in batched.transcript("esx-wlg-02")
    audit = (tmp_path / "audit.jsonl").read_text()
    assert not re.search(r"vc[0-9a-f]{16}|while", audit)  # each command audited, not the script
    assert audit.count(stats_command().line) == 4 * len(HOSTS)  # four refreshes


async def test_each_batched_answer_matches_the_command_run_alone(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts=set(HOSTS))
    try:
        for host in HOSTS:
            together = await manager.run_each(host, READ_COMMANDS)
            alone = [await manager.run(host, c) for c in READ_COMMANDS]
            for got, want, command in zip(together, alone, READ_COMMANDS, strict=True):
                assert isinstance(got, CommandResult), command.line
                if command != stats_command():  # counters move with the lab clock
                    assert got.stdout == want.stdout + want.stderr
                assert got.exit == want.exit
    finally:
        await manager.close()


class Refusing:
    """Turns down every batched script as the host's exec request would; the rest is real."""

    def __init__(self, manager, reply: CommandResult | None = None):  # type: ignore[no-untyped-def]
        self.manager, self.reply, self.refused = manager, reply, 0
        self.real_run = manager.run
        manager.run = self.run

    async def run(self, target, command, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(command, ShellScript):
            self.refused += 1
            if self.reply is not None:
                return self.reply
            raise TargetUnreachable(target, "connection lost during the exec: Channel closed.")
        return await self.real_run(target, command, **kwargs)


async def test_a_host_that_refuses_the_batch_still_gets_answers(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts=set(HOSTS))
    refusing = Refusing(manager)
    try:
        service = LacpService(manager, HOSTS)
        first = await service.refresh()
        second = await service.refresh()
        reference = await LacpService(manager, HOSTS, batch=False).refresh()
    finally:
        await manager.close()
    assert all(h.ok for h in first.hosts + second.hosts)
    assert rows(first) == rows(second) == rows(reference)
    assert refusing.refused == len(HOSTS)  # asked once; later refreshes go per command
    assert manager.batch_refused == set(HOSTS)
    assert "asking each command alone" in (tmp_path / "audit.jsonl").read_text()


async def test_a_shell_that_prints_no_section_falls_back_and_a_lost_one_is_an_error(esxi, tmp_path):
    manager = lab_manager(esxi, tmp_path, hosts=set(HOSTS))
    Refusing(manager, CommandResult("sh: restricted\n", "", 1, 0.0))
    try:
        answers = await manager.run_each("esx-wlg-02", READ_COMMANDS)
    finally:
        await manager.close()
    assert all(isinstance(a, CommandResult) and a.exit == 0 for a in answers)

    manager = lab_manager(esxi, tmp_path, hosts=set(HOSTS))
    real = manager.run

    async def lose_stats(target, command, **kwargs):  # type: ignore[no-untyped-def]
        result = await real(target, command, **kwargs)
        if isinstance(command, ShellScript):  # the stats section lost its closing line
            kept = [ln for ln in result.stdout.splitlines() if not re.search(r" 1 rc \d+$", ln)]
            return CommandResult("\n".join(kept) + "\n", "", result.exit, result.duration_s)
        return result

    manager.run = lose_stats  # type: ignore[method-assign]
    try:
        status, stats = await manager.run_each("esx-wlg-02", [status_command(), stats_command()])
        report = await LacpService(manager, ["esx-wlg-02"]).refresh()
    finally:
        await manager.close()
    assert isinstance(status, CommandResult) and status.exit == 0
    assert isinstance(stats, SectionMissing)
    stats_out = report.hosts[0].outputs[1]
    assert stats_out.line == stats_command().line and stats_out.error
    assert all(r.rx_lacpdus is None for r in report.rows)
