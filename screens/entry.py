"""The console's own commands: `vconsole ui` (the default) and `vconsole demo`.

This is where the command line enters the UI; the core's CLI frame knows nothing of it and gets
these commands handed in by `screens.main`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from vconsole.commands.common import add_console_arguments, load_keymap, resolve_profile


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    demo.add_argument(
        "--keep-state",
        action="store_true",
        help="keep what the last demo changed (Cloud Director edits, MTU results)",
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
    from vconsole import malloc_policy
    from vconsole.commands.lab_cmd import default_state_dir, signal_lab, start_lab, stop_lab

    malloc_policy.for_hours_open()  # before starting the lab starts any thread here
    state_dir = (args.state_dir or default_state_dir()).resolve()
    tty = sys.stderr.isatty()
    print("starting the lab (the first start builds vcsim, about 20 s)...", file=sys.stderr)
    try:
        status = start_lab(state_dir, args.scenario, args.real_network, fresh=not args.keep_state)
    except (RuntimeError, OSError) as exc:
        print(f"vconsole demo: {exc}", file=sys.stderr)
        return 1
    if tty:  # the line would stay on screen after the console ends; the lab is up now
        print("\x1b[1A\x1b[2K", end="", file=sys.stderr, flush=True)
    pid = int(status["pid"])
    try:
        return run_console(
            config=Path(status["config"]),
            profile="lab",
            readonly=bool(getattr(args, "readonly", False)),
            pane=args.pane,
            # the terminal going away ends the process abruptly; the lab must not outlive it
            on_hangup=lambda: stop_lab(state_dir, timeout_s=5.0),
            on_quit=lambda: signal_lab(pid),  # the lab stops while the console shuts down
            test_all_on_start=True,  # the lab profile pins all trust: no prompts to answer
        )
    finally:
        _finish_lab(pid)


def _finish_lab(pid: int) -> None:
    """Wait for the lab to end; say so if that takes more than a moment."""
    import threading

    from vconsole.commands.lab_cmd import signal_lab, wait_lab

    signal_lab(pid)
    notice = threading.Timer(
        0.5, lambda: print("stopping the lab\u2026", file=sys.stderr, flush=True)
    )
    notice.daemon = True
    notice.start()
    try:
        wait_lab(pid)
    finally:
        notice.cancel()


def run_console(
    config: str | Path | None = None,
    profile: str | None = None,
    readonly: bool = False,
    pane: str = "triage",
    on_hangup: Callable[[], object] | None = None,
    test_all_on_start: bool = False,
    on_quit: Callable[[], object] | None = None,
) -> int:
    """Open the console on a profile and return the exit code."""
    from vconsole import malloc_policy, paths
    from vconsole.errors import ConfigError

    malloc_policy.for_hours_open()  # before discovery starts the first threads

    try:
        from vconsole.sessions.clisupport import with_hosts

        chosen = with_hosts(resolve_profile(config, profile))
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
    if on_quit is not None:
        app.quit_hooks.append(on_quit)
    app.run()
    return int(app.return_code or 0)
