"""One screen per pane: the inventory stops watching vCenter while another pane covers it and
reads again when it is shown (Pilot on the lab vCenter)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_inventory_screen import app_for, lab, until  # noqa: F401  (the fixture is used by name)

from vconsole.lab.vcsim import VcsimLab

pytestmark = [pytest.mark.timeout(300)]


async def test_a_covered_inventory_stops_its_watch_and_resumes(
    lab: VcsimLab,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = app_for(tmp_path, {"vcsa01": lab}, start="vm")
    async with app.run_test(size=(80, 24)) as pilot:
        inventory = app.screen
        await until(pilot, lambda: len(inventory.table.shown) > 0)
        watching = [w for w in app.workers if w.group == "inventory-run" and w.is_running]
        assert watching
        app.jump("lag")
        await pilot.pause(0.3)
        assert inventory.watch_paused
        assert not [w for w in app.workers if w.group == "inventory-run" and w.is_running]
        app.jump("vm")
        await pilot.pause(0.3)
        assert app.screen is inventory and not inventory.watch_paused
        await until(pilot, lambda: any(
            w.group == "inventory-run" and w.is_running for w in app.workers
        ))  # fmt: skip
        assert len(app.screen_stack) <= 2
