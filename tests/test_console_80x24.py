"""The console at 80x24 as a tired admin drives it: footers that fit, keys that mean one thing,
tables worst first, an MTU pair that fails its checks never saved (Pilot, real lab parts)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mtu_helpers import lab_profile, running_lab, write_known_hosts
from shell_helpers import console, isolate_dirs, wait_until
from test_lacp_screen import lacp_profile, lacp_rows, timeout_dialog
from textual.widgets import Input, Static

from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import default_scenario
from vconsole.services.mtu_store import MtuStore, seed_from_scenario

SIZE = (80, 24)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EsxiLab]:
    with running_lab(default_scenario(), tmp_path_factory.mktemp("80x24-lab"), 0.25) as lab:
        yield lab


def footer_text(screen) -> str:  # type: ignore[no-untyped-def]
    """What the footer shows: key and description of every binding it would draw."""
    app = screen.app
    parts = []
    seen = set()
    for active in screen.active_bindings.values():
        b = active.binding
        if not b.show or b.action in seen:
            continue
        if active.node.check_action(b.action.partition("(")[0], ()) is False:
            continue
        seen.add(b.action)
        parts.append(f"{app.get_key_display(b)} {b.description}")
    return " ".join(parts)


def replay_console(tmp_path, monkeypatch, pane: str):  # type: ignore[no-untyped-def]
    """The console on `pane` over the LACP replay captures, its dirs in tmp."""
    isolate_dirs(monkeypatch, tmp_path)
    return console(tmp_path, lacp_profile(tmp_path), start_pane=pane)


async def test_every_pane_footer_fits_80_columns_and_p_is_pause(tmp_path, monkeypatch):
    app = replay_console(tmp_path, monkeypatch, "triage")
    async with app.run_test(size=SIZE) as pilot:
        for alias in ("triage", "lag", "path", "gpu", "mtu", "vm", "brand", "conn"):
            app.jump(alias)
            await pilot.pause()
            text = footer_text(app.screen)
            assert len(text) <= 80, f":{alias} footer is {len(text)} wide: {text}"
            assert "? Keys" in text and ": Jump" in text
            p = next((b.binding for k, b in app.screen.active_bindings.items() if k == "p"), None)
            assert p is None or p.description == "Pause", f":{alias}: p is {p.description}"


async def test_tables_open_worst_first(tmp_path, monkeypatch):
    async with lacp_rows(tmp_path, monkeypatch) as (pilot, screen):
        order = [screen._rows[k].verdict.value for k in screen.table.visible_keys]
        assert order[:2] == ["error", "critical"] and order[-1] == "ok"
        await pilot.press("S")  # reverse: the healthy rows first
        order = [screen._rows[k].verdict.value for k in screen.table.visible_keys]
        assert order[0] == "ok" and order[-1] == "error"


async def test_help_lists_the_panes_own_keys_first(tmp_path, monkeypatch):
    app = replay_console(tmp_path, monkeypatch, "lag")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        table = app.screen.table
        rows = [table.get_row(k) for k in table.visible_keys]
        wheres = [r[1] for r in rows]
        own = [i for i, r in enumerate(rows) if r[1] == "screen" and r[3]]  # described keys
        assert wheres[0] == "screen" and max(own) < wheres.index("app")
        assert "Timeout" in [r[2] for r in rows if r[1] == "screen"]
        table.move_cursor(row=next(i for i, r in enumerate(rows) if r[2] == "Timeout"))
        await pilot.pause()
        detail = str(app.screen.query_one("#help-detail", Static).render())
        assert "lacp timeout set on the selected LAG" in detail  # the whole description


async def test_an_mtu_pair_that_fails_its_checks_is_not_saved(
    lab: EsxiLab, tmp_path: Path, monkeypatch
):
    isolate_dirs(monkeypatch, tmp_path)
    seed_from_scenario(MtuStore(), default_scenario())
    before = {s.name: s.tests for s in MtuStore().sets()}
    profile = lab_profile(lab, monkeypatch, tmp_path)
    write_known_hosts(lab, tmp_path / "known_hosts")
    app = console(tmp_path, profile, start_pane="mtu")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("a", *"esx-akl-01 vmk9 witness", "enter")
        status = lambda: str(screen.query_one("#mtu-status", Static).render())  # noqa: E731
        await wait_until(pilot, lambda: status().startswith("Not saved"), "refused")
        assert "vmk9" in status()
        assert {s.name: s.tests for s in MtuStore().sets()} == before
        box = screen.query_one("#mtu-add", Input)
        assert box.display and box.value == "esx-akl-01 vmk9 witness"  # kept to correct
        box.value = ""
        await pilot.press(*"esx-akl-01 vmk0 witness", "enter")
        await wait_until(pilot, lambda: "pairs in" in status(), "the new pair ran")
        saved = {s.name: s.tests for s in MtuStore().sets()}
        assert len(saved["AKL"]) == len(before["AKL"]) + 1


async def test_typing_colon_q_shows_no_unknown_alias_hint(tmp_path, monkeypatch):
    app = replay_console(tmp_path, monkeypatch, "triage")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", "q")
        await pilot.pause()
        hint = str(app.screen.query_one("#command-hint").render())
        assert "no alias" not in hint and ":q" in hint


def test_a_dead_path_shows_a_dash_not_zero_latency() -> None:
    from screens.paths_cells import path_cells
    from vconsole.models.paths import LatencyWindow, PathRow

    zeros = LatencyWindow.of([0.0] * 15)
    dead = PathRow("esx-hq-02", "naa.1", path="vmhba64:C3:T0:L0", state="dead", read=zeros)
    live = PathRow("esx-hq-02", "naa.1", path="vmhba64:C0:T0:L0", state="active", read=zeros)
    cells = path_cells([dead, live])
    assert cells[dead.key][4] == "-" and cells[dead.key][6] == "-"
    assert cells[live.key][4] == "0/0"


def test_mtu_cell_says_unreachable_and_no_none_in_its_words() -> None:
    from screens.mtu_cells import cell_for

    unreachable = {
        "host": "esx-wlg-01", "vmk": "vmk0", "target": "witness", "address": "10.0.30.50",
        "label": "witness", "path_mtu": None, "vmk_mtu": None, "verdict": "unreachable",
        "severity": "critical", "confidence": "medium",
        "findings": [{"severity": "critical", "message": "no reply from witness via vmk0"}],
    }  # fmt: skip
    cell = cell_for([unreachable])
    text = "\n".join(cell.lines)
    assert cell.text == "unreach"
    assert "None" not in text and "sure:" not in text
    assert "no path MTU found, vmk MTU unknown, medium confidence" in text


async def test_lacp_timeout_dialog_shows_the_command_of_the_button_in_focus(tmp_path, monkeypatch):
    async with lacp_rows(tmp_path, monkeypatch) as (pilot, screen):
        dialog = await timeout_dialog(pilot, screen, "esx-akl-01|DSwitch-AKL|1|vmnic2")
        command = lambda: str(dialog.query_one("#command-0").render())  # noqa: E731
        assert command().endswith("timeout set -l 1 -t 0 -s DSwitch-AKL")  # slow, suggested
        dialog.query_one("#set-fast").focus()
        await pilot.pause()
        assert command().endswith("timeout set -l 1 -t 1 -s DSwitch-AKL")  # what fast runs
        dialog.query_one("#set-slow").focus()
        await pilot.pause()
        assert command().endswith("-t 0 -s DSwitch-AKL")
        await pilot.press("escape")


def test_a_flat_latency_is_a_flat_low_sparkline_and_a_spike_stands_out() -> None:
    from widgets.sparkline_cell import sparkline

    assert sparkline([1.0] * 10, 10).plain == "▁" * 10
    assert sparkline([1.0, 1.02, 0.99] * 3, 9).plain == "▁" * 9  # noise is not a shape
    spike = sparkline([1.0] * 9 + [9.0], 10).plain
    assert spike[:9] == "▁" * 9 and spike[9] == "█"
    assert sparkline([2.0, 4.0], 2, ceiling=8.0).plain == "▃▅"  # one scale for several rows


async def test_lacp_evidence_is_reachable_at_80x24(tmp_path, monkeypatch):
    async with lacp_rows(tmp_path, monkeypatch) as (pilot, screen):
        screen.table.move_cursor(row=screen.table.get_row_index("esx-wlg-02|DSwitch-WLG|1|vmnic3"))
        await pilot.pause()
        box = screen.query_one("#lacp-detail-box")
        detail = screen.query_one("#lacp-detail", Static)
        assert "partner age" in str(detail.render())
        # the table takes only the rows it needs; the explanation fits or scrolls to its end
        assert screen.table.region.height < 12 and box.region.height >= 8
        box.scroll_end(animate=False)
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
        assert detail.region.bottom <= box.region.bottom or box.max_scroll_y > 0
