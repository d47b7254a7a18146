"""`vconsole gpus`: the Bitfusion GPU pool from a client VM, with checks, as text or JSON.

Exit status: 0 when the pool was read (findings or not), 1 when the client VM could not give
it (unreachable, bitfusion not installed, no usable token), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from functools import partial
from typing import Any

from vconsole.commands.common import fail, finding_lines, pick_vcenter, text_table


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "gpus", help="Bitfusion GPU pool: servers, GPUs, memory, who holds what, checks"
    )
    p.add_argument("--client", metavar="NAME", help="bitfusion target to ask (default: first)")
    p.add_argument(
        "--vcenter", metavar="NAME", help="vCenter target for server hosts (default: first)"
    )
    p.add_argument("--no-vcenter", action="store_true", help="do not read server hosts")
    p.add_argument(
        "--server-host",
        action="append",
        metavar="SERVER=HOST",
        default=[],
        help="ESXi host of a server (address or name) where vCenter does not know its VM",
    )
    p.add_argument(
        "--free-threshold",
        type=float,
        default=None,
        metavar="PCT",
        help="pool saturated below this %% of free memory (default 10)",
    )
    p.add_argument("--json", action="store_true", help="print the pool as JSON")
    p.set_defaults(handler=handle)


_fail = partial(fail, "gpus")


def parse_server_hosts(values: list[str]) -> dict[str, str]:
    """`SERVER=HOST` pairs; raises ValueError naming the bad one."""
    out: dict[str, str] = {}
    for value in values:
        server, sep, host = value.partition("=")
        if not sep or not server.strip() or not host.strip():
            raise ValueError(
                f"--server-host: {value!r} is not SERVER=HOST (e.g. 10.0.40.11=esx-hq-01)"
            )
        out[server.strip()] = host.strip()
    return out


def handle(args: argparse.Namespace) -> int:
    from vconsole.errors import VconsoleError

    try:
        from vconsole.commands.common import resolve_profile

        profile = resolve_profile(getattr(args, "config", None), getattr(args, "profile", None))
    except VconsoleError as exc:
        return _fail(f"{exc.title}: {exc}")
    clients = profile.names("bitfusion", "replay")
    bitfusion = profile.names("bitfusion")
    client = args.client or (bitfusion[0] if bitfusion else None)
    if client is None:
        return _fail('no bitfusion target in this profile; add one (kind = "bitfusion")')
    if client not in clients:
        return _fail(
            f"--client: no bitfusion target {client!r}; known: {', '.join(clients) or '(none)'}"
        )
    try:
        vcenter = pick_vcenter(args, profile)
    except ValueError as exc:
        return _fail(str(exc))
    try:
        placements = parse_server_hosts(args.server_host)
    except ValueError as exc:
        return _fail(str(exc))
    threshold = args.free_threshold
    if threshold is not None and not 0 <= threshold <= 100:
        return _fail("--free-threshold: expected a percentage between 0 and 100")
    report = asyncio.run(_refresh(profile, args, client, vcenter, placements, threshold))
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(render_text(report))
    return 0 if report.ok else 1


async def _refresh(
    profile: Any,
    args: argparse.Namespace,
    client: str,
    vcenter: str | None,
    placements: dict[str, str],
    threshold: float | None,
) -> Any:
    from vconsole.services.gpus import GpuPoolService
    from vconsole.sessions import SessionManager

    read_only = bool(getattr(args, "readonly", False) or profile.read_only)
    manager = SessionManager(profile, read_only=read_only)
    try:
        service = GpuPoolService(manager, client, vcenter, server_hosts=placements)
        if threshold is not None:
            service.free_threshold_pct = threshold
        return await service.refresh()
    finally:
        await manager.close()


def _gib(mb: int) -> str:
    return f"{mb / 1024:.1f}"


def render_text(report: Any) -> str:
    """Servers and GPUs as a plain table, the totals line, allocations, then the findings."""
    if not report.ok:
        return f"{report.client}: {report.failure_text}"
    rows = [("SERVER", "STATE", "GPU", "MODEL", "GIB USED/TOTAL", "CLIENTS")]
    for s in report.servers:
        state = s.state.value + (f" {s.version}" if s.version else "")
        if not s.gpus:
            rows.append((s.name, state, "", "", "", ""))
        for g in s.gpus:
            clients = ", ".join(g.clients) if g.clients_known else "?"
            used = f"{_gib(g.allocated_mb)}/{_gib(g.memory_mb)}"
            rows.append((s.name, state, str(g.index), g.model, used, clients))
    out = text_table(rows)
    t = report.totals
    out.append(
        f"\npool: {t.gpus} GPUs, {_gib(t.allocated_mb)} of {_gib(t.memory_mb)} GiB allocated "
        f"({t.used_pct:.0f}%), {_gib(t.free_mb)} GiB free"
    )
    allocations = [_allocation_line(a) for a in report.allocations]
    findings = [
        line
        for p in report.problems
        for line in finding_lines(p.severity.value, p.subject.label, p.text, p.evidence)
    ]
    for section in (allocations, findings):
        if section:
            out += ["", *section]
    return "\n".join(out)


def _allocation_line(a: Any) -> str:
    since = time.strftime("%H:%M:%S", time.localtime(a.since))
    mark = "<=" if a.seen_at_start else "  "
    return (
        f"{a.client:<20} {a.server:<12} GPU {a.gpu_index:<2} {a.memory_mb:>7} MiB "
        f"({a.fraction:.2f})  since {mark}{since}"
    )
