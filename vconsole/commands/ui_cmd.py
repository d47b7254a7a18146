"""`vconsole ui` (also plain `vconsole`): load the profile and open the console.

Textual, the screens and the session manager are imported inside the handler, so `vconsole
--help` and every other command start without them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

KEYMAP_FILE = "keymap.toml"


def register(subparsers: Any) -> None:
    ui = subparsers.add_parser("ui", help="open the console (the default without a command)")
    add_console_arguments(ui)
    ui.set_defaults(handler=handle)


def add_console_arguments(parser: argparse.ArgumentParser) -> None:
    """--config/--profile/--readonly after the subcommand too, without overriding the global ones."""
    parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="config file")
    parser.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS, help="profile")
    parser.add_argument(
        "--readonly", action="store_true", default=argparse.SUPPRESS, help="refuse every write"
    )
    parser.add_argument(
        "--pane",
        metavar="ALIAS",
        default="conn",
        help="pane to open first: vm, lag, mtu, path, gpu, brand, conn (default conn)",
    )


def handle(args: argparse.Namespace) -> int:
    return run_console(
        config=getattr(args, "config", None),
        profile=getattr(args, "profile", None),
        readonly=bool(getattr(args, "readonly", False)),
        pane=getattr(args, "pane", "conn"),
    )


def load_keymap(directory: Path) -> tuple[dict[str, str], list[str]]:
    """User key overrides by binding id (`"app.help" = "f1"`) from keymap.toml; problems listed."""
    from vconsole import _toml

    path = directory / KEYMAP_FILE
    if not path.exists():
        return {}, []
    try:
        data = _toml.loads(path.read_text(encoding="utf-8"))
    except Exception as exc:
        return {}, [f"{path}: not valid TOML ({exc}); the default keys are used"]
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in data.items():
        if isinstance(keys, str) and keys.strip():
            keymap[str(binding_id)] = keys.strip()
        else:
            problems.append(f'{path}: {binding_id}: expected a key string such as "f1" or "ctrl+g"')
    return keymap, problems


def resolve_profile(config: str | Path | None, profile: str | None) -> Any:
    """The profile to open; a fresh install gets an empty `default` profile saved to the config."""
    from vconsole import paths
    from vconsole.config import Profile, load_config

    loaded = load_config(config)
    if not loaded.profiles and profile is None:
        return Profile("default", (), source=loaded.path or paths.config_file())
    return loaded.profile(profile)


def run_console(
    config: str | Path | None = None,
    profile: str | None = None,
    readonly: bool = False,
    pane: str = "conn",
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

    # The command line's single entry into the UI, imported here so other commands never load it.
    from screens.launch import UnknownPane, build_console

    try:
        app = build_console(chosen, read_only=readonly, start_pane=pane, keymap=keymap)
    except UnknownPane as exc:
        print(f"vconsole: --pane: {exc}", file=sys.stderr)
        return 2
    app.run()
    return int(app.return_code or 0)
