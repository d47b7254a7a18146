"""`vconsole checks`: the six design checks over every host and the vCenter, as text or JSON.

One row per check x object with its verdict, evidence, why it matters and the fix (a command
or a setting, shown and never run). Exit status: 0 when every row is ok or info, 1 when any is
a warning or worse (or could not be read), 2 for bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import textwrap
from functools import partial
from typing import Any

from vconsole.commands.common import esxi_hosts, fail, pick_vcenter, text_table


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "checks",
        help="design checks from the field: multicast mode, flapping, i40en LLDP, boot media, "
        "HA slots, drift",
    )
    p.add_argument(
        "--host", action="append", metavar="H", help="only this esxi target (repeatable)"
    )
    p.add_argument("--vcenter", metavar="NAME", help="vCenter target to read (default: first)")
    p.add_argument("--no-vcenter", action="store_true", help="host checks only")
    p.add_argument(
        "--check",
        action="append",
        metavar="ID",
        help="only this check (repeatable): multicast, flapping, lldp, boot, ha-slots, drift",
    )
    p.add_argument(
        "--nlb-portgroup",
        action="append",
        metavar="PATTERN",
        help="port group name pattern carrying NLB (default: the profile's nlb_portgroups, "
        "else *nlb*)",
    )
    p.add_argument("--concurrency", type=int, metavar="N", help="hosts asked at once")
    p.add_argument("--json", action="store_true", help="print the checks and rows as JSON")
    p.set_defaults(handler=handle)


_fail = partial(fail, "checks")


def handle(args: argparse.Namespace) -> int:
    from vconsole.errors import VconsoleError
    from vconsole.services.checks_catalog import CHECKS
    from vconsole.sessions.clisupport import load_profile, with_hosts

    try:
        profile = with_hosts(load_profile(args), args)
    except VconsoleError as exc:
        return _fail(f"{exc.title}: {exc}")
    hosts, problem = esxi_hosts(args, profile)
    if problem:
        return _fail(problem)
    known_checks = [c.id for c in CHECKS]
    bad = [c for c in args.check or () if c not in known_checks]
    if bad:
        return _fail(f"--check: unknown {', '.join(bad)}; accepted: {', '.join(known_checks)}")
    if args.concurrency is not None and args.concurrency < 1:
        return _fail("--concurrency: expected a whole number of 1 or more")
    patterns = [p for p in args.nlb_portgroup or () if p.strip()]
    if args.nlb_portgroup and not patterns:
        return _fail("--nlb-portgroup: expected a non-empty pattern such as NLB-*")
    try:
        vcenter = pick_vcenter(args, profile)
    except ValueError as exc:
        return _fail(str(exc))
    if not hosts and vcenter is None:
        return _fail(f"profile {profile.name!r} has no esxi, replay or vcenter targets")
    report = asyncio.run(
        _refresh(args, profile, hosts, vcenter, patterns or profile.nlb_portgroups)
    )
    if args.check:
        from dataclasses import replace

        wanted = set(args.check)
        report = replace(
            report,
            rows=tuple(r for r in report.rows if r.check.id in wanted),
            checks=tuple(c for c in report.checks if c.id in wanted),
        )
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(render_text(report))
    return report.exit_code


async def _refresh(
    args: argparse.Namespace, profile: Any, hosts: list[str], vcenter: str | None, patterns: Any
) -> Any:
    from vconsole.services.checks import ChecksService
    from vconsole.sessions.clisupport import cli_manager

    manager = cli_manager(args, profile)
    try:
        service = ChecksService(
            manager, hosts, vcenter, nlb_patterns=tuple(patterns), concurrency=args.concurrency
        )
        return await service.refresh()
    finally:
        await manager.close()


def render_text(report: Any) -> str:
    """Per check: its title and why, a table of rows, then each problem's evidence and fix."""
    out: list[str] = []
    for check in report.checks:
        rows = report.rows_of(check.id)
        out.append(f"{check.number}. {check.title}")
        out += textwrap.wrap(check.why, 96, initial_indent="   ", subsequent_indent="   ")
        if not rows:
            out.append("   (nothing to check)")
            continue
        table = [("VERDICT", "OBJECT", "VALUE")]
        table += [(r.verdict.value, r.finding.subject.label, r.value) for r in rows]
        out += ["   " + line for line in text_table(table)]
        for r in rows:
            if r.verdict.value == "ok":
                continue
            out.append(f"   {r.verdict.value.upper()} {r.finding.subject.label}: {r.finding.text}")
            if r.finding.evidence:
                out.append(f"     evidence: {r.finding.evidence}")
            if r.fix:
                out.append(f"     fix (not run): {r.fix}")
        out.append("")
    if report.vcenter_error:
        out.append(f"vCenter not read: {report.vcenter_error}")
    return "\n".join(out).rstrip()


def rows_text(rows: list[dict[str, Any]]) -> str:
    """`vconsole analyze`: one line per check row that is not ok, with its fix (JSON rows in)."""
    lines = []
    for r in rows:
        if r.get("verdict") == "ok":
            continue
        verdict = str(r.get("verdict", "")).upper()
        lines.append(f"{verdict:8} {r.get('check')} {r.get('subject')}: {r.get('text')}")
        if r.get("fix"):
            lines.append(f"         fix (not run): {r.get('fix')}")
    return "\n".join(lines) or "(every check ok)"
