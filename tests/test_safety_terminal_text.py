"""Terminal text: what came from a server, a capture or a file is shown, never obeyed.

`visible` is the one function every text output goes through; here it is checked as a property,
then end to end: a hostile portal name on the lab's Cloud Director in `branding get` and in the
diff of `branding set` (JSON keeps the exact value), a hostile LACP partner id from a replay capture
in the TUI's LACP table and in `vconsole lacp` text output.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lacp_helpers import port, stats, status, write_lacp_capture
from rich.text import Text
from shell_helpers import console, isolate_dirs

from tests import test_branding_cli
from tests.test_branding_cli import run
from tests.vcd_helpers import login
from vconsole.cli import main
from vconsole.config import Profile, TargetConfig
from vconsole.lab.vcd import VcdLab
from vconsole.textsafe import is_clean, visible

lab = test_branding_cli.lab  # the lab's Cloud Director with an own-branded tenant

HOSTILE = "Evil\x1b]0;owned\x07\x1b[2J[bold red]X[/]\r\n  ~ portalColor: #000000 -> #FFFFFF\u202egnp.exe\x00"
BIDI_CONTROLS = ("LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI")


@settings(max_examples=200)
@given(st.text())
def test_visible_leaves_no_control_bidi_or_line_break(text: str) -> None:
    shown = visible(text)
    assert is_clean(shown)
    assert not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in shown)
    assert not any(unicodedata.bidirectional(c) in BIDI_CONTROLS for c in shown)
    lines = visible(text, keep_newlines=True).split("\n")
    assert len(lines) == text.count("\n") + 1


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_plain_printable_text_is_unchanged(text: str) -> None:
    assert visible(text) == text


def put_system(lab: VcdLab, name: str, link: str = "Docs") -> None:
    body = {"portalName": name, "portalColor": None, "customLinks": [
        {"menuItemType": "link", "name": link, "url": "https://docs.example/"}]}  # fmt: skip
    with httpx.Client(base_url=lab.url, verify=False) as http:
        http.put("/cloudapi/branding", headers=login(lab), json=body).raise_for_status()


def test_branding_text_shows_hostile_names_and_json_keeps_them(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    put_system(lab, HOSTILE, link="Docs\n    Fake <https://evil.example/>")
    assert run(tmp_path, lab, "branding", "get") == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "\u202e" not in out and "\x00" not in out
    assert "portalName   Evil\\x1b]0;owned\\x07\\x1b[2J[bold red]X[/]\\r\\n" in out
    assert not any(line.startswith("  ~ portalColor") for line in out.splitlines())
    assert not any(line.startswith("    Fake") for line in out.splitlines())
    assert run(tmp_path, lab, "branding", "get", "--json") == 0
    assert json.loads(capsys.readouterr().out)["portalName"] == HOSTILE


def test_the_branding_pane_title_shows_a_hostile_org_name_and_stays_bold() -> None:
    from screens.branding_render import scope_title

    title = scope_title(None, HOSTILE, edited=False)
    assert title.plain == visible(HOSTILE) and is_clean(title.plain)
    assert "bold" in str(title.style) and "bold" in str(scope_title(None, None, False).style)


def test_a_newline_in_a_name_never_forges_a_diff_line(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    put_system(lab, HOSTILE)
    (tmp_path / "b.json").write_text(json.dumps({"portalName": "Clean"}))
    assert run(tmp_path, lab, "branding", "set", str(tmp_path / "b.json"), "--dry-run") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Changes to system:"
    changes = [line for line in lines[1:] if line.startswith("  ")]
    assert len(changes) == 1 and changes[0].startswith('  ~ portalName: "Evil\\x1b')
    assert changes[0].endswith('-> "Clean"')


PARTNER = "00:23[red]X[/red]\x1b]0;pwn\x07\u202e"


def hostile_lacp_profile(tmp: Path) -> Profile:
    capture = write_lacp_capture(
        tmp / "esx01.json",
        "esx01",
        status(port("vmnic2", partner=PARTNER)),
        stats([("vmnic2", 40, 41)]),
    )
    return Profile("lab", (TargetConfig("esx01", "replay", file=str(capture)),), source=tmp / "c")


async def test_the_tui_table_shows_server_text_without_markup_or_controls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_dirs(monkeypatch, tmp_path)
    app = console(tmp_path, hostile_lacp_profile(tmp_path), start_pane="lag")
    async with app.run_test(size=(120, 24)) as pilot:
        screen = app.screen
        for _ in range(100):
            await pilot.pause(0.05)
            if screen.report is not None and screen.table.row_count:
                break
        table = screen.table
        row = table.get_row_index(next(k for k in table.visible_keys if k.startswith("esx01")))
        shown = [
            cell
            for column in range(len(table.columns))
            if "00:23" in (cell := table._get_row_renderables(row).cells[column]).plain  # type: ignore[union-attr]
        ]
        assert shown, table.get_row_at(row)
        cell = shown[0]
        assert isinstance(cell, Text) and cell.plain == visible(PARTNER)
        assert not cell.spans  # `[red]` was not taken as markup


def test_cli_tables_show_server_text_visibly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    capture = hostile_lacp_profile(tmp_path).targets[0].file
    assert main(["analyze", str(capture), "--pane", "lacp"]) in (0, 1)
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "00:23[red]X[/red]\\x1b]0;pwn\\x07" in out
    config = tmp_path / "config.toml"
    config.write_text(
        f'default_profile = "p"\n[[profiles.p.targets]]\nname = "esx01"\nkind = "replay"\n'
        f'file = "{capture}"\n'
    )
    assert main(["--config", str(config), "lacp"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b]0;pwn\\x07\\u202e" in out
    assert main(["--config", str(config), "lacp", "--json"]) == 0
    assert PARTNER in {row["partner_device_id"] for row in json.loads(capsys.readouterr().out)}


async def test_the_inventory_table_draws_vm_names_without_controls() -> None:
    """The virtual inventory table writes cells as raw segments: they must arrive defused."""
    from textual.app import App, ComposeResult

    from screens.inventory_table import TableColumn, TableRow, VirtualTable

    name = "web\x1b]8;;http://evil.example\x07-01\u202e\r\n"

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield VirtualTable([TableColumn("name", "Name", max_width=60)], id="t")

    app = One()
    async with app.run_test(size=(80, 6)) as pilot:
        table = app.query_one(VirtualTable)
        table.replace({"vm-1": TableRow((name,), (name,), name.lower())})
        await pilot.pause()
        drawn = "".join(seg.text for seg in table.render_line(1))
        assert "web\\x1b]8;;http:" in drawn and "\x1b" not in drawn and "\u202e" not in drawn
        assert table.cell_text() == name  # what `y` copies is the exact value
