"""Where vconsole keeps its files: platform directories, overridable by environment for tests.

`VCONSOLE_CONFIG_DIR` and `VCONSOLE_STATE_DIR` let tests and jump-host setups point the
console at a throwaway or shared location without touching the user's real profile.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "vconsole"
_DIRS = PlatformDirs(APP_NAME, appauthor=False)
_profile_state_dir: Path | None = None
_state_dir_chosen = False


def config_dir() -> Path:
    """Directory holding `config.toml` (profiles and targets, never passwords)."""
    override = os.environ.get("VCONSOLE_CONFIG_DIR")
    return Path(override) if override else Path(_DIRS.user_config_dir)


def state_dir() -> Path:
    """Directory for data the console writes itself: known_hosts, audit log, backups.

    A profile's own `state_dir` (the lab profile has one) wins, so lab runs never write into
    the admin's real state.
    """
    if _profile_state_dir is not None:
        return _profile_state_dir
    override = os.environ.get("VCONSOLE_STATE_DIR")
    return Path(override) if override else Path(_DIRS.user_state_dir)


def use_profile_state_dir(path: str | Path | None) -> None:
    """Keep this process's state under the opened profile's `state_dir` (None: the default)."""
    global _profile_state_dir, _state_dir_chosen
    _profile_state_dir = Path(path).expanduser() if path else None
    _state_dir_chosen = True


def state_dir_chosen() -> bool:
    """Whether a profile has decided this process's state dir yet (`use_profile_state_dir`)."""
    return _state_dir_chosen


def config_file() -> Path:
    """The default configuration file used when `--config` is not given."""
    return config_dir() / "config.toml"


def known_hosts_path() -> Path:
    """The console's own SSH known_hosts (never the user's ~/.ssh/known_hosts)."""
    return state_dir() / "known_hosts"


def audit_log_path() -> Path:
    """Append-only JSONL audit log of SSH command lines and mutating calls."""
    return state_dir() / "audit.jsonl"


def backup_dir() -> Path:
    """Where panes save the 'before' state of an object they are about to change."""
    return state_dir() / "backups"


def ensure_dir(path: Path) -> Path:
    """Create `path` (mode 0700) if missing; the state dir holds trust decisions."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
