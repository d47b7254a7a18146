"""`vconsole ui` / `serve` entry points: config errors, keymap file, pane choice, console command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.style import Style

from screens.entry import run_console
from screens.serve_cmd import console_command
from vconsole.commands.common import load_keymap, resolve_profile
from widgets.console_header import ConsoleHeader, HeaderInfo, TargetHealth


def test_bad_config_exits_2_naming_the_field(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text('[profiles.lab]\n[[profiles.lab.targets]]\nname = "esx01"\nkind = "esxy"\n')
    assert run_console(config=config) == 2
    err = capsys.readouterr().err
    assert "kind" in err and "esxy" in err and "vcenter" in err


def test_unknown_profile_exits_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text("[profiles.lab]\nread_only = true\n")
    assert run_console(config=config, profile="prod") == 2
    assert "prod" in capsys.readouterr().err


def test_unknown_pane_exits_2(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    config = tmp_path / "config.toml"
    config.write_text("[profiles.lab]\nread_only = true\n")
    assert run_console(config=config, pane="nope") == 2
    assert "--pane: no pane 'nope'" in capsys.readouterr().err


def test_fresh_install_gets_an_empty_default_profile(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VCONSOLE_CONFIG_DIR", str(tmp_path))
    profile = resolve_profile(None, None)
    assert profile.name == "default" and profile.targets == ()
    assert profile.source == tmp_path / "config.toml"


def test_keymap_file_overrides_and_reports_bad_entries(tmp_path: Path) -> None:
    (tmp_path / "keymap.toml").write_text('"app.help" = "f1"\n"app.back" = 3\n')
    keymap, problems = load_keymap(tmp_path)
    assert keymap == {"app.help": "f1"}
    assert len(problems) == 1 and "app.back" in problems[0] and "key string" in problems[0]
    assert load_keymap(tmp_path / "missing") == ({}, [])


def test_served_command_keeps_profile_and_readonly() -> None:
    args = argparse.Namespace(config="/etc/v.toml", profile="prod", readonly=True, pane="lag")
    command = console_command(args)
    assert command.startswith(sys.executable)
    assert "--config /etc/v.toml --profile prod --readonly ui --pane lag" in command


def test_served_command_keeps_debug() -> None:
    args = argparse.Namespace(config=None, profile=None, readonly=False, debug=True, pane="vm")
    assert console_command(args).endswith("-m screens --debug ui --pane vm")


def test_header_cuts_the_strip_with_a_count_and_paints_production() -> None:
    targets = tuple(TargetHealth(f"esx{n:02d}", "ok") for n in range(1, 30))
    info = HeaderInfo(profile="prod", read_only=True, colour="red", targets=targets)
    line = ConsoleHeader._render_line(info, 80)
    assert line.cell_len <= 80
    assert " RO " in line.plain and "esx01 ok" in line.plain
    assert line.plain.rstrip().split()[-1].startswith("+")
    shown = sum(1 for t in targets if t.name in line.plain)
    assert line.plain.rstrip().endswith(f"+{len(targets) - shown}")
    profile_span = next(s for s in line.spans if line.plain[s.start : s.end] == " prod ")
    style = (
        profile_span.style
        if isinstance(profile_span.style, Style)
        else Style.parse(profile_span.style)
    )
    assert style.bgcolor is not None and style.bgcolor.name == "red"
