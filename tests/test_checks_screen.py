"""The `:check` pane at 80x24 with Pilot, on captures taken from the lab's SSH hosts (replay)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from lacp_helpers import lab_manager
from shell_helpers import console, isolate_dirs
from textual.widgets import Static, TextArea

from vconsole.config import Profile, TargetConfig
from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import default_scenario
from vconsole.sessions.capture import capture_host, write_capture

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]
HOSTS = ("esx-hq-01", "esx-akl-01", "esx-wlg-02")


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    tmp = tmp_path_factory.mktemp("checks-screen")
    with EsxiLab(default_scenario(), tmp / "lab") as lab:

        async def take() -> dict[str, Path]:
            manager = lab_manager(lab, tmp, hosts=set(HOSTS))
            try:
                return {
                    h: write_capture(tmp / f"{h}.json", await capture_host(manager, h))
                    for h in HOSTS
                }
            finally:
                await manager.close()

        yield asyncio.run(take())


def profile(tmp: Path, captures: dict[str, Path]) -> Profile:
    targets = [TargetConfig(h, "replay", file=str(p)) for h, p in captures.items()]
    targets.append(TargetConfig("esx-gone", "replay", file=str(tmp / "missing.json")))
    return Profile("lab", tuple(targets), source=tmp / "config.toml")


async def filled(pilot, screen) -> None:  # type: ignore[no-untyped-def]
    for _ in range(100):
        await pilot.pause(0.05)
        if screen.report is not None and screen.table.row_count:
            return
    raise AssertionError("the checks table never filled")


@contextlib.asynccontextmanager
async def filled_pane(captures, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The `:check` pane at 80x24 on the captures once its table has rows: pilot and pane."""
    isolate_dirs(monkeypatch, tmp_path)
    app = console(tmp_path, profile(tmp_path, captures), start_pane="check")
    async with app.run_test(size=(80, 24)) as pilot:
        await filled(pilot, app.screen)
        yield pilot, app.screen


def row_key(screen, check: str, host: str, code: str) -> str:  # type: ignore[no-untyped-def]
    return next(
        k
        for k, r in screen._rows.items()
        if r.check.id == check and r.finding.subject.name == host and r.finding.code == code
    )


async def test_pane_shows_rows_detail_with_fix_and_fits_80x24(captures, tmp_path, monkeypatch):
    async with filled_pane(captures, tmp_path, monkeypatch) as (pilot, screen):
        summary = str(screen.query_one("#checks-summary", Static).render())
        assert "1 multicast" in summary and "4 boot" in summary
        key = row_key(screen, "boot", "esx-wlg-02", "osdata-on-sd-usb")
        screen.table.move_cursor(row=screen.table.visible_keys.index(key))
        await pilot.pause(0.05)
        detail = str(screen.query_one("#checks-detail", Static).render())
        assert detail.startswith("CRITICAL esx-wlg-02: boots from USB")
        assert "why: Booting from SD cards" in detail
        assert "fix (shown, not run):" in detail
        gone = row_key(screen, "boot", "esx-gone", "unreadable")
        assert screen._rows[gone].verdict.value == "error"
        assert screen.query_one("#checks-status", Static).region.bottom <= 24


async def test_problems_only_check_filter_and_raw_output(captures, tmp_path, monkeypatch):
    async with filled_pane(captures, tmp_path, monkeypatch) as (pilot, screen):
        everything = len(screen._rows)
        await pilot.press("f")
        assert 0 < len(screen._rows) < everything
        assert all(r.verdict.value != "ok" for r in screen._rows.values())
        await pilot.press("f", "c", "c", "c")
        assert {r.check.id for r in screen._rows.values()} == {"lldp"}
        key = row_key(screen, "lldp", "esx-akl-01", "i40en-lldp-agent-idle")
        screen.table.move_cursor(row=screen.table.visible_keys.index(key))
        await pilot.press("enter")
        await pilot.pause(0.1)
        text = pilot.app.screen.query_one(TextArea).text
        assert "[root@esx-akl-01:~] esxcli system module parameters list -m i40en" in text
        assert "LLDP" in text and "1,1" in text
