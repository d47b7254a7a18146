"""`vconsole config check|show|set-password|set-token`: inspect and fix connection profiles."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from typing import Any

from vconsole.commands.common import add_action


def register(subparsers: Any) -> None:
    config = subparsers.add_parser("config", help="check and show connection profiles")
    sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    problems = "list every problem in the config file (exit 1 if any)"
    add_action(sub, "check", problems, cmd_check, _config_option)
    show = add_action(
        sub, "show", "show profiles and targets (never passwords)", cmd_show, _config_option
    )
    show.add_argument("--json", action="store_true", help="machine-readable output")
    keyring = "store a target's password in the system keyring"
    setpw = add_action(sub, "set-password", keyring, cmd_set_password, _config_option)
    setpw.add_argument("target", help="target name in the profile")
    keyring = (
        "store a Cloud Director API token in the system keyring (read from the terminal, "
        "or one line on stdin)"
    )
    settok = add_action(sub, "set-token", keyring, cmd_set_token, _config_option)
    settok.add_argument("target", help="vcd target name in the profile")


def _config_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS keeps a `--config` given before the sub-command from being overwritten.
    parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="config file")


def _path(args: argparse.Namespace) -> Any:
    from vconsole import paths

    return getattr(args, "config", None) or paths.config_file()


def cmd_check(args: argparse.Namespace) -> int:
    from vconsole.config import check_config

    path = _path(args)
    problems = check_config(path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {path}", file=sys.stderr)
        return 1
    if _unknown_profile(args) is not None:
        return 2
    print(f"{path}: OK")
    return 0


def _unknown_profile(args: argparse.Namespace) -> str | None:
    """`--profile NAME` that the file does not define: said on stderr, like every command."""
    from vconsole.config import load_config
    from vconsole.errors import ConfigError

    wanted = getattr(args, "profile", None)
    if wanted is None:
        return None
    try:
        load_config(getattr(args, "config", None)).profile(wanted)
    except ConfigError as exc:
        print(f"vconsole config: --profile: {exc}", file=sys.stderr)
        return str(wanted)
    return None


def cmd_show(args: argparse.Namespace) -> int:
    from vconsole.config import load_config
    from vconsole.errors import ConfigError

    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    if _unknown_profile(args) is not None:
        return 2
    wanted = getattr(args, "profile", None)
    if wanted is not None:
        config = replace(config, profiles=tuple(p for p in config.profiles if p.name == wanted))
    if args.json:
        data = {
            "path": str(config.path) if config.path else None,
            "default_profile": config.default_profile,
            "profiles": [
                {
                    "name": p.name,
                    "read_only": p.read_only,
                    "targets": [
                        {k: v for k, v in asdict(t).items() if v is not None} for t in p.targets
                    ],
                }
                for p in config.profiles
            ],
        }
        print(json.dumps(data, indent=2))
        return 0
    print(f"config: {config.path}")
    if not config.profiles:
        print("(no profiles)")
    for profile in config.profiles:
        marks = [
            m
            for m, on in (
                ("default", profile.name == config.default_profile),
                ("read-only", profile.read_only),
            )
            if on
        ]
        print(f"profile {profile.name}" + (f" ({', '.join(marks)})" if marks else ""))
        for t in profile.targets:
            where = t.file if t.kind == "replay" else f"{t.address}:{t.effective_port}"
            extra = []
            if t.user:
                extra.append(f"user={t.user}")
            if t.read_only:
                extra.append("read-only")
            if t.thumbprint:
                extra.append("pinned")
            if t.auth == "token":
                extra.append("api-token")
            print(f"  {t.name:<16} {t.kind:<9} {where}  {' '.join(extra)}".rstrip())
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    import getpass

    from vconsole.errors import VconsoleError
    from vconsole.secrets import SecretStore
    from vconsole.sessions.clisupport import load_profile

    try:
        profile = load_profile(args)
        target = profile.target(args.target)
    except VconsoleError as exc:
        print(exc, file=sys.stderr)
        return 1
    store = SecretStore(profile.name)
    try:
        password = getpass.getpass(f"Password for {target.user or ''}@{target.name}: ")
    except EOFError:
        password = ""
    if not password:
        print("no password entered; nothing stored", file=sys.stderr)
        return 1
    if not store.store(target.name, password):
        print(store.keyring_note, file=sys.stderr)
        return 1
    print(f"stored in the keyring as vconsole / {profile.name}/{target.name}")
    return 0


def cmd_set_token(args: argparse.Namespace) -> int:
    """Store a vcd target's API token; it is never echoed, written to the config or logged."""
    import getpass

    from vconsole.errors import VconsoleError, WrongTargetKind
    from vconsole.secrets import SecretStore
    from vconsole.sessions.clisupport import load_profile

    try:
        profile = load_profile(args)
        target = profile.target(args.target)
        if target.kind != "vcd":
            raise WrongTargetKind(target.name, target.kind, "a vcd target")
    except VconsoleError as exc:
        print(exc, file=sys.stderr)
        return 1
    if sys.stdin.isatty():
        token = getpass.getpass(f"API token for {target.name} (input hidden): ")
    else:
        token = sys.stdin.readline()
    token = token.strip()
    if not token:
        print("no API token given; nothing stored", file=sys.stderr)
        return 1
    if any(ch.isspace() or not ch.isprintable() for ch in token):
        print("an API token is one word of printable characters; nothing stored", file=sys.stderr)
        return 1
    store = SecretStore(profile.name)
    if not store.store(target.name, token, token=True):
        print(store.keyring_note, file=sys.stderr)
        return 1
    print(f"stored in the keyring as vconsole / {profile.name}/{target.name}/api-token")
    if target.auth != "token":
        print(
            f'note: target {target.name!r} still logs in with a password; set auth = "token" on '
            "it in the config to use the token",
            file=sys.stderr,
        )
    return 0
