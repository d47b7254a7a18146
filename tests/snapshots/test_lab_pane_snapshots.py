"""The Bitfusion pane at 80x24 on the lab client VM (fixed seed): the filter line visible,
nothing cut mid-word."""

from __future__ import annotations

from pathlib import Path

from pane_snapshot_helpers import filter_rows, settle, steady
from test_gpus_screen import lab, pane_app  # noqa: F401  (the fixture is used by name)

SIZE = (80, 24)


def test_gpus_pane(snap_compare, lab, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    app = pane_app(lab, tmp_path, monkeypatch)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = pilot.app.screen
        await settle(pilot, lambda: screen.report is not None, "pool read")
        screen.paused = True
        await filter_rows(pilot, "srv0[12]")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
