"""Every pane at 80x24 on fixed lab data: worst row first, filter line visible, nothing cut
mid-word. Replay captures and the lab's SSH hosts answer; vCenter-only data is left out so
the numbers do not move between runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from lacp_helpers import lab_profile, trust_lab_hosts
from mtu_helpers import lab_profile as mtu_profile
from mtu_helpers import write_known_hosts
from pane_snapshot_helpers import filter_rows, settle, steady
from shell_helpers import console, isolate_dirs
from test_lacp_screen import lacp_profile

from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import default_scenario
from vconsole.secrets import env_var_name
from vconsole.services.mtu_store import MtuStore, seed_from_scenario

SIZE = (80, 24)
HQ = {"esx-hq-01", "esx-hq-02", "esx-hq-03"}
# esx-gone's capture, never there: its error names the path, and the table's columns are as wide
# as that text, so a path under pytest's numbered temporary directory would move the layout
GONE = Path("/nonexistent/vconsole-snapshots/missing.json")
pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def esxi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EsxiLab]:
    with EsxiLab(default_scenario(), tmp_path_factory.mktemp("snap-esxi"), time_scale=0.25) as lab:
        yield lab


def test_lacp_pane(snap_compare, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    isolate_dirs(monkeypatch, tmp_path)
    app = console(tmp_path, lacp_profile(tmp_path, GONE), start_pane="lag")

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = pilot.app.screen
        await settle(pilot, lambda: screen.report is not None, "LACP rows")
        await filter_rows(pilot, "wlg|gone")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_triage_pane(snap_compare, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The sources are read once; every finding then gets one fixed time, so the order of
    places is decided by severity alone, as it would be at any one moment."""
    isolate_dirs(monkeypatch, tmp_path)
    app = console(tmp_path, lacp_profile(tmp_path, GONE), start_pane="triage")

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = pilot.app.screen
        board = pilot.app.findings_board
        await settle(pilot, lambda: len(board.readings) >= len(screen.sources), "sources read")
        screen.paused = True
        for reading in list(board.readings.values()):
            fixed = tuple(replace(f, seen_at=1_800_000_000.0) for f in reading.findings)
            board.post(replace(reading, findings=fixed, taken_at=1_800_000_000.0))
        await filter_rows(pilot, "lacp")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_paths_pane(snap_compare, esxi: EsxiLab, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    isolate_dirs(monkeypatch, tmp_path)
    profile = lab_profile(esxi, None, hosts=HQ)
    for name in HQ:
        monkeypatch.setenv(env_var_name(name), esxi.password)
    trust_lab_hosts(esxi, tmp_path / "known_hosts")
    app = console(tmp_path, profile, start_pane="path")

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = pilot.app.screen
        await settle(pilot, lambda: screen.report is not None, "paths rows")
        await pilot.press("enter")  # the worst host's devices
        await pilot.pause()
        await filter_rows(pilot, "naa")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_mtu_pane(snap_compare, esxi: EsxiLab, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    isolate_dirs(monkeypatch, tmp_path)
    seed_from_scenario(MtuStore(), default_scenario())
    profile = mtu_profile(esxi, monkeypatch, tmp_path)
    write_known_hosts(esxi, tmp_path / "known_hosts")
    app = console(tmp_path, profile, start_pane="mtu")

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = pilot.app.screen
        await pilot.press("r")
        await settle(pilot, lambda: not screen.running and screen.done, "MTU run")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
