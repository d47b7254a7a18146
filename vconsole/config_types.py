"""Connection profiles as typed values: targets, profiles, the file's problems.

Loading, checking and saving the TOML file live in `config` and `config_check`; these types
import neither, so every layer can name a profile without pulling in file handling.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from vconsole.errors import ConfigError, ConfigProblem, UnknownTarget
from vconsole.hosts_config import DiscoveredHost, HostsPolicy

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
        return self._discovered_by_name.get(name)

    @functools.cached_property
    def _discovered_by_name(self) -> dict[str, DiscoveredHost]:
        """Every call to a host through vCenter looks its host up: a map, not a scan of 1,000
        (the first of a repeated name, as the scan found)."""
        by_name: dict[str, DiscoveredHost] = {}
        for h in self.discovered:
            by_name.setdefault(h.name, h)
        return by_name

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


def normalise_thumbprint(value: str) -> str | None:
    """Accept `AA:BB:..`, `aabb..` or `sha256:..`; return upper-case colon form or None."""
    text = value.strip().lower().removeprefix("sha256:").replace(":", "").replace(" ", "")
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        return None
    return ":".join(text[i : i + 2] for i in range(0, 64, 2)).upper()
