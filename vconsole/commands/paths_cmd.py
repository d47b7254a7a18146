"""`vconsole paths`: every device's policy and every path's state and latency, across hosts.

`--set-rr latency|iops` changes one device's Round Robin sub-policy on one host
(`deviceconfig set`); it asks for confirmation unless `--yes`, and `--readonly` refuses it
before anything is sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from functools import partial
from typing import Any

from vconsole.commands.common import (
    confirm_change,
    fail,
    finding_lines,
    not_known,
    pick_vcenter,
    text_table,
)
from vconsole.commands.outcome import failed_targets


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "paths", help="multipathing: PSP, Round Robin sub-policy, path states and latency"
    )
    p.add_argument("--host", action="append", metavar="H", help="only this host (repeatable)")
    p.add_argument("--device", action="append", metavar="NAA", help="only this device (repeatable)")
    p.add_argument("--json", action="store_true", help="print the per-path rows as a JSON list")
    p.add_argument("--vcenter", metavar="NAME", help="vCenter target for latency (default: first)")
    p.add_argument("--no-vcenter", action="store_true", help="SSH only: no latency")
    p.add_argument(
        "--samples",
        type=int,
        default=15,
        metavar="N",
        help="realtime samples of 20 s in the window (default 15 = 5 min)",
    )
    p.add_argument("--concurrency", type=int, metavar="N", help="hosts asked at once (default 64)")
    limits = p.add_argument_group("thresholds")
    limits.add_argument(
        "--davg-ms",
        type=float,
        default=20.0,
        metavar="MS",
        help="device latency p95 limit (default 20)",
    )
    limits.add_argument(
        "--kavg-ms",
        type=float,
        default=1.0,
        metavar="MS",
        help="kernel latency p95 limit (default 1)",
    )
    limits.add_argument(
        "--slow-ratio",
        type=float,
        default=3.0,
        metavar="X",
        help="a path this many times slower than its siblings is an outlier",
    )
    limits.add_argument(
        "--slow-min-ms",
        type=float,
        default=5.0,
        metavar="MS",
        help="...and at least this many ms slower (default 5)",
    )
    fix = p.add_argument_group("change a device's Round Robin sub-policy (one host)")
    fix.add_argument("--set-rr", choices=("latency", "iops"), help="deviceconfig set --type=...")
    fix.add_argument(
        "--iops", type=int, metavar="N", help="with --set-rr iops: switch every N I/Os"
    )
    fix.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=handle)  # fmt: skip


_fail = partial(fail, "paths")


def _thresholds(args: argparse.Namespace) -> Any:
    from vconsole.models.paths import Thresholds

    for name, flag in (
        ("davg_ms", "--davg-ms"),
        ("kavg_ms", "--kavg-ms"),
        ("slow_ratio", "--slow-ratio"),
        ("slow_min_ms", "--slow-min-ms"),
    ):
        if getattr(args, name) < 0:
            raise ValueError(f"{flag}: expected a number of 0 or more")
    return Thresholds(
        davg_ms=args.davg_ms,
        kavg_ms=args.kavg_ms,
        slow_path_ratio=args.slow_ratio,
        slow_path_min_ms=args.slow_min_ms,
    )


def handle(args: argparse.Namespace) -> int:
    from vconsole.errors import InvalidToken, VconsoleError
    from vconsole.tokens import device_id

    try:
        profile = _profile(args)
    except VconsoleError as exc:
        return _fail(f"{exc.title}: {exc}")
    ssh_targets = profile.names("esxi", "replay")
    try:
        vcenter = pick_vcenter(args, profile)
    except ValueError as exc:
        return _fail(str(exc))
    problem = not_known("--host", "esxi target", args.host or [], ssh_targets)
    if problem and vcenter is None:
        return _fail(problem)
    try:
        devices = [device_id(d, "--device") for d in args.device or []]
        thresholds = _thresholds(args)
    except (InvalidToken, ValueError) as exc:
        return _fail(str(exc))
    if args.concurrency is not None and args.concurrency < 1:
        return _fail("--concurrency: expected a whole number of 1 or more")
    if not 1 <= args.samples <= 180:
        return _fail("--samples: expected a whole number from 1 to 180 (one hour)")
    if args.set_rr:
        return _set_rr(args, profile, devices)
    # every host is asked even with --host: verdicts compare a host with its siblings
    report = asyncio.run(_refresh(profile, args, ssh_targets, vcenter, thresholds))
    problem = not_known("--host", "host", args.host or [], [h.host for h in report.hosts])
    if problem:
        return _fail(problem)
    rows = [
        r
        for r in report.rows
        if (not args.host or r.host in args.host)
        and (not devices or r.device in devices or not r.device)
    ]
    if args.json:
        from vconsole.sessions.via import with_via

        print(json.dumps(with_via([r.as_json() for r in rows], profile), indent=2))
    else:
        print(render_text(report, rows))
    # a host known only to vCenter (no SSH target) is not ok, but nothing failed there
    asked = [h for h in report.hosts if h.error]
    return failed_targets("paths", asked, report.vcenter_error)


def _profile(args: argparse.Namespace) -> Any:
    from vconsole.commands.common import resolve_profile
    from vconsole.sessions.clisupport import with_hosts

    profile = resolve_profile(getattr(args, "config", None), getattr(args, "profile", None))
    return with_hosts(profile, args)


def _manager(profile: Any, args: argparse.Namespace) -> Any:
    from vconsole.sessions import SessionManager

    read_only = bool(getattr(args, "readonly", False) or profile.read_only)
    return SessionManager(profile, read_only=read_only)


async def _refresh(
    profile: Any, args: argparse.Namespace, hosts: list[str], vcenter: str | None, thresholds: Any
) -> Any:
    from vconsole.services.paths import PathsService

    manager = _manager(profile, args)
    try:
        service = PathsService(
            manager,
            hosts,
            vcenter,
            thresholds=thresholds,
            samples=args.samples,
            concurrency=args.concurrency,
        )
        return await service.refresh()
    finally:
        await manager.close()


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def render_text(report: Any, rows: list[Any]) -> str:
    """A plain table an admin can read in a terminal, then the findings with their evidence."""
    header = ("HOST", "DEVICE", "PSP", "RR", "PATH", "STATE", "RD ms", "WR ms", "VERDICT")
    lines = [header]
    for r in rows:
        lines.append(
            (
                r.host,
                r.device,
                r.psp.removeprefix("VMW_PSP_"),
                r.rr.describe() if r.rr else "",
                r.path,
                r.group_state if r.group_state and r.group_state != r.state else r.state,
                "-" if r.dead else _ms(r.read_ms),  # as the pane: a dead path has no latency
                "-" if r.dead else _ms(r.write_ms),
                r.verdict.value,
            )
        )
    out = text_table(lines)
    seen: set[tuple[str, str, str]] = set()
    findings = []
    for r in rows:
        for p in (*r.device_problems, *r.problems):  # a device's findings once, before its paths'
            where = {"host": r.host, "device": f"{r.host} {r.device}"}.get(
                p.scope, f"{r.host} {r.device} {r.path}".strip()
            )
            if (where, p.code, p.text) in seen:
                continue
            seen.add((where, p.code, p.text))
            findings.append((p, where))
    if findings:
        out.append("")
        for p, where in findings:
            out += finding_lines(p.severity.value, where, p.text, p.evidence)
    switch = [
        f"{h.host}={'on' if h.psp_latency_policy_enabled else 'off'}"
        for h in report.hosts
        if h.psp_latency_policy_enabled is not None
    ]
    if switch:
        out.append("\nEnablePSPLatencyPolicy: " + " ".join(switch))
    for note in report.notes:
        out.append(note)
    return "\n".join(out)


def _set_rr(args: argparse.Namespace, profile: Any, devices: list[str]) -> int:
    from vconsole.errors import VconsoleError
    from vconsole.esx.storage import rr_set_command

    if not args.host or len(args.host) != 1:
        return _fail("--set-rr: name exactly one --host")
    if len(devices) != 1:
        return _fail("--set-rr: name exactly one --device")
    if args.iops is not None and args.set_rr != "iops":
        return _fail("--iops goes with --set-rr iops")
    host, device = args.host[0], devices[0]
    if host not in profile.names("esxi", "replay"):
        return _fail(f"--host: no esxi target {host!r}")
    try:
        command = rr_set_command(device, args.set_rr, iops=args.iops)
    except VconsoleError as exc:
        return _fail(str(exc))
    if not args.yes:
        refused = confirm_change("paths", "--set-rr", host, command.line)
        if refused is not None:
            return refused

    async def run() -> Any:
        from vconsole.services.paths import PathsService

        manager = _manager(profile, args)
        try:
            return await PathsService(manager, [host]).set_rr_type(
                host, device, args.set_rr, args.iops
            )
        finally:
            await manager.close()

    try:
        _, config = asyncio.run(run())
    except VconsoleError as exc:
        return _fail(f"{exc.title}: {exc}", 1)
    now = f" (Limit Type now {config.limit_type})" if config.limit_type else ""
    print(f"{host}: {command.line}: done{now}")
    return 0
