"""`vconsole mtu`: real path MTU per host x vmk x target, found by search, as text or JSON.

    vconsole mtu --host esx-akl-01 --vmk vmk0 --target vcsa01 --json
    vconsole mtu --host esx-akl-01 --host esx-akl-02 --vmk vmk1 --target peer --save-set AKL
    vconsole mtu --set AKL          (a saved set)      vconsole mtu --all   (every saved set)
Exit status: 0 when every pair is fine, 1 when a pair has a finding (warning or worse),
2 when the request is wrong (nothing was sent then).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import replace
from functools import partial
from typing import Any

from vconsole.commands.common import fail, text_table


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "mtu",
        help="path MTU per host, vmk and target, found with DF-set vmkping probes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--host", action="append", default=[], metavar="H", help="esxi target (repeatable)"
    )
    p.add_argument(
        "--vmk",
        metavar="VMK",
        default="",
        help="source vmk (default: the one on the target's subnet)",
    )
    p.add_argument(
        "--netstack", metavar="NAME", default="", help="TCP/IP stack (default: the vmk's own)"
    )
    p.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="T",
        help="IP, host name, saved name, HOST:vmkN or 'peer' (repeatable)",
    )
    p.add_argument("-6", dest="ipv6", action="store_true", help="test over IPv6 (48-byte header)")
    p.add_argument("--set", action="append", default=[], metavar="NAME", help="run a saved set")
    p.add_argument("--all", action="store_true", help="run every saved set")
    p.add_argument(
        "--save-set", metavar="NAME", help="save the --host/--target pairs as a set, then run"
    )
    p.add_argument("--list-sets", action="store_true", help="show saved sets and addresses")
    p.add_argument(
        "--address", action="append", default=[], metavar="NAME=IP", help="save a target name"
    )
    p.add_argument(
        "--required-mtu", type=int, metavar="N", help="MTU the path must carry (e.g. 1600)"
    )
    p.add_argument("--max-mtu", type=int, metavar="N", help="search no higher than this MTU")
    p.add_argument(
        "--parallel", type=int, default=8, metavar="K", help="probes in flight per pair (8)"
    )
    p.add_argument("--timeout", type=float, default=1.0, metavar="S", help="wait per probe (1 s)")
    p.add_argument(
        "--channels",
        type=int,
        default=8,
        metavar="N",
        help="SSH channels per host, shared by its pairs (8)",
    )
    p.add_argument(
        "--one-probe-per-exec",
        dest="batch",
        action="store_false",
        help="one vmkping per SSH exec, pairs taking turns for the channels (default: several "
        "probes per exec; through vCenter, every pair's pings at once)",
    )
    p.add_argument("--json", action="store_true", help="print the results as a JSON list")
    p.set_defaults(handler=handle)


_fail = partial(fail, "mtu")


def _check_numbers(args: argparse.Namespace) -> list[str]:
    out = []
    if not 1 <= args.parallel <= 32:
        out.append(f"--parallel: {args.parallel} is not accepted; expected 1 to 32")
    if not 0.1 <= args.timeout <= 30:
        out.append(f"--timeout: {args.timeout:g} is not accepted; expected 0.1 to 30 seconds")
    if not 1 <= args.channels <= 64:
        out.append(f"--channels: {args.channels} is not accepted; expected 1 to 64")
    low = 1280 if args.ipv6 else 68
    for flag, value in (("--required-mtu", args.required_mtu), ("--max-mtu", args.max_mtu)):
        if value is not None and not low <= value <= 9216:
            out.append(f"{flag}: {value} is not accepted; expected {low} to 9216")
    return out


def handle(args: argparse.Namespace) -> int:
    from vconsole.errors import VconsoleError
    from vconsole.models.mtu import MtuTest, TestSet
    from vconsole.services.mtu import MtuInputError, expand_set
    from vconsole.services.mtu_store import MtuStore, check_test_set

    problems = _check_numbers(args)
    if args.target and not args.host:
        problems.append("--host: at least one --host is needed with --target")
    if args.host and not args.target:
        problems.append("--target: at least one --target is needed with --host")
    if args.save_set and not (args.host and args.target):
        problems.append("--save-set: give the pairs to save with --host and --target")
    if problems:
        return _fail("\n".join(problems))
    try:
        profile = _profile(args)  # first: its state_dir says where the store lives
    except VconsoleError as exc:
        return _fail(f"{exc.title}: {exc}")
    store = MtuStore()
    try:
        for item in args.address:
            name, sep, ip = item.partition("=")
            if not sep or not name or not ip:
                return _fail(f"--address: {item!r} is not accepted; expected NAME=IP")
            from vconsole import tokens

            store.save_address(name, tokens.ip_address(ip, "--address"))
        if args.list_sets:
            print(_render_sets(store))
            return 0
        family = 6 if args.ipv6 else 4
        tests = [
            MtuTest(
                host=h,
                target=t,
                vmk=args.vmk,
                netstack=args.netstack,
                family=family,
                required_mtu=args.required_mtu,
            )
            for h in args.host
            for t in args.target
        ]
        if args.save_set:
            per_target = tuple(dict.fromkeys(replace(t, host="*") for t in tests))
            to_save = TestSet(args.save_set, per_target, tuple(args.host))
            check_test_set(to_save, "--save-set")
            store.save_set(to_save)
        chosen = store.sets() if args.all else [store.get_set(n) for n in args.set]
        for s in chosen:
            tests += expand_set(s)
        if args.all and not chosen:
            return _fail("--all: no saved sets yet; save one with --save-set NAME")
        if not tests:
            if args.address:
                return 0
            return _fail("nothing to test: give --host and --target, --set NAME or --all")
    except VconsoleError as exc:
        return _fail(f"{exc.title}: {exc}")
    try:
        results = asyncio.run(_run(profile, args, store, tests))
    except MtuInputError as exc:
        return _fail("nothing was sent:\n  " + "\n  ".join(exc.problems))
    if args.json:
        from vconsole.sessions.via import with_via

        print(json.dumps(with_via([r.to_json() for r in results], profile), indent=2))
    else:
        print(render_text(results))
    from vconsole.models.mtu import Severity
    from vconsole.services.mtu_verdict import rank

    return 1 if any(rank(r.verdict.severity) >= rank(Severity.WARNING) for r in results) else 0


def _profile(args: argparse.Namespace) -> Any:
    from vconsole.commands.common import resolve_profile
    from vconsole.sessions.clisupport import with_hosts

    profile = resolve_profile(getattr(args, "config", None), getattr(args, "profile", None))
    return with_hosts(profile, args)


async def _run(profile: Any, args: argparse.Namespace, store: Any, tests: list[Any]) -> list[Any]:
    from vconsole.services.mtu import MtuService, RunSettings
    from vconsole.sessions import SessionManager
    from vconsole.sessions.esxcli_api import PING_CALLS_PER_HOST

    hosts = {t.host for t in tests}
    per_host = max(args.channels, PING_CALLS_PER_HOST)  # a thread per waiting call over the API
    manager = SessionManager(
        profile,
        read_only=bool(getattr(args, "readonly", False) or profile.read_only),
        per_host_limit=args.channels,
        max_workers=min(1024, max(64, per_host * len(hosts))),
    )
    settings = RunSettings(
        parallel=args.parallel,
        timeout_s=args.timeout,
        max_mtu=args.max_mtu,
        channels_per_host=args.channels,
        batch=args.batch,
    )
    service = MtuService(manager, store, settings)
    progress = sys.stderr.isatty() and not args.json
    try:
        plan = await service.prepare(tests)
        total = len(plan.tests)
        done = 0

        def on_result(r: Any) -> None:
            nonlocal done
            done += 1
            if progress:
                shown = r.path_mtu if r.path_mtu is not None else "-"
                print(f"[{done}/{total}] {r.host} {r.column}: {shown}", file=sys.stderr)

        return await service.run(plan, on_result=on_result)
    finally:
        await manager.close()


def render_text(results: list[Any]) -> str:
    """A terminal table, then each pair's findings and its probe evidence in one line."""
    header = (
        "HOST",
        "VMK",
        "NETSTACK",
        "TARGET",
        "VMK MTU",
        "PATH MTU",
        "SURE",
        "PROBES",
        "TIME",
        "VERDICT",
    )
    rows = [header]
    for r in results:
        rows.append(
            (
                r.host,
                r.vmk,
                r.netstack,
                _target_text(r),
                str(r.vmk_mtu or "-"),
                str(r.path_mtu) if r.path_mtu is not None else "-",
                r.confidence.value,
                str(r.probes),
                f"{r.duration_s:.1f}s",
                r.verdict.code,
            )
        )
    out = text_table(rows)
    out.append("")
    for r in results:
        out.append(f"{r.host} {r.column}:")
        for v in r.verdicts:
            out.append(f"  {v.severity.value.upper():11} {v.message}")
        if r.changed:
            out.append(f"  CHANGED     was {r.previous_path_mtu} at {r.previous_checked_at}")
        steps = ", ".join(
            f"{p.payload}:{p.kind.value}"
            for p in sorted(r.evidence, key=lambda p: (p.round, p.payload))
        )
        if steps:
            out.append(f"  evidence    {steps}")
    return "\n".join(out)


def _target_text(r: Any) -> str:
    name = r.label or r.target
    return f"{name} ({r.address})" if r.address and r.address != name else name


def _render_sets(store: Any) -> str:
    lines = []
    for s in store.sets():
        lines.append(f"{s.name}: {', '.join(s.hosts) or '(hosts per test)'}")
        for t in s.tests:
            extra = f" netstack {t.netstack}" if t.netstack else ""
            lines.append(f"  {t.host} {t.vmk or 'auto'} -> {t.label or t.target}{extra}")
    book = store.addresses()
    if book:
        lines.append("addresses: " + ", ".join(f"{k}={v}" for k, v in sorted(book.items())))
    return "\n".join(lines) or "no saved sets"
