"""The triage pane at 80x24 on a real session manager over replay captures (Pilot)."""

from __future__ import annotations

import contextlib
import gc

from shell_helpers import console, isolate_dirs, wait_until
from test_lacp_screen import lacp_profile
from textual.widgets import Input, Label, Static

from vconsole.models.common import Verdict
from vconsole.models.findings import Finding, Subject
from vconsole.services.triage import SOURCES, SourceReading

CRITICAL_KEY = "esx-wlg-02|DSwitch-WLG|1|vmnic3"


def keys(screen) -> list[str]:  # type: ignore[no-untyped-def]
    return list(screen.rows)


def triage_app(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The console on the triage pane over the LACP replay captures, its dirs in tmp."""
    isolate_dirs(monkeypatch, tmp_path)
    return console(tmp_path, lacp_profile(tmp_path), start_pane="triage")


@contextlib.asynccontextmanager
async def triage_read(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The triage pane at 80x24 once every source has been read: the pilot and the pane."""
    app = triage_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert screen.pane_alias == "triage"
        await wait_until(pilot, lambda: len(screen.board.readings) == len(SOURCES), "all read")
        yield pilot, screen


async def test_home_pane_lists_worst_first_and_enter_opens_the_object(tmp_path, monkeypatch):
    async with triage_read(tmp_path, monkeypatch) as (pilot, screen):
        app = pilot.app
        rows = keys(screen)
        # targets nobody could read first (one line each), then the worst place, worst row first
        assert rows[0] == "u|esx-gone"
        unread = str(screen.table.get_row_at(0)[2])
        assert unread.startswith("3 panes have no data: cannot read capture")
        group = next(i for i, k in enumerate(rows) if k.startswith("g|"))
        assert all(k.startswith("u|") for k in rows[:group]) and "esx-wlg-02" in rows[group]
        first = screen.rows[rows[group + 1]][0]
        assert first.severity is Verdict.CRITICAL and first.subject.name == "vmnic3"

        screen.table.move_cursor(row=group + 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.pane_alias == "lag", "LACP pane open")
        lacp = app.screen
        await wait_until(pilot, lambda: lacp.table.cursor_key == CRITICAL_KEY, "cursor on vmnic3")


async def test_findings_appear_and_clear_live(tmp_path, monkeypatch):
    async with triage_read(tmp_path, monkeypatch) as (pilot, screen):
        app = pilot.app
        subject = Subject.of("server", "bf-srv09", site="bf-client")
        late = Finding("server-unreachable", Verdict.CRITICAL, "bf-srv09 unreachable", "",
                       subject, "gpus", 9e9)  # fmt: skip
        app.findings_board.post(SourceReading("gpus", (late,), 9e9))
        await pilot.pause()
        assert f"f|{late.key}" in keys(screen)
        app.findings_board.post(SourceReading("gpus", (), 9e9))
        await pilot.pause()
        assert f"f|{late.key}" not in keys(screen)


async def test_filter_line_shows_typing_and_errors_and_esc_clears_it_first(tmp_path, monkeypatch):
    async with triage_read(tmp_path, monkeypatch) as (pilot, screen):
        app = pilot.app
        before = len(keys(screen))
        await pilot.press("slash", *"wlg")
        field = screen.query_one("#filter-input", Input)
        assert field.value == "wlg" and field.region.height == 1 and field.region.y < 24
        assert all("wlg" in k for k in keys(screen) if k.startswith("f|"))
        assert len(keys(screen)) < before
        await pilot.press("enter")
        await pilot.press("slash", "(")
        error = str(screen.query_one("#filter-error", Label).render())
        assert "invalid regex" in error and screen.query_one("#filter-error").region.width > 0
        assert screen.pattern is not None and screen.pattern.pattern == "wlg"  # last good kept
        await pilot.press("backspace", *"wlg", "enter")
        assert len(keys(screen)) < before and screen.query_one("#filter").region.height == 1
        await pilot.press("escape")  # clears the filter; the pane stays
        assert app.screen is screen and len(keys(screen)) == before
        assert screen.query_one("#filter").region.height == 0


async def test_esc_in_a_pane_clears_its_filter_before_going_back(tmp_path, monkeypatch):
    app = triage_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.jump("lag")
        await wait_until(pilot, lambda: app.screen.table.row_count >= 5, "LACP rows")
        lacp = app.screen
        await pilot.press("slash", *"wlg", "enter")
        assert lacp.table.row_count == 2
        bar = lacp.query_one("#filter")
        assert bar.region.height == 1 and bar.region.bottom <= 23  # above the footer
        await pilot.press("escape")
        assert app.screen is lacp and lacp.table.row_count >= 5
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.pane_alias == "triage"


async def test_jumping_keeps_one_screen_per_pane(tmp_path, monkeypatch):
    app = triage_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        opened = {}
        for alias in ["lag", "conn", "mtu", "triage", "lag", "conn"] * 4:
            app.jump(alias)
            await pilot.pause()
            opened.setdefault(alias, app.screen)
            assert app.screen is opened[alias]
            assert len(app.screen_stack) <= 2
        await pilot.press("escape")  # back to the pane visited before
        await pilot.pause()
        assert app.screen is opened["lag"]
        app.jump("triage")
        await pilot.pause()
        assert app.screen_stack == [opened["triage"]]
        status = str(app.screen.query_one("#triage-status", Static).render())
        assert "sources read" in status


async def test_a_reading_that_only_changes_text_updates_the_row_in_place(tmp_path, monkeypatch):
    async with triage_read(tmp_path, monkeypatch) as (pilot, screen):
        app = pilot.app
        subject = Subject.of("server", "bf-srv09", site="bf-client")

        def reading(text: str) -> SourceReading:
            found = Finding("pool-usage", Verdict.WARNING, text, "", subject, "gpus", 9e9)
            return SourceReading("gpus", (found,), 9e9)

        app.findings_board.post(reading("GPU pool 91% allocated"))
        await pilot.pause()
        key = next(k for k in keys(screen) if "bf-srv09" in k and k.startswith("f|"))
        row = screen.table.rows[key]
        order = keys(screen)
        app.findings_board.post(reading("GPU pool 95% allocated"))
        await pilot.pause()
        assert keys(screen) == order
        assert str(screen.table.get_row(key)[2]) == "GPU pool 95% allocated"
        assert screen.rows[key][0].text == "GPU pool 95% allocated"
        assert screen.table.rows[key] is row  # the row was updated, not rebuilt


async def test_a_pane_left_open_keeps_no_more_objects_after_each_changed_reading(
    tmp_path, monkeypatch
):
    """A finding whose text changes at every background read: the row shows the newest text,
    and what is alive after a full collection stays level from read to read (the table's
    renders of earlier text are not kept)."""
    async with triage_read(tmp_path, monkeypatch) as (pilot, screen):
        app = pilot.app
        subject = Subject.of("server", "bf-srv09", site="bf-client")

        def reading(n: int) -> SourceReading:
            text = f"GPU pool {50 + n}% allocated"
            found = Finding("pool-usage", Verdict.WARNING, text, "", subject, "gpus", 9e9)
            return SourceReading("gpus", (found,), 9e9)

        alive: dict[int, int] = {}
        for n in range(31):
            app.findings_board.post(reading(n))
            await pilot.pause()
            if n in (10, 30):
                gc.collect()
                alive[n] = len(gc.get_objects())
        key = next(k for k in keys(screen) if "bf-srv09" in k and k.startswith("f|"))
        assert str(screen.table.get_row(key)[2]) == "GPU pool 80% allocated"
        assert (
            "GPU pool 80% allocated"
            in screen.table.render_line(screen.table.get_row_index(key) + 1).text
        )
        assert alive[30] - alive[10] < 500, alive
