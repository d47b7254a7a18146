"""What is written is what the admin reviewed: confirm before writing, and saved plans.

Against the lab's Cloud Director: `set`, `restore` and `reset` print the diff and ask (no
terminal and no `--yes`: nothing is sent); `set --dry-run --plan FILE` saves the reviewed plan
and `set --plan FILE` applies it only while the server still holds the state it was based on.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest

from tests import test_branding_cli
from tests.test_branding_cli import run, server_branding, writes
from tests.vcd_helpers import login
from vconsole.lab.vcd import VcdLab

lab = test_branding_cli.lab  # the lab's Cloud Director with an own-branded tenant


class Terminal(io.StringIO):
    """Standard input that is a terminal with the admin's typed answer on it."""

    def isatty(self) -> bool:
        return True


def test_set_without_a_terminal_or_yes_sends_nothing(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.json").write_text(json.dumps({"portalName": "New"}))
    assert run(tmp_path, lab, "branding", "set", str(tmp_path / "b.json")) == 2
    captured = capsys.readouterr()
    assert '~ portalName: "VMware Cloud Director" -> "New"' in captured.out
    assert "--yes" in captured.err and writes(lab) == []


@pytest.mark.parametrize(
    ("argv", "scope"),
    [
        (["reset", "--tenant", "acme"], "acme"),
        (["set", "{file}", "--tenant", "acme"], "acme"),
    ],
)
def test_the_admin_sees_the_diff_and_can_say_no(
    tmp_path: Path,
    lab: VcdLab,
    argv: list[str],
    scope: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "b.json").write_text(json.dumps({"portalName": "New"}))
    words = [w.replace("{file}", str(tmp_path / "b.json")) for w in argv]
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    before = server_branding(lab, scope)
    assert run(tmp_path, lab, "branding", *words) == 1
    captured = capsys.readouterr()
    assert '~ portalName: "ACME Cloud" -> ' in captured.out and "[y/N]" in captured.out
    assert "not confirmed; nothing was sent" in captured.err
    assert writes(lab) == [] and server_branding(lab, scope) == before
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    assert run(tmp_path, lab, "branding", *words) == 0
    assert server_branding(lab, scope) != before


def test_restore_asks_too(
    tmp_path: Path, lab: VcdLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.json").write_text(json.dumps({"portalName": "New"}))
    assert run(tmp_path, lab, "branding", "set", str(tmp_path / "b.json"), "--yes") == 0
    backup = next(
        line for line in capsys.readouterr().out.splitlines() if line.startswith("backup:")
    )
    monkeypatch.setattr("sys.stdin", Terminal(""))  # end of input answers no
    lab.clear_request_log()
    assert run(tmp_path, lab, "branding", "restore", backup.split(" ", 1)[1]) == 1
    out = capsys.readouterr().out
    assert '~ portalName: "New" -> "VMware Cloud Director"' in out
    assert writes(lab) == [] and server_branding(lab)["portalName"] == "New"


def test_a_saved_plan_applies_only_to_the_state_it_was_based_on(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.json").write_text(json.dumps({"portalName": "Reviewed"}))
    plan = tmp_path / "plan.json"
    assert (
        run(tmp_path, lab, "branding", "set", str(tmp_path / "b.json"), "--tenant", "acme",
            "--dry-run", "--plan", str(plan))
        == 0
    )  # fmt: skip
    assert "plan saved" in capsys.readouterr().out and writes(lab) == []
    # someone else changes the tenant after the review
    theirs = dict(server_branding(lab, "acme"), portalColor="#00FF00")
    with httpx.Client(base_url=lab.url, verify=False) as http:
        http.put("/cloudapi/branding/tenant/acme", headers=login(lab), json=theirs)
    lab.clear_request_log()
    assert run(tmp_path, lab, "branding", "set", "--plan", str(plan), "--yes") == 1
    err = capsys.readouterr().err
    assert "changed by someone else" in err and "#AA0000 -> #00FF00" in err
    assert writes(lab) == [] and server_branding(lab, "acme")["portalColor"] == "#00FF00"
    # reviewed again on the new state, the plan goes through and writes exactly that
    assert (
        run(tmp_path, lab, "branding", "set", str(tmp_path / "b.json"), "--tenant", "acme",
            "--dry-run", "--plan", str(plan))
        == 0
    )  # fmt: skip
    assert run(tmp_path, lab, "branding", "set", "--plan", str(plan), "--yes") == 0
    stored = server_branding(lab, "acme")
    assert (stored["portalName"], stored["portalColor"]) == ("Reviewed", "#00FF00")
    assert writes(lab) == ["PUT /cloudapi/branding/tenant/acme"]


def test_a_plan_for_another_scope_or_a_broken_plan_is_refused(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.json").write_text(json.dumps({"portalName": "Reviewed"}))
    plan = tmp_path / "plan.json"
    argv = ["branding", "set", str(tmp_path / "b.json"), "--dry-run", "--plan", str(plan)]
    assert run(tmp_path, lab, *argv) == 0
    assert run(tmp_path, lab, "branding", "set", "--plan", str(plan), "--tenant", "acme") == 2
    assert "the plan is for system, not tenant acme" in capsys.readouterr().err
    plan.write_text("{")
    assert run(tmp_path, lab, "branding", "set", "--plan", str(plan), "--yes") == 2
    assert "not a JSON plan file" in capsys.readouterr().err
    assert writes(lab) == []
