"""Validation of a config file with line numbers, for `vconsole config check` and loading.

tomllib reports no positions, so `_LineIndex` scans the text for table headers and keys and
every problem points at the line an admin has to edit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

from vconsole import _toml
from vconsole.config_types import (
    AUTH_MODES,
    HOST_KEY_POLICIES,
    KINDS,
    PROTOCOLS,
    Config,
    ConfigProblem,
    Profile,
    TargetConfig,
    normalise_thumbprint,
)
from vconsole.hosts_config import check_hosts, check_target_via

_TARGET_FIELDS = {f.name for f in fields(TargetConfig)}
_PROFILE_KEYS = {"read_only", "state_dir", "targets", "hosts", "nlb_portgroups"}
_TOP_KEYS = {"default_profile", "profiles"}


class _LineIndex:
    """Line numbers of table headers and keys, found by scanning the TOML text."""

    def __init__(self, text: str) -> None:
        self.headers: dict[tuple[str, int], int] = {}
        self.keys: dict[tuple[str, int, str], int] = {}
        counts: dict[str, int] = {}
        current = ("", 0)
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
            if header:
                name = re.sub(r"\s*\.\s*", ".", header.group(1)).replace('"', "")
                index = counts.get(name, 0)
                counts[name] = index + 1
                current = (name, index)
                self.headers[current] = number
                continue
            key = re.match(r'^"?([A-Za-z0-9_\-]+)"?\s*=', line)
            if key:
                self.keys.setdefault((current[0], current[1], key.group(1)), number)

    def line(self, table: str, index: int = 0, key: str | None = None) -> int | None:
        if key is not None and (table, index, key) in self.keys:
            return self.keys[(table, index, key)]
        return self.headers.get((table, index))


def _type_ok(value: Any, kind: type | tuple[type, ...]) -> bool:
    return isinstance(value, kind) and not (
        isinstance(value, bool) and kind in (int, float, (int, float))
    )


def _check_target(
    raw: Any,
    where: str,
    lines: _LineIndex,
    table: str,
    index: int,
    path: Path | None,
    seen: set[str],
) -> tuple[list[ConfigProblem], TargetConfig | None]:
    from vconsole import tokens
    from vconsole.secrets import env_var_name, sharing_password_variable

    problems: list[ConfigProblem] = []

    def bad(key: str | None, message: str, accepted: str = "") -> None:
        problems.append(
            ConfigProblem(
                path,
                lines.line(table, index, key),
                f"{where}.{key or ''}".rstrip("."),
                message,
                accepted,
            )
        )

    if not isinstance(raw, dict):
        bad(None, "a target must be a table", "[[profiles.NAME.targets]] with name, kind, address")
        return problems, None
    for key in raw:
        if key not in _TARGET_FIELDS:
            bad(key, f"unknown key {key!r}", ", ".join(sorted(_TARGET_FIELDS)))
    name, kind = raw.get("name"), raw.get("kind")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}", name):
        bad("name", f"missing or invalid name {name!r}", "letters, digits, _ . - (max 63)")
    elif name in seen:
        bad("name", f"duplicate target name {name!r}", "a name used once per profile")
    elif other := sharing_password_variable(name, seen):
        bad(
            "name",
            f"{name!r} and {other!r} both read {env_var_name(name)}, so one host's password "
            "would be sent to the other",
            "names that differ by more than upper/lower case and - _ .",
        )
        seen.add(name)
    else:
        seen.add(name)
    if kind not in KINDS:
        bad("kind", f"unknown kind {kind!r}", ", ".join(KINDS))
    address = raw.get("address", "")
    if kind == "replay":
        if not isinstance(raw.get("file"), str) or not raw.get("file"):
            bad("file", "a replay target needs the capture file", "a path to a capture JSON file")
    else:
        try:
            tokens.target_address(address, "address")
        except Exception:
            bad("address", f"missing or invalid address {address!r}", "an IP address or host name")
    checks: list[tuple[str, type | tuple[type, ...], Any, str]] = [
        ("port", int, lambda v: 1 <= v <= 65535, "a port number 1-65535"),
        (
            "user",
            str,
            lambda v: bool(v) and "\n" not in v,
            "a user name such as root or administrator@vsphere.local",
        ),
        ("read_only", bool, lambda v: True, "true or false"),
        (
            "thumbprint",
            str,
            lambda v: normalise_thumbprint(v) is not None,
            "a SHA-256 thumbprint: 32 hex bytes, colon separated",
        ),
        ("host_key_policy", str, lambda v: v in HOST_KEY_POLICIES, " or ".join(HOST_KEY_POLICIES)),
        ("concurrency", int, lambda v: 1 <= v <= 256, "a whole number 1-256"),
        ("protocol", str, lambda v: v in PROTOCOLS, " or ".join(PROTOCOLS)),
        (
            "org",
            str,
            # "." and ".." would not stay one segment of /oauth/tenant/{org}/token
            lambda v: bool(re.fullmatch(r"[A-Za-z0-9_.\-]{1,128}", v)) and v not in (".", ".."),
            "an organization name (System for the provider)",
        ),
        ("file", str, lambda v: bool(v), "a path to a capture JSON file"),
        ("timeout", (int, float), lambda v: 0 < v <= 3600, "seconds, more than 0 and at most 3600"),
        ("key_file", str, lambda v: bool(v), "a path to an SSH private key"),
        ("lab_credentials", str, lambda v: bool(v), "the path of a running lab's lab.json"),
        (
            "host_key",
            str,
            lambda v: bool(re.fullmatch(r"SHA256:[A-Za-z0-9+/]{43}=?", v)),
            "a pinned SSH host key fingerprint such as SHA256:+f1x... (43 base64 characters)",
        ),
        ("auth", str, lambda v: v in AUTH_MODES, " or ".join(AUTH_MODES)),
    ]
    for key, typ, ok, accepted in checks:
        if key in raw and not (_type_ok(raw[key], typ) and ok(raw[key])):
            bad(key, f"invalid value {raw[key]!r}", accepted)
    if raw.get("auth") == "token" and kind in KINDS and kind != "vcd":
        bad("auth", f"a {kind} target cannot use an API token", "password (token is for vcd only)")
    check_target_via(raw, kind, bad)
    if problems:
        return problems, None
    values = {k: v for k, v in raw.items() if k in _TARGET_FIELDS}
    if "thumbprint" in values:
        values["thumbprint"] = normalise_thumbprint(values["thumbprint"])
    if "timeout" in values:
        values["timeout"] = float(values["timeout"])
    return problems, TargetConfig(**values)


def _table_problem(
    problems: list[ConfigProblem], path: Path | None, lines: _LineIndex, table: str
) -> Callable[[str | None, str, str], None]:
    """A `bad(key, message, accepted)` for the `[<table>.hosts]` table, with its lines."""

    def bad(key: str | None, message: str, accepted: str) -> None:
        line = lines.line(f"{table}.hosts", 0, key) or lines.line(table, 0, "hosts")
        field = f"{table}.hosts" + (f".{key}" if key else "")
        problems.append(ConfigProblem(path, line, field, message, accepted))

    return bad


def parse_config(path: Path) -> tuple[list[ConfigProblem], Config | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return [
            ConfigProblem(
                path, None, "file", f"cannot read: {exc.strerror}", "a readable TOML file"
            )
        ], None
    except UnicodeDecodeError as exc:
        return [
            ConfigProblem(
                path, None, "file", f"not UTF-8 text (byte {exc.start})", "a UTF-8 TOML file"
            )
        ], None
    try:
        data = _toml.loads(text)
    except _toml.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        return [
            ConfigProblem(
                path, int(found.group(1)) if found else None, "syntax", str(exc), "valid TOML"
            )
        ], None
    except RecursionError:
        return [ConfigProblem(path, None, "syntax", "nested too deeply", "valid TOML")], None
    lines = _LineIndex(text)
    problems: list[ConfigProblem] = []

    def bad(table: str, key: str, message: str, accepted: str) -> None:
        """A problem with `key` of `table` ("" for the top level), at the line that sets it."""
        field = f"{table}.{key}" if table else key
        problems.append(ConfigProblem(path, lines.line(table, 0, key), field, message, accepted))

    for key in data:
        if key not in _TOP_KEYS:
            bad("", key, f"unknown key {key!r}", ", ".join(sorted(_TOP_KEYS)))
    profiles: list[Profile] = []
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raw_profiles = {}
        bad("", "profiles", "must be a table", "[profiles.NAME]")
    for pname, praw in raw_profiles.items():
        table = f"profiles.{pname}"
        if not isinstance(praw, dict):
            bad("profiles", pname, "a profile must be a table", f"[{table}]")
            continue
        for key in praw:
            if key not in _PROFILE_KEYS:
                bad(
                    table,
                    key,
                    f"unknown key {key!r}",
                    "read_only, state_dir, targets, hosts, nlb_portgroups",
                )
        read_only = praw.get("read_only", False)
        if not isinstance(read_only, bool):
            bad(table, "read_only", f"invalid value {read_only!r}", "true or false")
            read_only = False
        state_dir = praw.get("state_dir")
        if state_dir is not None and not (isinstance(state_dir, str) and state_dir.strip()):
            bad(table, "state_dir", f"invalid value {state_dir!r}", "a directory path")
            state_dir = None
        nlb = praw.get("nlb_portgroups", [])
        if not isinstance(nlb, list) or not all(isinstance(p, str) and p for p in nlb):
            bad(
                table,
                "nlb_portgroups",
                f"invalid value {nlb!r}",
                'a list of port group name patterns, e.g. ["NLB-*", "*-nlb"]',
            )
            nlb = []
        raw_targets = praw.get("targets", [])
        if not isinstance(raw_targets, list):
            bad(table, "targets", "must be an array of tables", f"[[{table}.targets]]")
            raw_targets = []
        seen: set[str] = set()
        targets = []
        for index, traw in enumerate(raw_targets):
            where = f"{table}.targets[{index}]"
            issues, target = _check_target(
                traw, where, lines, f"{table}.targets", index, path, seen
            )
            problems.extend(issues)
            if target:
                targets.append(target)
        hosts = None
        if "hosts" in praw:
            bad_hosts = _table_problem(problems, path, lines, table)
            hosts = check_hosts(praw["hosts"], bad_hosts)
            if not any(t.kind == "vcenter" for t in targets) and not any(
                isinstance(t, dict) and t.get("kind") == "vcenter" for t in raw_targets
            ):
                bad_hosts(
                    None,
                    "hosts come from vCenter, but the profile has no vcenter target",
                    'a [[profiles.NAME.targets]] with kind = "vcenter"',
                )
        profiles.append(
            Profile(
                pname,
                tuple(targets),
                read_only,
                path,
                state_dir=state_dir,
                hosts=hosts,
                nlb_portgroups=tuple(nlb),
            )
        )
    default = data.get("default_profile")
    if default is not None and default not in raw_profiles:
        bad(
            "",
            "default_profile",
            f"no profile {default!r}",
            ", ".join(raw_profiles) or "a profile defined in this file",
        )
    return problems, Config(path, tuple(profiles), default if isinstance(default, str) else None)
