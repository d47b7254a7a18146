"""The branding pane at 80x24 on the lab Cloud Director: system and tenant side by side."""

from __future__ import annotations

from pathlib import Path

from pane_snapshot_helpers import steady
from test_branding_screen import app_for, lab  # noqa: F401  (the fixture is used by name)
from test_branding_screen import settle as open_branding

SIZE = (80, 24)


def test_branding_pane(snap_compare, lab, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    app = app_for(tmp_path, lab)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_branding(pilot)
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
