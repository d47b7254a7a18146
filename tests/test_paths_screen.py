"""The multipathing pane at 80x24, driven with Pilot on a real session manager and the lab."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lab_fixtures import vcsim_fixture
from lacp_helpers import lab_profile, trust_lab_hosts
from shell_helpers import console, isolate_dirs
from textual.widgets import Button, Label, Static

from screens.pane_context import PaneContext
from screens.paths import PathsScreen
from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import default_scenario
from vconsole.secrets import env_var_name

pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]

HQ = {"esx-hq-01", "esx-hq-02", "esx-hq-03"}
DS02 = "naa.600a098038304437415d4b6a59684a53"
DS03 = "naa.600a098038304437415d4b6a59684a54"


vcsim = vcsim_fixture(default_scenario, "paths-screen")


@pytest.fixture
def esxi(tmp_path) -> Iterator[EsxiLab]:  # type: ignore[no-untyped-def]
    with EsxiLab(default_scenario(), tmp_path / "esxi") as lab:
        yield lab


def open_app(esxi, tmp_path, monkeypatch, vcsim=None, read_only=False, **kw):  # type: ignore[no-untyped-def]
    isolate_dirs(monkeypatch, tmp_path)
    profile = lab_profile(esxi, vcsim, hosts=HQ)
    for name in HQ:
        monkeypatch.setenv(env_var_name(name), esxi.password)
    if vcsim is not None:
        monkeypatch.setenv(env_var_name("vcsa01"), vcsim.password)
    trust_lab_hosts(esxi, tmp_path / "known_hosts")
    return profile, console(tmp_path, profile, read_only=read_only, **kw)


async def open_pane(app, pilot, profile, read_only=False) -> PathsScreen:  # type: ignore[no-untyped-def]
    screen = PathsScreen(PaneContext(app.manager, profile, read_only, "path"))
    await app.push_screen(screen)
    for _ in range(200):
        await pilot.pause(0.05)
        if screen.report is not None and screen.table.row_count:
            return screen
    raise AssertionError("the multipathing pane never filled")


def text_of(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


async def test_drill_down_host_device_paths_and_across_hosts(esxi, vcsim, tmp_path, monkeypatch):
    profile, app = open_app(esxi, tmp_path, monkeypatch, vcsim)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(app, pilot, profile)
        # vCenter's other hosts are listed too (no SSH target, no NMP devices there)
        assert HQ < set(screen.table.all_keys)
        assert screen.table.get_row("esx-akl-01")[2] == 0
        assert "1 critical" in text_of(screen, "#paths-status")
        hq03 = screen.table.get_row("esx-hq-03")
        assert str(hq03[5]) == "off"  # EnablePSPLatencyPolicy
        screen.table.move_cursor(row=screen.table.get_row_index("esx-hq-03"))
        await pilot.pause()
        assert "/Misc/EnablePSPLatencyPolicy = 0 here" in text_of(screen, "#paths-detail")

        screen.table.move_cursor(row=screen.table.get_row_index("esx-hq-01"))
        await pilot.press("enter")
        await pilot.pause()
        assert screen.level == "devices"
        assert "hosts > esx-hq-01" in text_of(screen, "#paths-crumbs")
        key = f"esx-hq-01|{DS02}"
        device_row = screen.table.get_row(key)
        assert device_row[1] == "PROD-DS02" and device_row[3] == "RR"
        assert str(device_row[4]).startswith("latency")

        screen.table.move_cursor(row=screen.table.get_row_index(key))
        await pilot.press("enter")
        await pilot.pause()
        assert screen.level == "paths"
        slow_key = f"esx-hq-01|{DS02}|vmhba64:C2:T0:L1"
        slow = screen.table.get_row(slow_key)
        assert str(slow[3]) == "warning" and "latency p50" in str(slow[7])
        assert any(ch in str(slow[5]) for ch in "▅▆▇█")  # the sparkline tops out on this path
        screen.table.move_cursor(row=screen.table.get_row_index(slow_key))
        await pilot.pause()
        detail = text_of(screen, "#paths-detail")
        assert "read p50/p95/max" in detail and "over 15 samples" in detail

        await pilot.press("a")
        await pilot.pause()
        hosts = {screen.table.get_row(k)[0] for k in screen.table.all_keys}
        assert hosts == HQ and "on every host" in text_of(screen, "#paths-crumbs")

        await pilot.press("escape")
        await pilot.pause()
        assert screen.level == "devices"
        await pilot.press("escape")
        await pilot.pause()
        assert screen.level == "hosts" and app.screen is screen


async def test_rr_change_asks_with_the_exact_command_and_applies(esxi, tmp_path, monkeypatch):
    profile, app = open_app(esxi, tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(app, pilot, profile)
        assert "no vCenter target" in text_of(screen, "#paths-status")
        screen.table.move_cursor(row=screen.table.get_row_index("esx-hq-03"))
        await pilot.press("enter")
        await pilot.pause()
        screen.table.move_cursor(row=screen.table.get_row_index(f"esx-hq-03|{DS03}"))
        await pilot.press("t")
        await pilot.pause()
        dialog = app.screen
        assert dialog is not screen
        texts = " ".join(str(label.render()) for label in dialog.query(Label))
        assert (
            f"esxcli storage nmp psp roundrobin deviceconfig set --type=latency --device={DS03}"
            in texts
        )
        assert "EnablePSPLatencyPolicy = 0" in texts
        dialog.query_one("#set-latency", Button).press()
        for _ in range(100):
            await pilot.pause(0.05)
            rr = screen.table.get_row(f"esx-hq-03|{DS03}")[4] if screen.report else ""
            if str(rr).startswith("latency"):
                break
        assert str(screen.table.get_row(f"esx-hq-03|{DS03}")[4]).startswith("latency")
    assert esxi.hosts["esx-hq-03"].round_robin[DS03].limit_type == "Latency"


async def test_rr_change_is_refused_in_read_only_mode(esxi, tmp_path, monkeypatch):
    """Opened as the first pane by its alias, as `vconsole ui --pane path --readonly` does."""
    _, app = open_app(esxi, tmp_path, monkeypatch, read_only=True, start_pane="path")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, PathsScreen)
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.report is not None and screen.table.row_count:
                break
        screen.table.move_cursor(row=screen.table.get_row_index("esx-hq-03"))
        await pilot.press("enter")
        await pilot.pause()
        screen.table.move_cursor(row=screen.table.get_row_index(f"esx-hq-03|{DS03}"))
        assert screen.check_action("set_rr", ()) is False  # not offered read-only
        await pilot.press("t")
        await pilot.pause()
        assert app.screen is screen
    assert esxi.hosts["esx-hq-03"].round_robin[DS03].limit_type == "Iops"


async def test_an_empty_table_says_why(esxi, vcsim, tmp_path, monkeypatch):
    """A host with no NMP device, and a filter that hides every row, leave words, not a blank."""
    profile, app = open_app(esxi, tmp_path, monkeypatch, vcsim)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(app, pilot, profile)
        screen.table.move_cursor(row=screen.table.get_row_index("esx-akl-01"))
        await pilot.press("enter")
        await pilot.pause()
        assert screen.level == "devices" and not screen.table.row_count
        assert "esx-akl-01 has no storage device" in text_of(screen, "#paths-detail")

        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("slash", *"no-such-host-zz")
        await pilot.pause(0.2)
        assert screen.table.all_keys and not screen.table.visible_keys
        assert "No row matches the filter" in text_of(screen, "#paths-detail")
        beside = str(screen.query_one("#filter-error", Label).render())
        assert beside == f"no row matches (of {len(screen.table.all_keys)})"
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert screen.table.visible_keys
        assert "No row matches" not in text_of(screen, "#paths-detail")
        assert not str(screen.query_one("#filter-error", Label).render())
