"""`vconsole branding get|set|restore|reset` against the lab's Cloud Director."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_branding_input import REFERENCE_EXAMPLE
from tests.vcd_helpers import client, lab_with_acme_branding, login, write_config
from vconsole.cli import main
from vconsole.lab.vcd import VcdLab

ACME_OWN = {
    "portalName": "ACME Cloud",
    "portalColor": "#AA0000",
    "selectedTheme": {"themeType": "BUILT_IN", "name": "Dark"},
    "customLinks": [],
}


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[VcdLab]:
    server = lab_with_acme_branding(tmp_path, monkeypatch, ACME_OWN)
    with client(server) as http:
        http.post(
            "/cloudapi/branding/themes",
            headers=login(server),
            json={"themeType": "CUSTOM", "name": "MyCloud"},
        ).raise_for_status()
    server.clear_request_log()
    yield server
    server.stop()


def run(tmp: Path, lab: VcdLab, *argv: str) -> int:
    return main(["--config", str(write_config(tmp, lab)), *argv])


def server_branding(lab: VcdLab, tenant: str | None = None) -> dict:
    path = "/cloudapi/branding" + (f"/tenant/{tenant}" if tenant else "")
    with httpx.Client(base_url=lab.url, verify=False) as http:
        return http.get(path, headers=login(lab)).json()


def writes(lab: VcdLab) -> list[str]:
    return [
        r
        for r in lab.requests
        if not r.startswith("GET") and "/sessions" not in r and r != "DELETE /api/session"
    ]


def test_get_text_marks_inherited_and_json_is_importable(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, lab, "branding", "get", "--all") == 0
    out = capsys.readouterr().out
    assert "tenant acme (own)" in out and "tenant globex (inherited from system)" in out
    assert "help     (VMware default)" in out and "[API 37.2]" in out
    assert run(tmp_path, lab, "branding", "get", "--tenant", "acme", "--json") == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["portalName"] == "ACME Cloud" and exported["portalColor"] == "#AA0000"
    (tmp_path / "acme.json").write_text(json.dumps(exported))
    assert (
        run(tmp_path, lab, "branding", "set", str(tmp_path / "acme.json"), "--tenant", "acme") == 0
    )
    out = capsys.readouterr().out
    assert "Changes to tenant acme: none" in out and "nothing to change" in out
    assert writes(lab) == []


def test_set_dry_run_prints_the_diff_and_sends_nothing(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.json").write_text(json.dumps(REFERENCE_EXAMPLE))
    before = server_branding(lab, "globex")
    argv = ["set", str(tmp_path / "b.json"), "--tenant", "globex", "--dry-run"]
    assert run(tmp_path, lab, "branding", *argv) == 0
    out = capsys.readouterr().out
    assert '~ portalName: "VMware Cloud Director" -> "My Cloud Portal"' in out
    assert '+ customLinks[1]: section "Support"' in out
    assert "dry run: nothing was sent" in out and "backup:" not in out
    assert writes(lab) == []
    assert server_branding(lab, "globex") == before
    assert not (tmp_path / "state" / "backups").exists()


def test_set_writes_saves_a_backup_and_restore_puts_it_back(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "links.json").write_text(
        json.dumps({"customLinks": REFERENCE_EXAMPLE["customLinks"]})
    )
    argv = ["set", str(tmp_path / "links.json"), "--tenant", "acme", "--yes"]
    assert run(tmp_path, lab, "branding", *argv) == 0
    out = capsys.readouterr().out
    backup = Path(re.search(r"^backup: (.+)$", out, re.M).group(1))
    assert backup.exists() and backup.is_relative_to(tmp_path / "state" / "backups")
    stored = server_branding(lab, "acme")
    # The tenant's own values stay (the PowerShell module would copy the system's here).
    assert (stored["portalName"], stored["portalColor"]) == ("ACME Cloud", "#AA0000")
    assert len(stored["customLinks"]) == 9
    assert writes(lab) == ["PUT /cloudapi/branding/tenant/acme"]
    assert run(tmp_path, lab, "branding", "restore", str(backup), "--yes") == 0
    out = capsys.readouterr().out
    assert f"restored tenant acme from {backup}" in out and "backup: " in out
    assert server_branding(lab, "acme")["customLinks"] == []


def test_reset_reverts_the_tenant_to_system_branding(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, lab, "branding", "reset", "--tenant", "acme") == 2
    assert "pass --yes" in capsys.readouterr().err
    assert run(tmp_path, lab, "branding", "reset", "--tenant", "acme", "--yes") == 0
    out = capsys.readouterr().out
    assert "tenant acme now uses the system branding (HTTP 204)" in out and "backup: " in out
    assert server_branding(lab, "acme") == server_branding(lab)


def test_bad_input_names_the_item_and_sends_nothing(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = {
        "customLinks": [
            {"menuItemType": "section", "name": "S"},
            {"menuItemType": "link", "name": "Docs"},
        ]
    }
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    seen = len(lab.requests)
    assert run(tmp_path, lab, "branding", "set", str(tmp_path / "bad.json")) == 2
    err = capsys.readouterr().err
    assert (
        'customLinks[1] (item 2, link "Docs"): a link needs a url' in err
        and "nothing was sent" in err
    )
    (tmp_path / "broken.json").write_text('{"portalName": ')
    assert run(tmp_path, lab, "branding", "set", str(tmp_path / "broken.json")) == 2
    assert "line 1 column 16: invalid JSON" in capsys.readouterr().err
    assert len(lab.requests) == seen


def test_readonly_refuses_set_reset_and_restore_before_any_request(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.json").write_text(json.dumps({"portalName": "x"}))
    seen = len(lab.requests)
    assert run(tmp_path, lab, "--readonly", "branding", "set", str(tmp_path / "b.json")) == 3
    assert "Read-only" in capsys.readouterr().err
    assert run(tmp_path, lab, "--readonly", "branding", "reset", "--tenant", "acme", "--yes") == 3
    assert len(lab.requests) == seen
    assert (
        run(tmp_path, lab, "--readonly", "branding", "set", str(tmp_path / "b.json"), "--dry-run")
        == 0
    )


def test_server_4xx_and_5xx_are_reported_verbatim(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.json").write_text(json.dumps({"portalName": "x"}))
    lab.inject_fault(503)
    assert run(tmp_path, lab, "branding", "set", str(tmp_path / "b.json"), "--yes") == 1
    err = capsys.readouterr().err
    assert "HTTP 503 SERVICE_UNAVAILABLE" in err and "retry later" in err
    assert server_branding(lab)["portalName"] == "VMware Cloud Director"
    assert run(tmp_path, lab, "branding", "get", "--tenant", "initech") == 1
    err = capsys.readouterr().err
    assert (
        "HTTP 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN: [ " in err
        and "Organization 'initech' does not exist." in err
    )
