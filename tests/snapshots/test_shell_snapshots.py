"""Snapshots of the console frame at 80x24 (fixed size, no user config, no connections made).

Regenerate after an intended visual change with `pytest tests/snapshots --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from vconsole.config import Profile, TargetConfig

SIZE = (80, 24)
TARGETS = (
    TargetConfig("vc01", "vcenter", "vc01.lab.test", user="administrator@vsphere.local"),
    TargetConfig("esx01", "esxi", "192.0.2.11", user="root"),
    TargetConfig("esx01-capture", "replay", file="captures/esx01.json"),
)


@pytest.fixture
def make_app(monkeypatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VCONSOLE_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))

    def make(read_only: bool = False):  # type: ignore[no-untyped-def]
        from screens.launch import build_console

        profile = Profile("prod-eu", TARGETS, source=tmp_path / "config.toml")
        return build_console(
            profile,
            read_only=read_only,
            start_pane="conn",
            known_hosts_path=tmp_path / "known_hosts",
            use_keyring=False,
        )

    return make


async def no_blink(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


def test_connections_read_only(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(read_only=True), terminal_size=SIZE, run_before=no_blink)


def test_command_line_unknown_alias(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    async def type_bad_alias(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("colon")
        await no_blink(pilot)
        await pilot.press(*"nope", "enter")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=type_bad_alias)


def test_help_screen(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE, press=["question_mark"])


def test_add_target_form_errors(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    async def submit_empty(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("a")
        await no_blink(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=submit_empty)
