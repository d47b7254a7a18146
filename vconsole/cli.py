"""The `vconsole` command line: a thin argparse frame over per-group command modules.

Command modules register their own subcommands and import heavy libraries (pyVmomi, paramiko)
inside their handlers, so `vconsole --help` and start-up stay fast. The commands that open the
console live in the UI layer and are handed in by `screens.main` (`extra_modules`); run as
`python -m vconsole`, the core offers every scriptable command without them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

log = logging.getLogger(__name__)

# Modules that are missing (a pane not built yet) are skipped, not fatal.
COMMAND_MODULES = (
    "vconsole.commands.lab_cmd",
    "vconsole.commands.config_cmd",
    "vconsole.commands.capture_cmd",
    "vconsole.commands.analyze_cmd",
    "vconsole.commands.inventory_cmd",
    "vconsole.commands.lacp_cmd",
    "vconsole.commands.mtu_cmd",
    "vconsole.commands.paths_cmd",
    "vconsole.commands.gpus_cmd",
    "vconsole.commands.branding_cmd",
    "vconsole.commands.triage_cmd",
    "vconsole.commands.checks_cmd",
)


def build_parser(extra_modules: Sequence[str] = ()) -> argparse.ArgumentParser:
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
    for name in (*COMMAND_MODULES, *extra_modules):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    extra_modules: Sequence[str] = (),
    default_command: str | None = None,
) -> int:
    parser = build_parser(extra_modules)
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
