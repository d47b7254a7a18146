"""Connection profiles: TOML under the platform config dir, loaded into frozen dataclasses.

A file holds named profiles; each profile lists targets (vCenters, Cloud Director sites, ESXi
hosts, Bitfusion clients, replayed captures). Passwords never live here (see `secrets`).
`check_config` reports every problem with its line (`config_check`); the types themselves are
in `config_types` and are offered here too, so callers keep one import.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from vconsole import paths
from vconsole.config_check import parse_config
from vconsole.config_types import (
    AUTH_MODES,
    DEFAULT_PORTS,
    HOST_KEY_POLICIES,
    KINDS,
    PROTOCOLS,
    SSH_KINDS,
    Config,
    ConfigProblem,
    Profile,
    TargetConfig,
    normalise_thumbprint,
)
from vconsole.errors import ConfigError

__all__ = [
    "AUTH_MODES",
    "DEFAULT_PORTS",
    "HOST_KEY_POLICIES",
    "KINDS",
    "PROTOCOLS",
    "SSH_KINDS",
    "Config",
    "ConfigProblem",
    "Profile",
    "TargetConfig",
    "check_config",
    "load_config",
    "normalise_thumbprint",
    "pin_thumbprint",
    "save_target",
]


def check_config(path: Path | str | None = None) -> list[ConfigProblem]:
    """Every problem in the file (empty list when it is usable)."""
    problems, _ = parse_config(Path(path) if path else paths.config_file())
    return problems


def load_config(path: Path | str | None = None) -> Config:
    """Load the file (default: the platform config file); a missing default file is empty."""
    target = Path(path) if path else paths.config_file()
    if path is None and not target.exists():
        return Config(target)
    problems, config = parse_config(target)
    if problems or config is None:
        raise ConfigError(problems)
    return config


def _target_to_toml(target: TargetConfig) -> dict[str, Any]:
    defaults = TargetConfig(name=target.name, kind=target.kind)
    out: dict[str, Any] = {"name": target.name, "kind": target.kind}
    for f in fields(TargetConfig):
        value = getattr(target, f.name)
        if f.name not in out and value is not None and value != getattr(defaults, f.name):
            out[f.name] = value
    return out


def save_target(
    path: Path | str, profile: str, target: TargetConfig, *, replaces: str | None = None
) -> None:
    """Add or replace one target in the file and write it back atomically.

    The file is edited in place, so the admin's comments, order and layout stay; only the
    target's own table changes. Only `TargetConfig` fields are written, so a password can never
    reach the file.
    """
    import tomlkit

    file = Path(path)
    doc = tomlkit.parse(file.read_text(encoding="utf-8")) if file.exists() else tomlkit.document()
    profiles = doc.setdefault("profiles", tomlkit.table(is_super_table=True))
    prof = profiles.setdefault(profile, tomlkit.table())
    targets = prof.setdefault("targets", tomlkit.aot())
    key = replaces or target.name
    from vconsole.secrets import env_var_name, sharing_password_variable

    others = [t.get("name") for t in targets if isinstance(t, dict) and t.get("name") != key]
    if other := sharing_password_variable(target.name, [o for o in others if isinstance(o, str)]):
        raise ConfigError(
            [
                ConfigProblem(
                    file,
                    None,
                    "name",
                    f"{target.name!r} and {other!r} both read {env_var_name(target.name)}",
                    "a name that differs from the others by more than case and - _ .",
                )
            ]
        )
    entry = _target_to_toml(target)
    known = {f.name for f in fields(TargetConfig)}
    for existing in targets:
        if isinstance(existing, dict) and existing.get("name") == key:
            for gone in [k for k in existing if k in known and k not in entry]:
                del existing[gone]
            for name, value in entry.items():
                if existing.get(name) != value:
                    existing[name] = value
            break
    else:
        table = tomlkit.table()
        table.update(entry)
        if len(targets):
            targets[-1].add(tomlkit.nl())  # a blank line between tables, as a person writes
        targets.append(table)
    if "default_profile" not in doc:
        doc["default_profile"] = profile
    paths.ensure_dir(file.parent)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".config-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(tomlkit.dumps(doc))
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pin_thumbprint(profile: Profile, target: str, thumbprint: str) -> TargetConfig:
    """Store an admin-confirmed certificate thumbprint for `target` in the profile's file."""
    pinned = replace(profile.target(target), thumbprint=normalise_thumbprint(thumbprint))
    if profile.source is not None:
        save_target(profile.source, profile.name, pinned)
    return pinned
