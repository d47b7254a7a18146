"""What the console's commands share: choosing the profile, console arguments, user keymaps."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

KEYMAP_FILE = "keymap.toml"


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
