"""Connection profiles: TOML under the platform config dir, loaded into frozen dataclasses.

A file holds named profiles; each profile lists targets (vCenters, Cloud Director sites, ESXi
hosts, Bitfusion clients, replayed captures). Passwords never live here (see `secrets`).
`check_config` reports every problem with its line; tomllib gives no positions, so lines are
found by scanning the text for table headers and keys.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from vconsole import paths
from vconsole.hosts_config import DiscoveredHost, HostsPolicy
from vconsole.sessions.errors import ConfigError, UnknownTarget

KINDS = ("vcenter", "vcd", "esxi", "bitfusion", "replay")
SSH_KINDS = ("esxi", "bitfusion")
DEFAULT_PORTS = {"vcenter": 443, "vcd": 443, "esxi": 22, "bitfusion": 22}
HOST_KEY_POLICIES = ("tofu", "strict")
PROTOCOLS = ("https", "http")
AUTH_MODES = ("password", "token")  # "token": a Cloud Director API token (vcd targets only)


@dataclass(frozen=True)
class TargetConfig:
    """One thing the console connects to. `thumbprint` is a pinned SHA-256 (colon hex)."""

    name: str
    kind: str
    address: str = ""
    port: int | None = None
    user: str | None = None
    read_only: bool = False
    thumbprint: str | None = None
    host_key_policy: str = "tofu"
    concurrency: int | None = None
    protocol: str = "https"
    org: str | None = None
    file: str | None = None
    timeout: float = 30.0
    key_file: str | None = None
    lab_credentials: str | None = None  # the embedded lab's status file (throwaway passwords)
    host_key: str | None = None  # a pinned SSH host key fingerprint (SHA256:...), like `thumbprint`
    auth: str = "password"  # or "token": the API token lives in the keyring, never here
    via: str = "ssh"  # esxi only: "api" reaches the host through `vcenter`'s esxcli executer
    vcenter: str | None = None  # the vcenter target a host is reached through (via = "api")

    @property
    def effective_port(self) -> int:
        if self.port:
            return self.port
        if self.kind in ("vcenter", "vcd") and self.protocol == "http":
            return 80
        return DEFAULT_PORTS.get(self.kind, 0)

    @property
    def is_ssh(self) -> bool:
        return self.kind in SSH_KINDS


@dataclass(frozen=True)
class Profile:
    name: str
    targets: tuple[TargetConfig, ...] = ()
    read_only: bool = False
    source: Path | None = None  # the file it came from, so trust decisions can be saved back
    state_dir: str | None = None  # where this profile's known_hosts, audit log, backups live
    hosts: HostsPolicy | None = None  # [profiles.X.hosts]: hosts come from the vCenters
    discovered: tuple[DiscoveredHost, ...] = ()  # filled at run time by sessions.discovery

    def discovered_host(self, name: str) -> DiscoveredHost | None:
        return next((h for h in self.discovered if h.name == name), None)

    nlb_portgroups: tuple[str, ...] = ()  # port group name patterns (fnmatch) that carry NLB

    def target(self, name: str) -> TargetConfig:
        for t in self.targets:
            if t.name == name:
                return t
        raise UnknownTarget(name, [t.name for t in self.targets])

    def names(self, *kinds: str) -> list[str]:
        return [t.name for t in self.targets if not kinds or t.kind in kinds]


@dataclass(frozen=True)
class Config:
    path: Path | None
    profiles: tuple[Profile, ...] = ()
    default_profile: str | None = None

    def profile(self, name: str | None = None) -> Profile:
        wanted = name or self.default_profile or (self.profiles[0].name if self.profiles else None)
        for p in self.profiles:
            if p.name == wanted:
                return p
        known = ", ".join(p.name for p in self.profiles) or "(none)"
        raise ConfigError(
            [ConfigProblem(self.path, None, "profile", f"no profile {wanted!r}", known)]
        )


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a config file, with where it is and what would be accepted."""

    path: Path | None
    line: int | None
    field: str
    message: str
    accepted: str = ""

    def __str__(self) -> str:
        where = f"{self.path or '<config>'}:{self.line or '?'}"
        tail = f" (accepted: {self.accepted})" if self.accepted else ""
        return f"{where}: {self.field}: {self.message}{tail}"


def normalise_thumbprint(value: str) -> str | None:
    """Accept `AA:BB:..`, `aabb..` or `sha256:..`; return upper-case colon form or None."""
    text = value.strip().lower().removeprefix("sha256:").replace(":", "").replace(" ", "")
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        return None
    return ":".join(text[i : i + 2] for i in range(0, 64, 2)).upper()


def check_config(path: Path | str | None = None) -> list[ConfigProblem]:
    """Every problem in the file (empty list when it is usable)."""
    from vconsole.config_check import parse_config

    problems, _ = parse_config(Path(path) if path else paths.config_file())
    return problems


def load_config(path: Path | str | None = None) -> Config:
    """Load the file (default: the platform config file); a missing default file is empty."""
    target = Path(path) if path else paths.config_file()
    if path is None and not target.exists():
        return Config(target)
    from vconsole.config_check import parse_config

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
