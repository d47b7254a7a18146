"""`vconsole lacp`: LAG state of every ESXi host of the profile, with verdicts, as text or JSON.

`--set-timeout` runs `lacp timeout set` on one host (the only fix on DVS <= 7.0.0); it asks
for confirmation unless `--yes`, and `--readonly` refuses it before anything is sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
from functools import partial
from typing import Any

from vconsole.commands.common import (
    confirm_change,
    esxi_hosts,
    fail,
    finding_lines,
    pick_vcenter,
    text_table,
)
from vconsole.commands.outcome import failed_targets


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "lacp", help="LAG bundle state, partners, timeouts and LACPDU counters of every host"
    )
    p.add_argument(
        "--host", action="append", metavar="H", help="only this esxi target (repeatable)"
    )
    p.add_argument(
        "--vcenter", metavar="NAME", help="vCenter target for LAG config (default: first)"
    )
    p.add_argument("--no-vcenter", action="store_true", help="do not read LAG config from vCenter")
    p.add_argument("--json", action="store_true", help="print the rows as a JSON list")
    p.add_argument(
        "--lags", action="store_true", help="with --json: one entry per host x LAG instead"
    )
    p.add_argument("--concurrency", type=int, metavar="N", help="hosts asked at once (default 64)")
    p.add_argument(
        "--one-exec-per-command",
        dest="batch",
        action="store_false",
        help="one SSH exec per esxcli command (default: a host's commands in one exec, each "
        "answer read back on its own; a host whose shell refuses that is asked this way)",
    )
    fix = p.add_argument_group("fix a timeout mismatch (one host)")
    fix.add_argument("--set-timeout", choices=("fast", "slow"), help="run lacp timeout set")
    fix.add_argument("--dvs", metavar="NAME", help="distributed switch of the LAG")
    fix.add_argument("--lag-id", metavar="ID", help="LAG id (LAGID in lacp status get)")
    fix.add_argument("--nic", metavar="vmnicN", help="only this NIC (default: all NICs of the LAG)")
    fix.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=handle)


_fail = partial(fail, "lacp")


def handle(args: argparse.Namespace) -> int:
    from vconsole.errors import VconsoleError

    try:
        profile = _profile(args)
    except VconsoleError as exc:
        return _fail(f"{exc.title}: {exc}")
    hosts, problem = esxi_hosts(args, profile)
    if problem:
        return _fail(problem)
    if not hosts:
        return _fail(
            f"profile {profile.name!r} has no esxi (or replay) targets; add one to the config file "
            "or in the console's :conn pane"
        )
    if args.concurrency is not None and args.concurrency < 1:
        return _fail("--concurrency: expected a whole number of 1 or more")
    if args.set_timeout:
        return _set_timeout(args, profile, hosts)
    try:
        vcenter = pick_vcenter(args, profile)
    except ValueError as exc:
        return _fail(str(exc))
    report = asyncio.run(_refresh(profile, args, hosts, vcenter))
    if args.json:
        from vconsole.services.lacp import report_json
        from vconsole.sessions.via import with_via

        body = [lag.as_json() for lag in report.lags] if args.lags else report_json(report)
        print(json.dumps(with_via(body, profile), indent=2))
    else:
        print(render_text(report))
    return failed_targets("lacp", report.hosts, report.vcenter_error)


def _profile(args: argparse.Namespace) -> Any:
    from vconsole.sessions.clisupport import load_profile, with_hosts

    return with_hosts(load_profile(args), args)


def _manager(profile: Any, args: argparse.Namespace) -> Any:
    """Like `cli_manager`, with trust questions asked one at a time during the fan-out."""
    from vconsole.secrets import SecretStore
    from vconsole.sessions import SessionManager
    from vconsole.sessions.clisupport import terminal_password

    secrets = SecretStore(
        profile.name, prompt=terminal_password, notify=lambda note: print(note, file=sys.stderr)
    )
    read_only = bool(getattr(args, "readonly", False) or profile.read_only)
    return SessionManager(profile, read_only, secrets=secrets, confirm=_one_question_at_a_time)


_PROMPT_LOCK = threading.Lock()


def _one_question_at_a_time(prompt: Any) -> bool:
    """Runs in the manager's executor: many hosts may ask at once, the terminal takes one."""
    from vconsole.sessions.clisupport import terminal_confirm

    with _PROMPT_LOCK:
        return terminal_confirm(prompt)


async def _refresh(
    profile: Any, args: argparse.Namespace, hosts: list[str], vcenter: str | None
) -> Any:
    from vconsole.services.lacp import LacpService

    manager = _manager(profile, args)
    try:
        service = LacpService(
            manager, hosts, vcenter, concurrency=args.concurrency, batch=args.batch
        )
        return await service.refresh()
    finally:
        await manager.close()


def render_text(report: Any) -> str:
    """A plain table an admin can read in a terminal, then the findings with their evidence."""
    header = (
        "HOST",
        "DVS",
        "LAG",
        "VMNIC",
        "STATE",
        "FLAGS L/P",
        "PARTNER",
        "KEY",
        "RX",
        "TX",
        "VERDICT",
    )
    lines = [header]
    for r in report.rows:
        lines.append(
            (
                r.host,
                r.dvs,
                r.lag or r.lag_id,
                r.vmnic,
                r.state,
                f"{r.local_flags}/{r.partner_flags}" if r.local_flags or r.partner_flags else "",
                r.partner_device_id,
                "" if r.partner_oper_key is None else str(r.partner_oper_key),
                "" if r.rx_lacpdus is None else str(r.rx_lacpdus),
                "" if r.tx_lacpdus is None else str(r.tx_lacpdus),
                r.verdict.value,
            )
        )
    out = text_table(lines)
    degraded = [lag for lag in report.lags if lag.problems]
    if degraded:
        out.append("")
        for lag in degraded:
            out += finding_lines(
                lag.verdict.value, f"{lag.host} {lag.lag or lag.lag_id}", lag.summary
            )
    findings = [(r, p) for r in report.rows for p in r.problems]
    if findings:
        out.append("")
        for row, problem in findings:
            where = " ".join(x for x in (row.host, row.lag or row.lag_id, row.vmnic) if x)
            out += finding_lines(problem.severity.value, where, problem.text, problem.evidence)
    if any(isinstance(h.error, str) and "not known yet" in h.error for h in report.hosts):
        out.append(
            "\nUnknown SSH host keys are confirmed on a terminal (run `vconsole lacp` there) "
            "or in the console's :conn pane."
        )
    if report.vcenter_error:
        out.append(f"\nvCenter LAG config not read: {report.vcenter_error}")
    return "\n".join(out)


def _set_timeout(args: argparse.Namespace, profile: Any, hosts: list[str]) -> int:
    from vconsole.errors import VconsoleError
    from vconsole.esx.lacp import timeout_set_command

    if len(hosts) != 1 or not args.host:
        return _fail("--set-timeout: name exactly one --host")
    if not args.dvs or not args.lag_id:
        return _fail("--set-timeout needs --dvs NAME and --lag-id ID (see `vconsole lacp`)")
    try:
        command = timeout_set_command(args.dvs, args.lag_id, args.set_timeout, args.nic)
    except VconsoleError as exc:
        return _fail(str(exc))
    if not args.yes:
        refused = confirm_change("lacp", "--set-timeout", hosts[0], command.line)
        if refused is not None:
            return refused

    async def run() -> Any:
        from vconsole.services.lacp import LacpService

        manager = _manager(profile, args)
        try:
            service = LacpService(manager, hosts)
            return await service.set_timeout(
                hosts[0], args.dvs, args.lag_id, args.set_timeout, args.nic
            )
        finally:
            await manager.close()

    try:
        asyncio.run(run())
    except VconsoleError as exc:
        return _fail(f"{exc.title}: {exc}", 1)
    print(f"{hosts[0]}: {command.line}: done")
    return 0
