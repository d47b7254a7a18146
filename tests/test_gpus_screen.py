"""The Bitfusion pane at 80x24 with Pilot, on a real session manager and the lab client VM."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from gpus_helpers import CLIENT, bf_profile, small_scenario, trust_client
from shell_helpers import console, isolate_dirs
from textual.widgets import Static, TabbedContent, TextArea

from vconsole.lab.bitfusion_vm import BitfusionLab
from vconsole.models.gpus import ServerState
from vconsole.secrets import env_var_name
from widgets.plot import UsagePlot
from widgets.resource_table import ResourceTable

SIZE = (80, 24)


@pytest.fixture
def lab(tmp_path) -> Iterator[BitfusionLab]:  # type: ignore[no-untyped-def]
    with BitfusionLab(small_scenario(), tmp_path / "lab", seed=7) as bf:
        yield bf


def pane_app(lab, tmp_path, monkeypatch, **kwargs):  # type: ignore[no-untyped-def]
    isolate_dirs(monkeypatch, tmp_path)
    monkeypatch.setenv(env_var_name(CLIENT), lab.password)
    trust_client(lab, tmp_path / "known_hosts")
    return console(tmp_path, bf_profile(lab), start_pane="gpu", **kwargs)


async def wait_for(pilot, screen, taken_after: float = 0.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(200):
        await pilot.pause(0.05)
        if screen.report is not None and screen.report.taken_at > taken_after:
            await pilot.pause()
            return
    raise AssertionError("the pane never showed a refresh")


@contextlib.asynccontextmanager
async def refreshed_pane(lab, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The pane at 80x24 once its first refresh is shown: the pilot and the pane's screen."""
    app = pane_app(lab, tmp_path, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, app.screen)
        yield pilot, app.screen


def text_of(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


async def test_pool_gpus_and_plot_fit_80x24(lab, tmp_path, monkeypatch):
    async with refreshed_pane(lab, tmp_path, monkeypatch) as (pilot, screen):
        table = screen.query_one("#gpus-table", ResourceTable)
        assert table.row_count == 14
        summary = text_of(screen, "#gpus-summary")
        assert "Pool 14 GPUs" in summary and "servers 3 up" in summary
        assert len(screen.query_one(UsagePlot).values) == 1
        for selector in ("#gpus-summary", "#gpus-plot", "#gpus-table", "#gpus-status"):
            region = screen.query_one(selector).region
            assert region.height >= 1 and region.bottom <= SIZE[1], selector
        assert table.region.height >= 6
        assert f"from {CLIENT}" in text_of(screen, "#gpus-status")
        assert "ml-train-01" in text_of(screen, "#gpus-detail")  # first row: bf-srv01 GPU 0


async def test_a_server_going_down_shows_in_rows_summary_and_checks(lab, tmp_path, monkeypatch):
    async with refreshed_pane(lab, tmp_path, monkeypatch) as (pilot, screen):
        first = screen.report.taken_at
        lab.leak("bf-srv03", 5, 4000)
        await pilot.press("r")
        await wait_for(pilot, screen, first)
        first = screen.report.taken_at
        lab.set_server_down("bf-srv02", True)
        await pilot.press("r")
        await wait_for(pilot, screen, first)
        table = screen.query_one("#gpus-table", ResourceTable)
        cells = [table.get_row(key) for key in table.all_keys if key.startswith("10.0.40.12")]
        assert len(cells) == 2 and all("unreachable" in str(c[2]) for c in cells)
        assert "1 unreachable" in text_of(screen, "#gpus-summary")
        tabs = screen.query_one(TabbedContent)
        assert str(tabs.get_tab("checks").label) == "Checks (2)"
        await pilot.press("c")
        await pilot.pause()
        assert tabs.active == "checks"
        checks = screen.query_one("#gpus-checks", ResourceTable)
        assert [k.split("|")[0] for k in checks.visible_keys] == [
            "server-unreachable",
            "memory-without-client",
        ], "the newer, worse finding is listed first"
        detail = text_of(screen, "#gpus-detail")
        assert "bf-srv02" in detail and "evidence:" in detail and "i/o timeout" in detail


async def test_servers_tab_lists_address_version_and_state(lab, tmp_path, monkeypatch):
    async with refreshed_pane(lab, tmp_path, monkeypatch) as (pilot, screen):
        await pilot.press("v")
        await pilot.pause()
        table = screen.query_one("#gpus-servers", ResourceTable)
        rows = {key: table.get_row(key) for key in table.all_keys}
        assert sorted(rows) == ["10.0.40.11:56001", "10.0.40.12:56001", "10.0.40.13:56001"]
        srv03 = rows["10.0.40.13:56001"]
        assert str(srv03[0]) == "bf-srv03" and srv03[2] == 8 and srv03[4].startswith("4.")
        assert "bf-srv01 10.0.40.11:56001 up" in text_of(screen, "#gpus-detail")


async def test_allocations_tab_says_who_holds_what(lab, tmp_path, monkeypatch):
    async with refreshed_pane(lab, tmp_path, monkeypatch) as (pilot, screen):
        await pilot.press("a")
        await pilot.pause()
        table = screen.query_one("#gpus-allocations", ResourceTable)
        clients = sorted(str(table.get_row(k)[0]) for k in table.all_keys)
        assert clients == ["jupyter-07", "ml-train-01", "ml-train-01"]
        detail = text_of(screen, "#gpus-detail")
        assert "holds" in detail and "before the console started watching" in detail


async def test_client_failure_keeps_the_last_pool_and_says_why(lab, tmp_path, monkeypatch):
    async with refreshed_pane(lab, tmp_path, monkeypatch) as (pilot, screen):
        first = screen.report.taken_at
        lab.set_installed(False)
        await pilot.press("r")
        await wait_for(pilot, screen, first)
        summary = text_of(screen, "#gpus-summary")
        assert "bitfusion is not installed" in summary and "(last good)" in summary
        assert screen.query_one("#gpus-table", ResourceTable).row_count == 14


async def test_removed_server_is_shown_gone(lab, tmp_path, monkeypatch):
    async with refreshed_pane(lab, tmp_path, monkeypatch) as (pilot, screen):
        first = screen.report.taken_at
        lab.remove_server("bf-srv03")
        await pilot.press("r")
        await wait_for(pilot, screen, first)
        states = {s.name: s.state for s in screen.shown.servers}
        assert states["bf-srv03"] == ServerState.GONE
        assert "1 gone" in text_of(screen, "#gpus-summary")
        table = screen.query_one("#gpus-table", ResourceTable)
        gone = [table.get_row(k) for k in table.all_keys if k.startswith("10.0.40.13")]
        assert len(gone) == 8 and all("gone" in str(row[0]) for row in gone)


async def test_raw_output_shows_the_client_commands(lab, tmp_path, monkeypatch):
    async with refreshed_pane(lab, tmp_path, monkeypatch) as (pilot, screen):
        await pilot.press("o")
        await pilot.pause()
        raw = pilot.app.screen.query_one(TextArea).text
        assert "$ bitfusion list_gpus" in raw and "free memory" in raw and "$ bitfusion smi" in raw
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is screen


async def test_profile_without_a_client_says_what_to_add(tmp_path, monkeypatch):
    from vconsole.config import Profile

    isolate_dirs(monkeypatch, tmp_path)
    app = console(tmp_path, Profile("empty", (), source=tmp_path / "c.toml"), start_pane="gpu")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "No Bitfusion client" in text_of(app.screen, "#gpus-summary")
