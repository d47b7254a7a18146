"""One screen per pane: the inventory stops watching vCenter while another pane covers it and
reads again when it is shown (Pilot on the lab vCenter)."""

from __future__ import annotations

from pathlib import Path

import pytest
from shell_helpers import wait_until
from test_inventory_screen import app_for, lab  # noqa: F401  (the fixture is used by name)

from vconsole.lab.vcsim import VcsimLab

pytestmark = [pytest.mark.timeout(300)]


def vm_pane(lab: VcsimLab, tmp_path: Path):  # type: ignore[no-untyped-def]  # noqa: F811
    """The console on the VM pane of one lab vCenter, run at 80x24."""
    return app_for(tmp_path, {"vcsa01": lab}, start="vm").run_test(size=(80, 24))


async def test_a_covered_inventory_stops_its_watch_and_resumes(lab, tmp_path) -> None:  # noqa: F811
    async with vm_pane(lab, tmp_path) as pilot:
        app = pilot.app
        inventory = app.screen
        await wait_until(pilot, lambda: len(inventory.table.shown) > 0)
        watching = [w for w in app.workers if w.group == "inventory-run" and w.is_running]
        assert watching
        app.jump("lag")
        await pilot.pause(0.3)
        assert inventory.watch_paused
        assert not [w for w in app.workers if w.group == "inventory-run" and w.is_running]
        app.jump("vm")
        await pilot.pause(0.3)
        assert app.screen is inventory and not inventory.watch_paused
        await wait_until(pilot, lambda: any(
            w.group == "inventory-run" and w.is_running for w in app.workers
        ))  # fmt: skip
        assert len(app.screen_stack) <= 2


async def test_rows_stay_in_sight_and_the_name_column_stays_put(lab, tmp_path) -> None:  # noqa: F811
    async with vm_pane(lab, tmp_path) as pilot:
        table = pilot.app.screen.table
        await wait_until(pilot, lambda: len(table.shown) > 50)
        await pilot.pause(0.5)
        # opens on the first row, scrolled to the top, however the pages arrived
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        first = table.rows[table.shown[0]].cells[0]
        assert table.render_line(1).text.startswith(first)
        table.focus()
        await pilot.press("end")
        await pilot.pause()
        body = table.scrollable_content_region.height - 1  # rows above the scrollbar
        assert 0 <= table.cursor_row - table.scroll_offset.y < body
        await pilot.press("home", *["right"] * 6)
        await pilot.pause()
        assert table.scroll_offset.x > 0 and table.cursor_column == 6
        assert table.render_line(1).text.startswith(first)  # the name column stays put
