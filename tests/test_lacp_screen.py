"""The LACP pane at 80x24, driven with Pilot on a real session manager over replay targets."""

from __future__ import annotations

import contextlib
from pathlib import Path

from lacp_helpers import port, stats, status, write_lacp_capture
from shell_helpers import console, isolate_dirs
from textual.widgets import Label, Static, TextArea

from vconsole.config import Profile, TargetConfig


def lacp_profile(tmp: Path, missing: Path | None = None) -> Profile:
    """Two hosts' captures in `tmp`, and `esx-gone`, whose capture file (`missing`) is absent."""
    healthy = write_lacp_capture(
        tmp / "akl.json",
        "esx-akl-01",
        status(port("vmnic2"), port("vmnic3")),
        stats([("vmnic2", 40, 41), ("vmnic3", 40, 41)]),
    )
    silent = port(
        "vmnic3",
        partner="00:00:00:00:00:00",
        key=0,
        partner_number=0,
        state="Stand-alone",
        partner_flags="",
    )
    broken = write_lacp_capture(
        tmp / "wlg.json",
        "esx-wlg-02",
        status(port("vmnic2"), silent, dvs="DSwitch-WLG"),
        stats([("vmnic2", 40, 41), ("vmnic3", 0, 41)], dvs="DSwitch-WLG"),
    )
    return Profile(
        "lab",
        (
            TargetConfig("esx-akl-01", "replay", file=str(healthy)),
            TargetConfig("esx-wlg-02", "replay", file=str(broken)),
            TargetConfig("esx-gone", "replay", file=str(missing or tmp / "missing.json")),
        ),
        source=tmp / "config.toml",
    )


async def wait_for_rows(pilot, screen, count: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(300):
        await pilot.pause(0.05)
        if screen.report is not None and screen.table.row_count >= count:
            return
    raise AssertionError("the LACP table never filled")


async def timeout_dialog(pilot, screen, key: str):  # type: ignore[no-untyped-def]
    """Put the cursor on row `key` and press t: the screen shown then (the timeout dialog)."""
    screen.table.move_cursor(row=screen.table.get_row_index(key))
    await pilot.press("t")
    await pilot.pause()
    return pilot.app.screen


@contextlib.asynccontextmanager
async def lacp_rows(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The LACP pane at 80x24 on the replay captures once its rows are in: pilot and pane."""
    isolate_dirs(monkeypatch, tmp_path)
    app = console(tmp_path, lacp_profile(tmp_path), start_pane="lag")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app.screen, 5)
        yield pilot, app.screen


async def test_lacp_pane_shows_verdicts_evidence_and_failed_host(tmp_path, monkeypatch):
    async with lacp_rows(tmp_path, monkeypatch) as (pilot, screen):
        app = pilot.app
        verdicts = {key: row.verdict.value for key, row in screen._rows.items()}
        assert verdicts["esx-akl-01|DSwitch-AKL|1|vmnic2"] == "ok"
        assert verdicts["esx-wlg-02|DSwitch-WLG|1|vmnic3"] == "critical"
        assert verdicts["esx-gone|||"] == "error"
        host_column = next(c for k, c in screen.table.columns.items() if k.value == "host")
        assert host_column.get_render_width(screen.table) >= len("esx-akl-01")
        status_line = str(screen.query_one("#lacp-status", Static).render())
        assert "3 hosts" in status_line and "1 critical" in status_line

        screen.table.move_cursor(row=screen.table.get_row_index("esx-wlg-02|DSwitch-WLG|1|vmnic3"))
        await pilot.pause()
        detail = str(screen.query_one("#lacp-detail", Static).render())
        assert "Stand-alone" in detail
        assert "Rx LACPDUs 0 while Tx LACPDUs 41" in detail

        screen.table.move_cursor(row=screen.table.get_row_index("esx-gone|||"))
        await pilot.pause()
        assert "missing.json" in str(screen.query_one("#lacp-detail", Static).render())

        screen.table.move_cursor(row=screen.table.get_row_index("esx-wlg-02|DSwitch-WLG|1|vmnic2"))
        await pilot.press("enter")
        await pilot.pause()
        raw = app.screen.query_one(TextArea).text
        assert "esxcli network vswitch dvs vmware lacp status get" in raw
        assert "Device ID: 00:00:00:00:00:00" in raw
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_timeout_set_is_refused_in_read_only_mode(tmp_path, monkeypatch):
    isolate_dirs(monkeypatch, tmp_path)
    app = console(tmp_path, lacp_profile(tmp_path), start_pane="lag", read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_for_rows(pilot, screen, 5)
        screen.table.move_cursor(row=screen.table.get_row_index("esx-akl-01|DSwitch-AKL|1|vmnic2"))
        # read-only: the write key is not offered at all (footer, `?`) and does nothing
        assert screen.check_action("set_timeout", ()) is False
        assert "Timeout" not in {b.binding.description for b in footer_bindings(screen)}
        await pilot.press("t")
        await pilot.pause()
        assert app.screen is screen


def footer_bindings(screen):  # type: ignore[no-untyped-def]
    """The bindings the footer shows on `screen`: active, shown, and allowed here."""
    return [
        b
        for b in screen.active_bindings.values()
        if b.binding.show and b.enabled and screen.check_action(b.binding.action, ()) is not False
    ]


async def test_timeout_set_asks_first_with_the_exact_command(tmp_path, monkeypatch):
    async with lacp_rows(tmp_path, monkeypatch) as (pilot, screen):
        app = pilot.app
        dialog = await timeout_dialog(pilot, screen, "esx-akl-01|DSwitch-AKL|1|vmnic2")
        assert dialog is not screen
        texts = " ".join(str(label.render()) for label in dialog.query("Label"))
        assert (
            "esxcli network vswitch dvs vmware lacp timeout set -l 1 -t 0 -s DSwitch-AKL" in texts
        )
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


@contextlib.contextmanager
def wlg01_on_the_lab(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The lab's SSH hosts with esx-wlg-01 (fast LACPDUs to a slow switch) the profile's only
    target: its password in the environment, its key pinned, the console's dirs in tmp."""
    from lacp_helpers import lab_profile, trust_lab_hosts

    from vconsole.lab.esxi import EsxiLab
    from vconsole.lab.scenario import default_scenario
    from vconsole.secrets import env_var_name

    isolate_dirs(monkeypatch, tmp_path)
    with EsxiLab(default_scenario(), tmp_path / "lab") as lab:
        monkeypatch.setenv(env_var_name("esx-wlg-01"), lab.password)
        trust_lab_hosts(lab, tmp_path / "known_hosts")
        yield lab_profile(lab, hosts={"esx-wlg-01"})


async def test_interval_refresh_shows_counter_deltas_from_a_lab_host(tmp_path, monkeypatch):
    """Against a real lab SSH host sending fast LACPDUs: the second poll shows Tx rising."""
    from screens.lacp import LacpScreen
    from screens.panes import PaneContext

    with wlg01_on_the_lab(tmp_path, monkeypatch) as profile:
        app = console(tmp_path, profile)
        async with app.run_test(size=(80, 24)) as pilot:
            context = PaneContext(app.manager, profile, False, "lag")
            screen = LacpScreen(context, interval_s=1.5)
            await app.push_screen(screen)
            first = None
            for _ in range(120):
                await pilot.pause(0.05)
                if screen.report is not None and first is None:
                    first = screen.report
                if first is not None and screen.report is not first:
                    break
            assert first is not None and screen.report is not first, "no second refresh"
            row = screen._rows["esx-wlg-01|DSwitch-WLG|1|vmnic2"]
            assert row.tx_delta and row.tx_delta > 0
            cell = screen.table.get_row("esx-wlg-01|DSwitch-WLG|1|vmnic2")[9]
            assert f"+{row.tx_delta}" in str(cell)
            await pilot.press("p")
            assert screen.paused


async def test_confirmed_timeout_set_fixes_the_mismatch_on_a_lab_host(tmp_path, monkeypatch):
    from textual.widgets import Button

    with wlg01_on_the_lab(tmp_path, monkeypatch) as profile:
        app = console(tmp_path, profile, start_pane="lag")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            await wait_for_rows(pilot, screen, 2)
            key = "esx-wlg-01|DSwitch-WLG|1|vmnic2"
            assert screen._rows[key].verdict.value == "warning"
            screen.table.move_cursor(row=screen.table.get_row_index(key))
            await pilot.press("t")
            await pilot.pause()
            app.screen.query_one("#set-slow", Button).press()
            for _ in range(100):
                await pilot.pause(0.05)
                if screen._rows[key].local_flags == "SA":
                    break
            assert screen._rows[key].verdict.value == "ok"
        audit = (tmp_path / "state" / "audit.jsonl").read_text()
        assert "lacp timeout set -l 1 -t 0 -s DSwitch-WLG" in audit


async def test_a_filter_that_hides_every_row_leaves_no_stale_detail(tmp_path, monkeypatch):
    async with lacp_rows(tmp_path, monkeypatch) as (pilot, screen):
        # the first row: hiding every row leaves the cursor where it was, and no row highlighted
        screen.table.move_cursor(row=1)
        screen.table.move_cursor(row=0)
        await pilot.pause()
        assert str(screen.query_one("#lacp-detail", Static).render())
        await pilot.press("slash", *"zz-no-such-nic")
        await pilot.pause(0.2)
        assert not screen.table.visible_keys
        assert not str(screen.query_one("#lacp-detail", Static).render())
        assert "no row matches" in str(screen.query_one("#filter-error", Label).render())
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert screen.table.visible_keys
        assert str(screen.query_one("#lacp-detail", Static).render())
