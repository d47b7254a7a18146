"""The `vconsole` command line: a thin argparse frame over per-group command modules.

Command modules register their own subcommands and import heavy libraries (pyVmomi, paramiko)
inside their handlers, so `vconsole --help` and start-up stay fast. Each module is imported by
name here, so a missing one is an import error, not a command that silently disappears. The
commands that open the console live in the UI layer and are handed in by `screens.main`
(`extra_commands`); run as `python -m vconsole`, the core offers every scriptable command
without them.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from vconsole.commands import (
    analyze_cmd,
    branding_cmd,
    capture_cmd,
    checks_cmd,
    config_cmd,
    gpus_cmd,
    inventory_cmd,
    lab_cmd,
    lacp_cmd,
    mtu_cmd,
    paths_cmd,
    triage_cmd,
)

RegisterCommands = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
"""A command module's `register`: adds its subcommands to the parser."""

COMMANDS: tuple[RegisterCommands, ...] = (
    lab_cmd.register,
    config_cmd.register,
    capture_cmd.register,
    analyze_cmd.register,
    inventory_cmd.register,
    lacp_cmd.register,
    mtu_cmd.register,
    paths_cmd.register,
    gpus_cmd.register,
    branding_cmd.register,
    triage_cmd.register,
    checks_cmd.register,
)

log = logging.getLogger(__name__)


def build_parser(extra_commands: Sequence[RegisterCommands] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vconsole",
        description="Keyboard-driven operations console for VMware admins.",
    )
    parser.add_argument(
        "--config", metavar="FILE", help="config file (default: platform config dir)"
    )
    parser.add_argument(
        "--profile", metavar="NAME", help="profile to use (default: the file's default)"
    )
    parser.add_argument(
        "--readonly", action="store_true", help="refuse every mutating call before any I/O"
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="write DEBUG records to the debug log (state dir's vconsole.log; INFO without it)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in (*COMMANDS, *extra_commands):
        register(subparsers)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    extra_commands: Sequence[RegisterCommands] = (),
    default_command: str | None = None,
) -> int:
    parser = build_parser(extra_commands)
    words = list(argv if argv is not None else sys.argv[1:])
    for word in words:
        # argparse (3.11) turns `--opt=--` into an empty list instead of refusing it
        if word.startswith("--") and word.endswith("=--"):
            print(f"vconsole: {word[:-3]}: '--' is not a value", file=sys.stderr)
            return 2
    args = parser.parse_args(words)
    handler = getattr(args, "handler", None)
    if handler is None:
        if args.command is None and default_command in _subcommands(parser):
            args = parser.parse_args([*words, str(default_command)])
            handler = args.handler
        else:
            parser.print_help()
            return 2
    from vconsole import crash, debug_log

    debug_log.configure(debug=args.debug)
    log.info("vconsole %s: start (pid %d)", _command_name(args), os.getpid())
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return crash.reader_went_away()
    except Exception as exc:  # the one top-level handler: a line, and the traceback in a file
        return crash.report_unexpected(_command_name(args), exc)
    finally:
        debug_log.settle()


def _command_name(args: argparse.Namespace) -> str:
    words = [str(args.command or "")]
    for key, value in vars(args).items():
        if key.endswith("_command") and isinstance(value, str):
            words.append(value)
    return " ".join(w for w in words if w)


def _subcommands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


if __name__ == "__main__":
    sys.exit(main())
