"""What the console's commands share: profile and vCenter choice, console arguments, user
keymaps, the confirmation before a change, and plain-text tables and findings."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from vconsole.textsafe import visible

KEYMAP_FILE = "keymap.toml"


def add_action(
    actions: Any, name: str, text: str, handler: Any, common: Any
) -> argparse.ArgumentParser:
    """One `vconsole COMMAND ACTION` with the options (`common`) every action of it takes."""
    parser: argparse.ArgumentParser = actions.add_parser(name, help=text)
    common(parser)
    parser.set_defaults(handler=handler)
    return parser


def add_console_arguments(parser: argparse.ArgumentParser) -> None:
    """--config/--profile/--readonly/--debug after the subcommand too, without overriding the
    global ones."""
    parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="config file")
    parser.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS, help="profile")
    parser.add_argument(
        "--readonly", action="store_true", default=argparse.SUPPRESS, help="refuse every write"
    )
    parser.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="DEBUG records in the log"
    )
    parser.add_argument(
        "--pane",
        metavar="ALIAS",
        default="triage",
        help="pane to open first: triage, vm, lag, mtu, path, gpu, brand, conn (default triage)",
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
    chosen = loaded.profile(profile)
    paths.use_profile_state_dir(chosen.state_dir)
    return chosen


def pick_vcenter(args: argparse.Namespace, profile: Any) -> str | None:
    """`--vcenter NAME`, else the profile's first vcenter target; None with `--no-vcenter`.

    Raises ValueError naming the known vcenter targets when NAME is not one of them.
    """
    vcenters = profile.names("vcenter")
    vcenter = None if args.no_vcenter else (args.vcenter or (vcenters[0] if vcenters else None))
    if vcenter is not None and vcenter not in vcenters:
        raise ValueError(f"--vcenter: no vcenter target {vcenter!r}; known: {', '.join(vcenters)}")
    return vcenter


def not_known(option: str, what: str, asked: Iterable[str], known: Sequence[str]) -> str | None:
    """`--host: no esxi target a, b; known: x, y` when some asked names are not known, else None."""
    unknown = [name for name in asked if name not in known]
    if not unknown:
        return None
    return f"{option}: no {what} {', '.join(unknown)}; known: {', '.join(known) or '(none)'}"


def esxi_hosts(args: argparse.Namespace, profile: Any) -> tuple[list[str], str | None]:
    """The `--host` names (default: every esxi and replay target of the profile), and the
    message naming any that is not such a target."""
    esxi = profile.names("esxi", "replay")
    hosts = list(args.host or esxi)
    return hosts, not_known("--host", "esxi target", hosts, esxi)


def fail(command: str, message: str, code: int = 2) -> int:
    """Say on stderr why `vconsole COMMAND` stops, and give back its exit code."""
    print(f"vconsole {command}: {message}", file=sys.stderr)
    return code


def confirm_change(command: str, flag: str, host: str, line: str) -> int | None:
    """Ask on the terminal before `line` runs on `host`: None to go on, else the exit code
    (2: no terminal to ask on, so `flag` needs --yes; 1: the admin said no)."""
    if not sys.stdin.isatty():
        return fail(command, f"{flag}: confirm on a terminal or pass --yes")
    try:
        answer = input(f"Run on {host}:\n  {line}\nProceed? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        print("Nothing changed.")
        return 1
    return None


def text_table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows (the header first) as left-aligned columns two spaces apart, trailing blanks cut.

    Cells may hold server text: control characters are shown, never sent to the terminal.
    """
    rows = [[visible(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


def finding_lines(severity: str, where: str, text: str, evidence: str = "") -> list[str]:
    """One finding for a terminal: `CRITICAL host lag: text`, then its evidence indented."""
    lines = [f"{severity.upper():8} {visible(where)}: {visible(text)}"]
    if evidence:
        lines.append(f"         evidence: {visible(evidence)}")
    return lines
