"""`[profiles.X.hosts]`: reach the hosts vCenter knows instead of listing each one.

A profile names its vCenters and one host-access policy; the host list comes from vCenter at run
time (see `vconsole.sessions.discovery`). `via` says how a discovered host is reached: "api"
(esxcli through vCenter's managed method executer: no SSH, works in lockdown), "ssh" (direct,
with `user` and the usual secret path), or "auto" (the API for every discovered host; a
hand-listed `esxi` target of the same name, the admin's explicit ask, is reached over SSH).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

VIAS = ("api", "ssh", "auto")
TARGET_VIAS = ("ssh", "api")
HOSTS_KEYS = ("via", "user", "include", "exclude", "key_file", "concurrency")
_PATTERN = re.compile(r"[A-Za-z0-9_.\-*?\[\]!]{1,253}")


@dataclass(frozen=True)
class HostsPolicy:
    """How the hosts discovered from the profile's vCenters are reached."""

    via: str = "api"
    user: str = "root"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    key_file: str | None = None
    concurrency: int | None = None

    def wanted(self, name: str) -> bool:
        """Include patterns (all hosts when none), then exclude patterns; case-insensitive."""
        low = name.lower()
        if self.include and not any(fnmatch.fnmatchcase(low, p.lower()) for p in self.include):
            return False
        return not any(fnmatch.fnmatchcase(low, p.lower()) for p in self.exclude)


@dataclass(frozen=True)
class DiscoveredHost:
    """A host as vCenter shows it: where it lives, how to reach it, whether to try at all."""

    name: str
    vcenter: str
    moid: str
    address: str = ""
    cluster: str = ""
    connection_state: str = "connected"  # connected | disconnected | notResponding
    lockdown: str = ""  # lockdownDisabled | lockdownNormal | lockdownStrict ("" unknown)
    power_state: str = ""

    @property
    def reachable(self) -> bool:
        return self.connection_state in ("", "connected")

    @property
    def in_lockdown(self) -> bool:
        return self.lockdown in ("lockdownNormal", "lockdownStrict")


Problem = Callable[[str | None, str, str], None]


def check_hosts(raw: Any, bad: Problem) -> HostsPolicy | None:
    """Validate the `[profiles.X.hosts]` table; `bad(key, message, accepted)` records a problem."""
    if not isinstance(raw, dict):
        bad(None, "must be a table", "[profiles.NAME.hosts] with via, user, include, exclude")
        return None
    ok = True
    for key in raw:
        if key not in HOSTS_KEYS:
            bad(key, f"unknown key {key!r}", ", ".join(HOSTS_KEYS))
            ok = False
    via = raw.get("via", "api")
    if via not in VIAS:
        bad("via", f"invalid value {via!r}", " or ".join(f'"{v}"' for v in VIAS))
        ok = False
    user = raw.get("user", "root")
    if not isinstance(user, str) or not user or not user.isprintable() or len(user) > 128:
        bad("user", f"invalid value {user!r}", "a user name such as root (for SSH only)")
        ok = False
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("include", "exclude"):
        value = raw.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value and key in raw and key == "include":
            bad(key, f"invalid value {value!r}", 'a list of host name patterns such as ["esx-*"]')
            ok = False
            continue
        for item in value:
            if not isinstance(item, str) or not _PATTERN.fullmatch(item):
                bad(
                    key,
                    f"invalid pattern {item!r}",
                    "host name patterns of letters, digits, . _ - and the wildcards * ? [ ]",
                )
                ok = False
        lists[key] = tuple(v for v in value if isinstance(v, str))
    key_file = raw.get("key_file")
    if key_file is not None and (not isinstance(key_file, str) or not key_file):
        bad("key_file", f"invalid value {key_file!r}", "a path to an SSH private key")
        ok = False
    concurrency = raw.get("concurrency")
    if concurrency is not None and (
        isinstance(concurrency, bool)
        or not isinstance(concurrency, int)
        or not 1 <= concurrency <= 256
    ):
        bad("concurrency", f"invalid value {concurrency!r}", "a whole number 1-256")
        ok = False
    if not ok:
        return None
    return HostsPolicy(
        via=via,
        user=user,
        include=lists.get("include", ()),
        exclude=lists.get("exclude", ()),
        key_file=key_file,
        concurrency=concurrency,
    )


def check_target_via(raw: dict[str, Any], kind: Any, bad: Callable[[str, str, str], None]) -> None:
    """`via` and `vcenter` on a hand-listed target: only esxi hosts, only known values."""
    via = raw.get("via")
    if via is not None and (via not in TARGET_VIAS or kind not in ("esxi", None)):
        accepted = " or ".join(f'"{v}"' for v in TARGET_VIAS) + " (esxi targets only)"
        bad("via", f"invalid value {via!r}", accepted)
    vcenter = raw.get("vcenter")
    if vcenter is not None and (not isinstance(vcenter, str) or kind != "esxi"):
        bad("vcenter", f"invalid value {vcenter!r}", "the name of a vcenter target (esxi only)")
