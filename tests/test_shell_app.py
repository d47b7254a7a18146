"""The console frame at 80x24: `:` jumps, unknown aliases, `?`, esc, read-only badge, palette."""

from __future__ import annotations

import pytest
from shell_helpers import console, isolate_dirs, replay_profile, screen_after
from textual.widgets import Label

from screens.command_line import CommandLine
from screens.connections import ConnectionsScreen
from screens.help import HelpScreen
from screens.panes import find_pane
from widgets.console_header import ConsoleHeader

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _dirs(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    isolate_dirs(monkeypatch, tmp_path)


def header_text(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(ConsoleHeader).render())


async def test_starts_on_connections_with_profile_and_target_states(tmp_path) -> None:
    app = console(tmp_path, replay_profile(tmp_path, with_missing=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConnectionsScreen)
        text = header_text(app)
        assert "lab" in text and "esx01 idle" in text and "ghost idle" in text
        assert " RO " not in text


@pytest.mark.parametrize(
    ("typed", "alias", "title"),
    [
        ("lag", "lag", "LACP"),
        ("vm", "vm", "Inventory"),
        ("mtu", "mtu", "MTU"),
        ("gp", "gpu", "Bitfusion"),
    ],
)
async def test_colon_alias_jumps_to_the_pane(tmp_path, typed: str, alias: str, title: str) -> None:
    app = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        assert isinstance(app.screen, CommandLine)
        await pilot.press(*typed, "enter")
        await pilot.pause()
        spec = find_pane(alias)
        assert spec is not None
        assert app.screen.pane_alias == spec.alias  # type: ignore[attr-defined]
        assert spec.title == title


async def test_unknown_alias_shows_inline_message_and_stays_open(tmp_path) -> None:
    app = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"bogus", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CommandLine)
        hint = str(app.screen.query_one("#command-hint", Label).render())
        assert hint.startswith("unknown alias :bogus")
        assert ":lag" in hint
        await screen_after(pilot, "escape", ConnectionsScreen)


async def test_tab_completes_alias(tmp_path) -> None:
    app = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"bra", "tab")
        assert app.screen.query_one("#command-input").value == "brand"  # type: ignore[attr-defined]


async def test_escape_goes_back_to_the_previous_pane(tmp_path) -> None:
    app = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"lag", "enter")
        await pilot.pause()
        await pilot.press("colon", *"mtu", "enter")
        await pilot.pause()
        assert app.screen.pane_alias == "mtu"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.pane_alias == "lag"  # type: ignore[attr-defined]
        await screen_after(pilot, "escape", ConnectionsScreen)
        await pilot.press("escape")  # nothing under the first pane: stays
        await pilot.pause()
        assert isinstance(app.screen, ConnectionsScreen)


async def test_question_mark_lists_keys_of_screen_and_app(tmp_path) -> None:
    app = console(tmp_path, replay_profile(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await screen_after(pilot, "question_mark", HelpScreen)
        rows = {
            r[0]: tuple(r) for r in (app.screen.table.get_row(k) for k in app.screen.table.all_keys)
        }
        assert rows["t"][1:3] == ("screen", "Test")  # from the connections screen
        assert rows[":"][1:3] == ("app", "Jump")
        assert rows["?"][1] == "app"
        assert rows["esc"][2] == "Back"
        assert rows["s"][1] == "ResourceTable"
        assert rows[":vm"][1:3] == ("pane", "Go to Inventory (key 1)")
        assert rows[":vm"][3].startswith("also :host :ds :net :cluster")
        await screen_after(pilot, "escape", ConnectionsScreen)


async def test_user_keymap_overrides_binding_by_id(tmp_path) -> None:
    app = console(tmp_path, keymap={"app.help": "f1"})
    async with app.run_test(size=SIZE) as pilot:
        await screen_after(pilot, "question_mark", ConnectionsScreen)
        await screen_after(pilot, "f1", HelpScreen)


async def test_readonly_badge(tmp_path) -> None:
    app = console(tmp_path, replay_profile(tmp_path), read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert " RO " in header_text(app)
        await pilot.press("colon", *"lag", "enter")
        await pilot.pause()
        assert " RO " in header_text(app)  # on every pane, not only the first
        assert app.manager.read_only is True


async def test_readonly_profile_also_shows_badge(tmp_path) -> None:
    from dataclasses import replace

    app = console(tmp_path, replace(replay_profile(tmp_path), read_only=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert " RO " in header_text(app)


async def test_palette_offers_other_panes_and_screen_commands(tmp_path) -> None:
    app = console(tmp_path, replay_profile(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Go to LACP")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.pane_alias == "lag"  # type: ignore[attr-defined]

    from screens.commands import PaneJumpProvider

    app = console(tmp_path, replay_profile(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        provider = PaneJumpProvider(app.screen)
        offered = [title for title, _, _ in provider._entries()]
        assert "Go to LACP" in offered and "Go to Connections" not in offered
        commands = [c.title for c in app.screen.palette_commands()]  # type: ignore[attr-defined]
        assert "Test target" in commands and "Filter rows" in commands


async def test_digit_keys_open_panes(tmp_path) -> None:
    app = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await pilot.pause()
        assert app.screen.pane_alias == "path"  # type: ignore[attr-defined]
        await screen_after(pilot, "0", ConnectionsScreen)


async def test_letters_typed_fast_after_colon_reach_the_command_line(tmp_path) -> None:
    from textual import events

    app = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # one burst, as a terminal delivers ":help" pasted or typed quickly
        for key, char in [("colon", ":"), ("h", "h"), ("e", "e"), ("l", "l"), ("p", "p")]:
            app.post_message(events.Key(key, char))
        await pilot.pause(0.3)
        assert isinstance(app.screen, CommandLine)
        assert app.screen.query_one("#command-input").value == "help"  # type: ignore[attr-defined]


async def test_colon_is_a_plain_character_inside_the_filter_line(tmp_path) -> None:
    app = console(tmp_path, replay_profile(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"a:b")
        await pilot.pause()
        assert isinstance(app.screen, ConnectionsScreen)
        assert app.screen.query_one("#filter-input").value == "a:b"  # type: ignore[attr-defined]


async def test_colon_in_a_read_only_text_area_does_not_open_the_command_line(tmp_path) -> None:
    from textual.screen import ModalScreen
    from textual.widgets import TextArea

    class Raw(ModalScreen[None]):  # as a pane's raw esxcli output is shown
        def compose(self):  # type: ignore[no-untyped-def]
            yield TextArea("esxcli output", id="raw", read_only=True)

    app = console(tmp_path, replay_profile(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.push_screen(Raw())
        app.screen.query_one("#raw").focus()
        await pilot.press("colon")
        await pilot.pause()
        assert isinstance(app.screen, Raw)
        assert not isinstance(app.screen, CommandLine)


async def test_filter_line_on_a_pane_filters_its_table(tmp_path) -> None:
    app = console(tmp_path, replay_profile(tmp_path, with_missing=True))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ConnectionsScreen)
        await pilot.press("slash", *"!ghost", "enter")
        await pilot.pause()
        assert screen.table.visible_keys == ["esx01"]
        assert screen.table.has_focus
