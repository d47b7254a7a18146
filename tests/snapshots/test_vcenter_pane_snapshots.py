"""The inventory pane at 80x24 on the lab vCenter: the first row in sight, a filter set."""

from __future__ import annotations

from pathlib import Path

from pane_snapshot_helpers import filter_rows, settle, steady
from test_inventory_screen import app_for, lab  # noqa: F401  (the fixture is used by name)

SIZE = (80, 24)


def test_inventory_pane(snap_compare, lab, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    app = app_for(tmp_path, {"vcsa01": lab}, start="host")

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = pilot.app.screen
        await settle(pilot, lambda: len(screen.table.shown) > 0, "hosts listed", live=True)
        await filter_rows(pilot, "hq")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
