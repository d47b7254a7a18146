"""The inventory pane at 80x24 on the lab vCenter: the first row in sight, a filter set."""

from __future__ import annotations

from pathlib import Path

from pane_snapshot_helpers import filter_rows, settle, steady
from test_inventory_screen import app_for, lab  # noqa: F401  (the fixture is used by name)

from vconsole.models.inventory import LoadState

SIZE = (80, 24)


def loaded(screen) -> bool:  # type: ignore[no-untyped-def]
    """The load is over and no flush or tree rebuild is waiting: the tree shows every datacenter
    and its VM counts whatever the machine's speed."""
    live = all(s.state == LoadState.LIVE for s in screen.service.statuses.values())
    waiting = screen._flush_scheduled or screen._tree_scheduled or screen._pending_upserts
    return bool(live and screen.table.shown and not waiting)


def test_inventory_pane(snap_compare, lab, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    app = app_for(tmp_path, {"vcsa01": lab}, start="host")

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = pilot.app.screen
        await settle(pilot, lambda: loaded(screen), "whole inventory loaded, tree drawn", live=True)
        await filter_rows(pilot, "hq")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
