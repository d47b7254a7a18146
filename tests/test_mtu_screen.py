"""The MTU matrix at 80x24, driven with Pilot on a real session manager over the lab's SSH hosts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from mtu_helpers import lab_profile, running_lab, write_known_hosts
from shell_helpers import console, isolate_dirs, wait_until
from textual.widgets import Button, Input, Static

from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import default_scenario
from vconsole.services.mtu_store import MtuStore, seed_from_scenario


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EsxiLab]:
    with running_lab(default_scenario(), tmp_path_factory.mktemp("mtu-screen-lab"), 0.25) as lab:
        yield lab


def text_of(screen, widget_id: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(widget_id, Static).render())


def cell(screen, host: str, column: str) -> str:  # type: ignore[no-untyped-def]
    return screen.matrix.get_cell(host, column).plain


async def delete_confirmed(pilot, key: str) -> None:  # type: ignore[no-untyped-def]
    """Press `key` (d: the pair under the cursor, D: the set) and confirm in the dialog."""
    await pilot.press(key)
    await pilot.pause()
    pilot.app.screen.query_one("#set-delete", Button).press()
    await pilot.pause()


def mtu_console(lab, tmp_path, monkeypatch, seeded=True, **kwargs):  # type: ignore[no-untyped-def]
    """The console on the MTU pane over every lab host (host keys pinned, dirs in tmp), and its
    MTU store, holding the scenario's test sets when `seeded`."""
    isolate_dirs(monkeypatch, tmp_path)
    store = MtuStore()
    if seeded:
        seed_from_scenario(store, default_scenario())
    profile = lab_profile(lab, monkeypatch, tmp_path)
    write_known_hosts(lab, tmp_path / "known_hosts")
    return console(tmp_path, profile, start_pane="mtu", **kwargs), store


@contextlib.asynccontextmanager
async def mtu_pane(lab, tmp_path, monkeypatch, **kwargs):  # type: ignore[no-untyped-def]
    """`mtu_console` running at 80x24, the scenario's sets seeded: pilot, pane and store."""
    app, store = mtu_console(lab, tmp_path, monkeypatch, **kwargs)
    async with app.run_test(size=(80, 24)) as pilot:
        yield pilot, app.screen, store


async def test_matrix_runs_a_site_and_explains_a_cell(lab, tmp_path, monkeypatch) -> None:
    async with mtu_pane(lab, tmp_path, monkeypatch) as (pilot, screen, store):
        assert "set AKL" in text_of(screen, "#mtu-scope")
        assert cell(screen, "esx-akl-01", "vmk0 -> vcsa01") == "·"
        await pilot.press("r")
        await wait_until(
            pilot, lambda: "pairs in" in text_of(screen, "#mtu-status"), "run finished"
        )
        assert cell(screen, "esx-akl-01", "vmk0 -> vcsa01") == "1400"
        assert cell(screen, "esx-akl-02", "vmk1 -> esx-akl-01") == "9000"  # each peer its own
        assert cell(screen, "esx-akl-01", "vmk1 -> esx-akl-02") == "9000"
        assert cell(screen, "esx-akl-01", "vmk1 -> esx-akl-01") == ""  # no pair with itself
        # 1400 across a WAN that signals it: a warning for the management vmk, not critical
        assert screen.matrix.get_cell("esx-akl-01", "vmk0 -> vcsa01").style == "yellow"
        status = text_of(screen, "#mtu-status")
        assert "set AKL: 8 pairs in" in status and "with findings" in status

        screen.matrix.move_cursor(row=0, column=1)
        await pilot.pause()
        detail = text_of(screen, "#mtu-detail")
        assert "path MTU 1400 < vmk MTU 1500" in detail
        assert "1372:reply" in detail and "1373:too_long" in detail

        await pilot.press("right_square_bracket")  # next set: HQ
        await pilot.pause()
        assert "set HQ" in text_of(screen, "#mtu-scope")


async def test_last_results_are_shown_and_changes_marked(lab, tmp_path, monkeypatch) -> None:
    async with mtu_pane(lab, tmp_path, monkeypatch) as (pilot, screen, store):
        screen.matrix.move_cursor(row=0, column=1)
        await pilot.press("enter")  # one pair only
        await wait_until(pilot, lambda: "pairs in" in text_of(screen, "#mtu-status"), "pair ran")
        assert "1 pairs" in text_of(screen, "#mtu-status")
        assert cell(screen, "esx-akl-01", "vmk0 -> vcsa01") == "1400"
    results = store.last_results()
    (key,) = [k for k in results if k.startswith("esx-akl-01|vmk0|")]
    results[key]["path_mtu"] = 1500
    store._write("mtu-results.json", {"results": results})
    app, _ = mtu_console(lab, tmp_path, monkeypatch, seeded=False)  # the same dirs, kept
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert cell(screen, "esx-akl-01", "vmk0 -> vcsa01") == "1500"  # last known, before any run
        screen.matrix.move_cursor(row=0, column=1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "pairs in" in text_of(screen, "#mtu-status"), "pair ran")
        assert cell(screen, "esx-akl-01", "vmk0 -> vcsa01") == "1400 *"
        assert "CHANGED: was 1500" in text_of(screen, "#mtu-detail")


async def test_add_pair_with_an_unknown_vmk_says_nothing_was_sent(
    lab: EsxiLab, tmp_path: Path, monkeypatch
) -> None:
    app, _ = mtu_console(lab, tmp_path, monkeypatch, seeded=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert "No saved test sets" in text_of(screen, "#mtu-status")
        await pilot.press("a")
        box = screen.query_one("#mtu-add", Input)
        assert box.display
        box.value = "esx-akl-01 vmk7 10.0.10.5"
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: "Nothing was sent" in text_of(screen, "#mtu-status"), "refusal"
        )
        assert "vmk: 'vmk7'" in text_of(screen, "#mtu-status")


def shown_cells(screen) -> list[str]:  # type: ignore[no-untyped-def]
    table = screen.matrix
    return [c.plain for row in table.rows for c in table.get_row(row)[1:] if c.plain]


async def test_counts_agree_and_peers_on_another_netstack_show_as_skipped(
    lab, tmp_path, monkeypatch
) -> None:
    async with mtu_pane(lab, tmp_path, monkeypatch) as (pilot, screen, store):
        await pilot.press("right_square_bracket")  # HQ: the witness's vmk1 is vSAN, not vMotion
        await pilot.pause()
        assert "set HQ (20 pairs)" in text_of(screen, "#mtu-scope")
        assert len(shown_cells(screen)) == 20
        await pilot.press("r")
        await wait_until(
            pilot, lambda: "pairs in" in text_of(screen, "#mtu-status"), "run finished"
        )
        status = text_of(screen, "#mtu-status")
        assert "set HQ: 14 pairs in" in status and "6 skipped" in status
        cells = shown_cells(screen)
        assert len(cells) == 20 and cells.count("skip") == 6
        column = list(screen.matrix.columns).index(
            next(k for k in screen.matrix.columns if k.value == "vmk1 -> esx-witness-01")
        )
        row = list(screen.matrix.rows).index(
            next(k for k in screen.matrix.rows if k.value == "esx-hq-01")
        )
        screen.matrix.move_cursor(row=row, column=column)
        await pilot.pause()
        assert "another netstack" in text_of(screen, "#mtu-detail")


async def test_slash_filters_the_matrix_rows_and_escape_clears_it(
    lab, tmp_path, monkeypatch
) -> None:
    async with mtu_pane(lab, tmp_path, monkeypatch) as (pilot, screen, store):
        assert screen.matrix.row_count == 2
        await pilot.press("slash", *"akl-02")
        await pilot.pause()
        assert [str(k.value) for k in screen.matrix.rows] == ["esx-akl-02"]
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert screen.matrix.row_count == 2
        assert pilot.app.screen is screen  # esc cleared the filter, it did not leave the pane


async def test_d_deletes_a_saved_pair_after_confirmation(lab, tmp_path, monkeypatch) -> None:
    async with mtu_pane(lab, tmp_path, monkeypatch) as (pilot, screen, store):
        assert "set AKL (8 pairs)" in text_of(screen, "#mtu-scope")
        screen.matrix.move_cursor(row=0, column=1)  # vmk0 -> vcsa01
        await pilot.press("d")
        await pilot.pause()
        dialog = pilot.app.screen
        assert dialog is not screen
        dialog.query_one("#cancel", Button).press()
        await pilot.pause()
        assert "set AKL (8 pairs)" in text_of(screen, "#mtu-scope")
        await delete_confirmed(pilot, "d")
        assert "set AKL (6 pairs)" in text_of(screen, "#mtu-scope")
        assert "vmk0 -> vcsa01" not in [str(k.value) for k in screen.matrix.columns]
        assert "Deleted" in text_of(screen, "#mtu-status")
    assert all(t.target != "vcsa01" for t in store.get_set("AKL").tests)


async def test_n_renames_the_set_and_capital_d_deletes_it_after_confirmation(
    lab, tmp_path, monkeypatch
) -> None:
    async with mtu_pane(lab, tmp_path, monkeypatch) as (pilot, screen, store):
        await pilot.press("n")
        box = screen.query_one("#mtu-add", Input)
        assert box.display and box.value == "AKL"
        box.value = "bad name!"
        await pilot.press("enter")
        await pilot.pause()
        assert "set name: 'bad name!' is not accepted" in text_of(screen, "#mtu-status")
        box.value = "Auckland"
        await pilot.press("enter")
        await pilot.pause()
        assert not box.display
        assert "set Auckland (8 pairs) - sets: Auckland, HQ, WLG" in text_of(screen, "#mtu-scope")
        await delete_confirmed(pilot, "D")
        assert "sets: HQ, WLG" in text_of(screen, "#mtu-scope")
    assert [s.name for s in store.sets()] == ["HQ", "WLG"]


async def test_read_only_hides_and_refuses_the_edit_keys(lab, tmp_path, monkeypatch) -> None:
    async with mtu_pane(lab, tmp_path, monkeypatch, read_only=True) as (pilot, screen, store):
        shown = {b.binding.key for b in screen.active_bindings.values() if b.enabled}
        assert not shown & {"a", "d", "n", "D"}
        screen.matrix.move_cursor(row=0, column=1)
        await pilot.press("d", "D", "n")
        await pilot.pause()
        assert pilot.app.screen is screen and not screen.query_one("#mtu-add", Input).display
    assert len(store.get_set("AKL").tests) == 4


async def test_e_edits_a_saved_pair_and_a_refused_edit_changes_nothing(
    lab: EsxiLab, tmp_path: Path, monkeypatch
) -> None:
    app, store = mtu_console(lab, tmp_path, monkeypatch)
    address = store.addresses()["vcsa01"]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        screen.matrix.move_cursor(row=0, column=1)  # vmk0 -> vcsa01, saved as `*`
        await pilot.press("e")
        box = screen.query_one("#mtu-add", Input)
        assert box.display and box.value == "* vmk0 vcsa01"
        box.value = "* vmk7 vcsa01"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Not saved" in text_of(screen, "#mtu-status"), "refusal")
        assert store.get_set("AKL").tests == seed_set().tests
        box.value = f"* vmk0 {address}"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "pairs in" in text_of(screen, "#mtu-status"), "edit ran")
        assert "set AKL (8 pairs)" in text_of(screen, "#mtu-scope")
        assert f"vmk0 -> {address}" in [str(k.value) for k in screen.matrix.columns]
        assert cell(screen, "esx-akl-01", f"vmk0 -> {address}") == "1400"
    targets = [t.target for t in store.get_set("AKL").tests]
    assert address in targets and "vcsa01" not in targets and len(targets) == 4


def seed_set():  # type: ignore[no-untyped-def]
    from vconsole.services.mtu_store import sets_from_scenario

    return next(s for s in sets_from_scenario(default_scenario())[0] if s.name == "AKL")
