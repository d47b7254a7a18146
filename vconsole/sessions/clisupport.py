"""What every CLI command needs to talk to targets: the profile from `--config/--profile`, a
password prompt (getpass) and a trust prompt on the terminal.

Command modules call `cli_manager(args)`; screens build their own manager with modal prompts.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from vconsole import paths
from vconsole.config import Profile, load_config
from vconsole.secrets import SecretStore
from vconsole.sessions.results import TrustPrompt

if TYPE_CHECKING:
    from vconsole.sessions.manager import SessionManager


def load_profile(args: argparse.Namespace) -> Profile:
    config = load_config(getattr(args, "config", None))
    chosen = config.profile(getattr(args, "profile", None))
    paths.use_profile_state_dir(chosen.state_dir)
    return chosen


def terminal_password(prompt: str) -> str:
    import getpass

    if not sys.stdin.isatty():
        return ""
    try:
        return getpass.getpass(prompt)
    except EOFError:
        return ""


def terminal_confirm(prompt: TrustPrompt) -> bool:
    """Ask on the terminal; without one, refuse (an unattended run never trusts a new key)."""
    if not sys.stdin.isatty():
        return False
    what = "SSH host key" if prompt.kind == "ssh-host-key" else "TLS certificate (SHA-256)"
    print(f"{prompt.target}: unknown {what} of {prompt.address}", file=sys.stderr)
    print(f"  {prompt.key_type} {prompt.fingerprint}".rstrip(), file=sys.stderr)
    try:
        answer = input("Trust it and remember it? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def cli_manager(args: argparse.Namespace, profile: Profile | None = None) -> SessionManager:
    """A `SessionManager` for a CLI run: terminal prompts, `--readonly` honoured."""
    from vconsole.sessions.manager import SessionManager

    chosen = profile or load_profile(args)
    secrets = SecretStore(
        chosen.name, prompt=terminal_password, notify=lambda note: print(note, file=sys.stderr)
    )
    return SessionManager(
        chosen,
        bool(getattr(args, "readonly", False)),
        secrets=secrets,
        confirm=terminal_confirm,
    )


def with_hosts(profile: Profile, args: argparse.Namespace | None = None) -> Profile:
    """The profile with the hosts its vCenters know (`[hosts]`), asked once before the command
    runs; what could not be read is said on stderr and the other hosts go on."""
    from vconsole.sessions.discovery import needs_discovery, with_discovered_hosts

    if not needs_discovery(profile):
        return profile

    def make(chosen: Profile) -> SessionManager:
        return cli_manager(args or argparse.Namespace(), chosen)

    def report(problem: str) -> None:
        print(f"vconsole: {problem}", file=sys.stderr)

    return with_discovered_hosts(profile, make, report)
