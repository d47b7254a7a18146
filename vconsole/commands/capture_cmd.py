"""`vconsole capture TARGET FILE`: save a host's read-only command outputs for offline replay."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "capture", help="run the console's read-only commands on a host and save the outputs"
    )
    parser.add_argument("target", help="an esxi or bitfusion target of the profile")
    parser.add_argument("file", type=Path, help="capture JSON file to write")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per command")
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    parser.set_defaults(handler=cmd_capture)


def cmd_capture(args: argparse.Namespace) -> int:
    from vconsole.errors import UnknownTarget, VconsoleError, WrongTargetKind

    problem = file_problem(args.file, args.force)
    if problem:
        print(f"vconsole capture: FILE: {problem}; nothing was run", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_capture(args))
    except (UnknownTarget, WrongTargetKind) as exc:  # bad input, like every command's
        print(f"{exc.title}: {exc}", file=sys.stderr)
        return 2
    except VconsoleError as exc:
        print(f"{exc.title}: {exc}", file=sys.stderr)
        return 1


async def _capture(args: argparse.Namespace) -> int:
    from vconsole.sessions.capture import capture_host, write_capture
    from vconsole.sessions.clisupport import cli_manager

    manager = cli_manager(args)
    try:
        from vconsole.sessions.discovery import discover_profile, needs_discovery

        if needs_discovery(manager.profile):  # hosts from vCenter, reached as [hosts] says
            for problem in (await discover_profile(manager)).problems:
                print(f"vconsole: {problem}", file=sys.stderr)
        capture = await capture_host(
            manager,
            args.target,
            _commands_for(manager.target(args.target).kind),
            timeout=args.timeout,
            on_progress=lambda done, total, line: print(
                f"[{done}/{total}] {line}", file=sys.stderr
            ),
        )
    finally:
        await manager.close()
    try:
        write_capture(args.file, capture)
    except OSError as exc:
        print(f"vconsole capture: {args.file}: cannot write: {exc.strerror}", file=sys.stderr)
        return 1
    failed = [line for line, entry in capture["commands"].items() if entry["exit"] == -1]
    for line in failed:
        print(f"not captured: {line}: {capture['commands'][line]['stderr']}", file=sys.stderr)
    print(
        f"{args.file}: {len(capture['commands']) - len(failed)} of {len(capture['commands'])} commands captured"
    )
    return 1 if failed else 0


def file_problem(file: Path, force: bool) -> str | None:
    """Why the capture cannot be written to `file`, checked before any host is asked."""
    try:
        if file.is_dir():
            return f"{file} is a directory; give a file name"
        if not file.parent.is_dir():
            return f"directory {file.parent} does not exist"
        if file.exists() and not force:
            return f"{file} exists; pass --force to overwrite it"
    except (OSError, ValueError) as exc:
        return f"cannot use this path: {getattr(exc, 'strerror', None) or exc}"
    return None


def _commands_for(kind: str) -> list[Any] | None:
    """A Bitfusion client VM gets the `bitfusion` commands; ESXi hosts the esxcli registry."""
    if kind == "bitfusion":
        from vconsole.esx.bitfusion import READ_COMMANDS

        return list(READ_COMMANDS)
    return None
