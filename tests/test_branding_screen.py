"""Pilot tests of the Branding pane at 80x24 against the lab's Cloud Director."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.shell_helpers import console
from tests.vcd_helpers import lab_with_acme_branding, login, vcd_target
from vconsole.config import Profile
from vconsole.lab.vcd import VcdLab

SIZE = (80, 24)
ACME_OWN = {
    "portalName": "ACME Cloud",
    "portalColor": "#AA0000",
    "selectedTheme": {"themeType": "BUILT_IN", "name": "Dark"},
    "customLinks": [
        {"name": "about", "menuItemType": "override", "url": "https://acme.example/about"},
        {"name": "Support", "menuItemType": "section"},
        {"name": "Help Desk", "menuItemType": "link", "url": "https://acme.example/desk"},
    ],
}


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[VcdLab]:
    server = lab_with_acme_branding(tmp_path, monkeypatch, ACME_OWN)
    yield server
    server.stop()


def app_for(tmp: Path, lab: VcdLab, read_only: bool = False):  # type: ignore[no-untyped-def]
    profile = Profile("lab", (vcd_target(lab),), source=tmp / "config.toml")
    return console(tmp, profile, start_pane="conn", read_only=read_only)


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    from textual.widgets import Static

    from widgets.links_tree import LinksTree

    parts = [str(w.render()) for w in app.screen.query(Static)]
    for tree in app.screen.query(LinksTree):
        parts += [str(line.node.label) for line in tree._tree_lines]
    return "\n".join(parts)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Open the pane the way an admin does (`:brand`) on first use; wait for its workers."""
    if type(pilot.app.screen).__name__ == "ConnectionsScreen":
        await pilot.pause()
        assert pilot.app.jump("brand")
        await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@contextlib.asynccontextmanager
async def settled_pane(tmp_path: Path, lab: VcdLab, **kwargs: Any) -> AsyncIterator[Any]:
    """The Branding pane at 80x24 once its first reads are done: the pilot and the app."""
    app = app_for(tmp_path, lab, **kwargs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        yield pilot, app


async def write_confirmed(pilot) -> None:  # type: ignore[no-untyped-def]
    """Write the edits (w) and confirm the diff (y), letting each step finish."""
    for key in ("w", "y"):
        await pilot.press(key)
        await settle(pilot)


def server_branding(lab: VcdLab, tenant: str) -> dict:
    with httpx.Client(base_url=lab.url, verify=False) as http:
        return http.get(f"/cloudapi/branding/tenant/{tenant}", headers=login(lab)).json()


async def test_system_and_tenant_side_by_side_with_the_portal_menus(
    tmp_path: Path, lab: VcdLab
) -> None:
    async with settled_pane(tmp_path, lab) as (pilot, app):
        text = screen_text(app)
        assert "System" in text and "acme  own" in text
        assert "ACME Cloud" in text and "VMware Cloud Director" in text
        assert (
            "? menu" in text and "User menu" in text and "Support" in text and "Help Desk" in text
        )
        assert "vcd01 API 37.2 - tenant 1/2: acme" in text
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "globex  inherited from system" in screen_text(app)


async def test_edit_diff_confirm_write_keeps_tenant_values_and_backs_up(
    tmp_path: Path, lab: VcdLab
) -> None:
    async with settled_pane(tmp_path, lab) as (pilot, app):
        await pilot.press("tab")  # the tenant side
        assert app.screen.side() == "tenant"
        await pilot.press("n")
        await pilot.press("end", "ctrl+u", *"ACME Portal", "enter")
        await pilot.pause()
        assert "*edited" in screen_text(app)
        await pilot.press("w")
        await settle(pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "DiffConfirm"
        assert '~ portalName: "ACME Cloud" -> "ACME Portal"' in dialog.text
        assert "portalColor" not in dialog.text
        await pilot.press("y")
        await settle(pilot)
    stored = server_branding(lab, "acme")
    assert stored["portalName"] == "ACME Portal"
    assert stored["portalColor"] == "#AA0000" and len(stored["customLinks"]) == 3
    backups = list((tmp_path / "state" / "backups").rglob("*.json"))
    assert (
        len(backups) == 1
        and json.loads(backups[0].read_text())["branding"]["portalName"] == "ACME Cloud"
    )


async def test_links_are_added_reordered_and_bad_urls_refused(tmp_path: Path, lab: VcdLab) -> None:
    async with settled_pane(tmp_path, lab) as (pilot, app):
        await pilot.press("tab")
        screen = app.screen
        tree = screen.links_tree("tenant")
        assert tree.selected_index == 0
        await pilot.press("down", "down")  # past the "User menu" heading to Support
        await pilot.press("a", *"Docs", "tab", *"ftp://docs", "enter")
        await pilot.pause()
        assert "scheme 'ftp'" in str(app.screen.query_one("#item-error").render())
        await pilot.press("end", "ctrl+u", *"https://docs.acme.example/", "enter")
        await pilot.pause()
        draft = screen.draft("acme")
        assert [m.name for m in draft.links] == ["about", "Support", "Docs", "Help Desk"]
        assert tree.selected_index == 2
        await pilot.press("K")
        assert [m.name for m in screen.draft("acme").links] == [
            "about",
            "Docs",
            "Support",
            "Help Desk",
        ]
        await pilot.press("minus")
        assert screen.draft("acme").links[2].kind == "separator"
        await pilot.press("d")
        assert len(screen.draft("acme").links) == 4


async def test_read_only_refuses_writes_before_any_request(tmp_path: Path, lab: VcdLab) -> None:
    async with settled_pane(tmp_path, lab, read_only=True) as (pilot, app):
        assert "READ-ONLY" in screen_text(app)
        screen = app.screen
        # read-only: the editing and writing keys are not offered, and do nothing
        for action in ("write", "edit_name", "add", "revert_tenant", "restore"):
            assert screen.check_action(action, ()) is False
        seen = len(lab.requests)
        await pilot.press("tab", "n")
        await pilot.press("w")
        await settle(pilot)
        assert app.screen is screen
        assert len(lab.requests) == seen
    assert server_branding(lab, "acme")["portalName"] == "ACME Cloud"


async def test_server_error_keeps_the_edit_for_a_retry(tmp_path: Path, lab: VcdLab) -> None:
    async with settled_pane(tmp_path, lab) as (pilot, app):
        await pilot.press("tab", "c", "end", "ctrl+u", *"#123456", "enter")
        await pilot.pause()
        lab.inject_fault(503)
        await write_confirmed(pilot)
        screen = app.screen
        assert screen.draft("acme").portal_color == "#123456" and screen.edited("acme")
        assert "Not written: HTTP 503" in screen_text(app)
        await write_confirmed(pilot)
        assert not app.screen.edited("acme")
    assert server_branding(lab, "acme")["portalColor"] == "#123456"


async def test_concurrent_change_is_refused_and_shown(tmp_path: Path, lab: VcdLab) -> None:
    async with settled_pane(tmp_path, lab) as (pilot, app):
        await pilot.press("tab", "n", "end", "ctrl+u", *"Mine", "enter")
        await pilot.press("w")
        await settle(pilot)
        with httpx.Client(base_url=lab.url, verify=False) as http:
            theirs = dict(ACME_OWN, portalName="Theirs")
            http.put(
                "/cloudapi/branding/tenant/acme", headers=login(lab), json=theirs
            ).raise_for_status()
        await pilot.press("y")
        await settle(pilot)
        assert type(app.screen).__name__ == "TextView"
        assert '"ACME Cloud" -> "Theirs"' in app.screen.text
    assert server_branding(lab, "acme")["portalName"] == "Theirs"


async def test_revert_tenant_asks_then_deletes(tmp_path: Path, lab: VcdLab) -> None:
    async with settled_pane(tmp_path, lab) as (pilot, app):
        await pilot.press("tab", "D")
        await pilot.pause()
        assert type(app.screen).__name__ == "DiffConfirm"
        await pilot.press("escape")
        assert server_branding(lab, "acme")["portalName"] == "ACME Cloud"
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert "acme  inherited from system" in screen_text(app)
    assert server_branding(lab, "acme")["portalName"] == "VMware Cloud Director"


async def test_change_on_the_server_after_load_is_refused_at_w(tmp_path: Path, lab: VcdLab) -> None:
    async with settled_pane(tmp_path, lab) as (pilot, app):
        with httpx.Client(base_url=lab.url, verify=False) as http:
            theirs = dict(ACME_OWN, portalColor="#00FF00")
            http.put(
                "/cloudapi/branding/tenant/acme", headers=login(lab), json=theirs
            ).raise_for_status()
        await pilot.press("tab", "n", "end", "ctrl+u", *"Mine", "enter", "w")
        await settle(pilot)
        assert type(app.screen).__name__ == "TextView"
        assert "portalColor: #AA0000 -> #00FF00" in app.screen.text
        await pilot.press("escape")
        assert app.screen.draft("acme").portal_name == "Mine"
    assert server_branding(lab, "acme")["portalColor"] == "#00FF00"


async def test_restore_a_backup_from_the_pane(tmp_path: Path, lab: VcdLab) -> None:
    async with settled_pane(tmp_path, lab) as (pilot, app):
        await pilot.press("tab", "n", "end", "ctrl+u", *"Changed", "enter", "w")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert server_branding(lab, "acme")["portalName"] == "Changed"
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "DiffConfirm"
        assert '"Changed" -> "ACME Cloud"' in app.screen.text
        await pilot.press("y")
        await settle(pilot)
    assert server_branding(lab, "acme")["portalName"] == "ACME Cloud"


async def test_export_then_import_a_file_and_a_missing_file_changes_nothing(
    tmp_path: Path, lab: VcdLab
) -> None:
    saved = tmp_path / "out" / "acme.json"
    async with settled_pane(tmp_path, lab) as (pilot, app):
        await pilot.press("tab", "e")
        await pilot.pause()
        await pilot.press("end", "ctrl+u", *str(saved), "enter")
        await pilot.pause()
        exported = json.loads(saved.read_text(encoding="utf-8"))
        assert exported["portalName"] == "ACME Cloud"
        saved.write_text(json.dumps(dict(exported, portalName="From File")), encoding="utf-8")
        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*str(tmp_path / "missing.json"), "enter")
        await pilot.pause()
        assert app.screen.draft("acme").portal_name == "ACME Cloud"
        assert any("missing.json" in n.message for n in app._notifications)
        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*str(saved), "enter")
        await pilot.pause()
        assert app.screen.draft("acme").portal_name == "From File"
    assert server_branding(lab, "acme")["portalName"] == "ACME Cloud"  # nothing was written
