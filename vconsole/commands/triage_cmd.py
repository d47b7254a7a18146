"""`vconsole triage`: every finding of every pane, worst first, grouped by site/cluster/host.

Exit 1 on any warning or worse (an unreadable target included), 0 when clean, 2 on bad input,
so it can run from cron or a monitoring check.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from typing import Any

from vconsole.commands.common import fail, finding_lines


def register(subparsers: Any) -> None:
    from vconsole.services.triage import SOURCES

    p = subparsers.add_parser(
        "triage", help="every finding of every pane, worst first (exit 1 on a warning or worse)"
    )
    p.add_argument("--json", action="store_true", help="print groups and findings as JSON")
    p.add_argument(
        "--source",
        action="append",
        metavar="NAME",
        help=f"only this source (repeatable): {', '.join(s.name for s in SOURCES)}",
    )
    p.add_argument("--filter", metavar="REGEX", help="only findings matching (case-insensitive)")
    p.add_argument("--all", action="store_true", help="show ok findings too")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from vconsole.errors import VconsoleError
    from vconsole.services.triage import SOURCES, compile_filter

    names = [s.name for s in SOURCES]
    unknown = [n for n in args.source or [] if n not in names]
    if unknown:
        return fail(
            "triage", f"--source: no source {', '.join(unknown)}; known: {', '.join(names)}"
        )
    try:
        pattern = compile_filter(args.filter or "")
    except re.error as exc:
        return fail("triage", f"--filter: not a valid regular expression ({exc})")
    chosen = tuple(s for s in SOURCES if not args.source or s.name in args.source)
    try:
        from vconsole.sessions.clisupport import load_profile, with_hosts

        profile = with_hosts(load_profile(args), args)  # hosts only vCenter names are read too
    except VconsoleError as exc:
        return fail("triage", f"{exc.title}: {exc}")
    board = asyncio.run(_read(args, profile, chosen))
    triage = board.triage(pattern, show_ok=args.all)
    if args.json:
        print(json.dumps(triage.to_json(), indent=2))
    else:
        print(render_text(triage))
    return 1 if triage.problem else 0


async def _read(args: argparse.Namespace, profile: Any, sources: tuple[Any, ...]) -> Any:
    from vconsole.services.triage import TriageRun
    from vconsole.sessions.clisupport import cli_manager

    manager = cli_manager(args, profile)
    try:
        return await TriageRun(manager, profile, sources).read()
    finally:
        await manager.close()


def render_text(triage: Any) -> str:
    """Unreadable targets first, then each place with its counts and its findings."""
    out: list[str] = [f"UNREADABLE {u.line}" for u in triage.unreadable]
    for group in triage.groups:
        if out:
            out.append("")
        out.append(f"{group.label} — {group.count_text()}")
        for f in group.findings:
            where = f.subject.name or f.subject.label
            out += finding_lines(f.severity.value, f"[{f.source}] {where}", f.text, f.evidence)
    if not out:
        out.append("Nothing to report: no warning or worse.")
    if triage.hidden_ok:
        out.append(f"({triage.hidden_ok} ok findings hidden; --all shows them)")
    out += [f"note: {n}" for n in triage.notes]
    return "\n".join(out)
