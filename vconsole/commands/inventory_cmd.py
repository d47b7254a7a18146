"""`vconsole inventory`: VMs, hosts, clusters, datastores or networks of every vCenter, merged.

Same service as the pane: one fast PropertyCollector pass per vCenter, all vCenters at once.
Exit 0 when every vCenter answered, 1 when one failed (the others' rows are still printed and
the failed one is named on stderr), 2 for bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from functools import partial
from typing import Any

from vconsole.commands.common import fail, not_known, text_table


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "inventory", help="VMs, hosts, clusters, datastores or networks of every vCenter"
    )
    p.add_argument(
        "--type",
        default="vm",
        metavar="TYPE",
        help="vm (default), host, cluster, datastore (ds) or network (net)",
    )
    p.add_argument(
        "--filter", metavar="REGEX", default="", help="keep rows matching (!REGEX: not matching)"
    )
    p.add_argument(
        "--vcenter", action="append", metavar="NAME", help="only this vcenter target (repeatable)"
    )
    p.add_argument("--sort", metavar="COLUMN", help="sort by this column key (e.g. memory_mb)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a JSON list of objects")
    out.add_argument("--csv", action="store_true", help="print CSV with a header line")
    p.set_defaults(handler=handle)


_fail = partial(fail, "inventory")


def handle(args: argparse.Namespace) -> int:
    from vconsole.errors import VconsoleError
    from vconsole.models.inventory import COLUMNS, kind_of
    from vconsole.services.inventory_export import FilterError, compile_filter

    try:
        kind = kind_of(args.type)
    except ValueError as exc:
        return _fail(f"--{exc}")
    try:
        matcher = compile_filter(args.filter or "")
    except FilterError as exc:
        return _fail(f"--{exc}")
    keys = [c.key for c in COLUMNS[kind]]
    if args.sort and args.sort not in keys:
        return _fail(
            f"--sort: no column {args.sort!r} for {kind.value}; accepted: {', '.join(keys)}"
        )
    try:
        profile = _profile(args)
    except VconsoleError as exc:
        return _fail(f"{exc.title}: {exc}")
    known = profile.names("vcenter")
    wanted = args.vcenter or known
    problem = not_known("--vcenter", "vcenter target", wanted, known)
    if problem:
        return _fail(problem)
    if not wanted:
        return _fail("the profile has no vcenter target (add one with `vconsole config`)", 1)
    service = asyncio.run(_load(profile, args, wanted, kind))
    return _print(service, kind, matcher, args)


def _profile(args: argparse.Namespace) -> Any:
    from vconsole.commands.common import resolve_profile

    return resolve_profile(getattr(args, "config", None), getattr(args, "profile", None))


async def _load(profile: Any, args: argparse.Namespace, vcenters: list[str], kind: Any) -> Any:
    from vconsole.services.inventory import InventoryService
    from vconsole.sessions import SessionManager

    read_only = bool(getattr(args, "readonly", False) or profile.read_only)
    manager = SessionManager(profile, read_only=read_only)
    try:
        service = InventoryService(manager, vcenters)
        await service.load([kind])
        return service
    finally:
        await manager.close()


def _print(service: Any, kind: Any, matcher: Any, args: argparse.Namespace) -> int:
    from vconsole.models.inventory import COLUMNS
    from vconsole.services.inventory_export import (
        cell_text,
        filter_rows,
        sort_rows,
        to_csv,
        to_json,
    )

    rows = filter_rows(service.rows(kind), matcher)
    rows = sort_rows(rows, args.sort or "name")
    stale = service.stale()
    if args.json:
        print(to_json(rows, stale))
    elif args.csv:
        sys.stdout.write(to_csv(rows, kind, stale))
    else:
        columns = COLUMNS[kind]
        table = [tuple(c.label.upper() for c in columns)]
        table += [tuple(cell_text(v) for v in row.values()) for row in rows]
        for line in text_table(table):
            print(line)
        denied = sum(1 for row in rows if row.denied)
        tail = f"{len(rows)} {kind.value}(s)"
        if denied:
            tail += f", {denied} with properties you may not read"
        print(tail)
    failed = [s for s in service.statuses.values() if s.stale]
    for status in failed:
        print(
            f"vconsole inventory: {status.vcenter}: {status.state.value}: {status.error} "
            f"({status.objects} objects read before that)",
            file=sys.stderr,
        )
    return 1 if failed else 0
