"""The console's own commands: `vconsole ui` (the default) and `vconsole demo`.

This is where the command line enters the UI; the core's CLI frame knows nothing of it and gets
these commands handed in by `screens.main`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vconsole.commands.common import add_console_arguments, load_keymap, resolve_profile


def register(subparsers: Any) -> None:
    ui = subparsers.add_parser("ui", help="open the console (the default without a command)")
    add_console_arguments(ui)
    ui.set_defaults(handler=handle_ui)

    demo = subparsers.add_parser("demo", help="start the lab, open the console on it, stop on exit")
    demo.add_argument("--scenario", type=Path, metavar="FILE", help="scenario TOML")
    demo.add_argument("--state-dir", type=Path, metavar="DIR", help="lab state dir")
    demo.add_argument(
        "--real-network",
        action="store_true",
        help="vmkping over real network namespaces (Linux, root)",
    )
    demo.add_argument("--pane", metavar="ALIAS", default="triage", help="pane to open first")
    demo.set_defaults(handler=handle_demo)


def handle_ui(args: argparse.Namespace) -> int:
    return run_console(
        config=getattr(args, "config", None),
        profile=getattr(args, "profile", None),
        readonly=bool(getattr(args, "readonly", False)),
        pane=getattr(args, "pane", "triage"),
    )


def handle_demo(args: argparse.Namespace) -> int:
    """Lab up, console on its profile, lab down again however the console ends."""
    from vconsole.commands.lab_cmd import default_state_dir, start_lab, stop_lab

    state_dir = (args.state_dir or default_state_dir()).resolve()
    print("starting the lab (the first start builds vcsim, about 20 s)...", file=sys.stderr)
    try:
        status = start_lab(state_dir, args.scenario, args.real_network)
    except (RuntimeError, OSError) as exc:
        print(f"vconsole demo: {exc}", file=sys.stderr)
        return 1
    try:
        return run_console(
            config=Path(status["config"]),
            profile="lab",
            readonly=bool(getattr(args, "readonly", False)),
            pane=args.pane,
            # the terminal going away ends the process abruptly; the lab must not outlive it
            on_hangup=lambda: stop_lab(state_dir, timeout_s=5.0),
            test_all_on_start=True,  # the lab profile pins all trust: no prompts to answer
        )
    finally:
        stop_lab(state_dir)


def run_console(
    config: str | Path | None = None,
    profile: str | None = None,
    readonly: bool = False,
    pane: str = "triage",
    on_hangup: Callable[[], object] | None = None,
    test_all_on_start: bool = False,
) -> int:
    """Open the console on a profile and return the exit code."""
    from vconsole import paths
    from vconsole.sessions.errors import ConfigError

    try:
        chosen = resolve_profile(config, profile)
    except ConfigError as exc:
        print(f"vconsole: {exc.title}:\n{exc}", file=sys.stderr)
        return 2
    config_dir = Path(config).parent if config else paths.config_dir()
    keymap, problems = load_keymap(config_dir)
    for problem in problems:
        print(f"vconsole: {problem}", file=sys.stderr)

    # Textual and the screens load only now, so a bad profile is reported without them.
    from screens.launch import UnknownPane, build_console

    try:
        app = build_console(
            chosen,
            read_only=readonly,
            start_pane=pane,
            keymap=keymap,
            test_all_on_start=test_all_on_start,
        )
    except UnknownPane as exc:
        print(f"vconsole: --pane: {exc}", file=sys.stderr)
        return 2
    if on_hangup is not None:
        app.hangup_hooks.append(on_hangup)
    app.run()
    return int(app.return_code or 0)
