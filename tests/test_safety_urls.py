"""URL building: a tenant name or id is one encoded path segment, never path syntax.

Against the lab's Cloud Director: hostile `--tenant` values are refused before any request
(the old code PUT `x/../..` to the system branding), and every write the console backs up can
be undone by `restore`, leaving the server as it was.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import test_branding_cli
from tests.test_branding_cli import run, server_branding, writes
from vconsole.api_path import join, org_name
from vconsole.errors import InvalidToken
from vconsole.lab.vcd import VcdLab

HOSTILE_TENANTS = [
    "x/../..",
    "globex/../acme",
    "..",
    ".",
    "acme/logo",
    "acme?x=1",
    "acme#frag",
    "acme%2F..",
    "acme\nglobex",
    "acme ",
    "",
    "a" * 129,
]

lab = test_branding_cli.lab  # the lab's Cloud Director with an own-branded tenant


@pytest.mark.parametrize("tenant", HOSTILE_TENANTS)
def test_hostile_tenant_on_set_is_refused_before_any_request(
    tmp_path: Path, lab: VcdLab, tenant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    system_before = server_branding(lab)
    (tmp_path / "b.json").write_text(json.dumps({"portalName": "Hijacked"}))
    seen = len(lab.requests)
    code = run(
        tmp_path, lab, "branding", "set", str(tmp_path / "b.json"), "--tenant", tenant, "--yes"
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "--tenant" in err and "organization name" in err and "Traceback" not in err
    assert len(lab.requests) == seen and writes(lab) == []
    assert server_branding(lab) == system_before


def test_a_name_that_walks_to_another_org_does_not_read_it(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, lab, "branding", "get", "--tenant", "globex/../acme", "--json") == 2
    assert "ACME Cloud" not in capsys.readouterr().out
    assert not any("acme" in r for r in lab.requests)
    assert run(tmp_path, lab, "branding", "reset", "--tenant", "acme/..", "--yes") == 2
    assert writes(lab) == []


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_every_value_is_one_segment_as_httpx_sends_it(value: str) -> None:
    try:
        path = join("/cloudapi/branding/tenant", ("tenant", value), "logo")
    except InvalidToken as exc:
        assert value in (".", "..") or re.search(r"[\x00-\x1f\x7f-\x9f]", value)
        assert exc.field == "tenant"
        return
    url = httpx.Client(base_url="https://vcd.example:443").build_request("GET", path).url
    segments = url.raw_path.decode("ascii").split("/")
    assert segments[:4] == ["", "cloudapi", "branding", "tenant"] and segments[5] == "logo"
    assert len(segments) == 6 and not url.query and not url.fragment
    assert httpx.URL("https://h/" + segments[4]).path == "/" + value


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=20))
def test_org_names_are_tokens_without_path_syntax(value: str) -> None:
    try:
        name = org_name(value)
    except InvalidToken as exc:
        assert exc.field == "tenant" and "organization name" in str(exc)
        return
    assert name == value and "/" not in name and name not in (".", "..")
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name)


def _backup_from(out: str) -> Path:
    match = re.search(r"^backup: (.+)$", out, re.M)
    assert match, out
    return Path(match.group(1))


@pytest.mark.parametrize(
    ("tenant", "change"),
    [
        (None, {"portalName": "Changed", "portalColor": "#123456"}),
        ("acme", {"portalName": "ACME changed"}),  # a tenant with its own branding
        ("globex", {"portalName": "Globex own"}),  # an inheriting tenant gets its own
    ],
)
def test_restore_undoes_each_set(
    tmp_path: Path,
    lab: VcdLab,
    tenant: str | None,
    change: dict,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before_system, before_scope = server_branding(lab), server_branding(lab, tenant)
    (tmp_path / "c.json").write_text(json.dumps(change))
    scope = ["--tenant", tenant] if tenant else []
    assert run(tmp_path, lab, "branding", "set", str(tmp_path / "c.json"), *scope, "--yes") == 0
    backup = _backup_from(capsys.readouterr().out)
    assert server_branding(lab, tenant) != before_scope
    assert run(tmp_path, lab, "branding", "restore", str(backup), "--yes") == 0
    assert server_branding(lab, tenant) == before_scope
    assert server_branding(lab) == before_system
    capsys.readouterr()
    assert run(tmp_path, lab, "branding", "get", "--all") == 0
    out = capsys.readouterr().out
    assert "tenant acme (own)" in out and "tenant globex (inherited from system)" in out


def test_restore_undoes_a_reset(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    before = server_branding(lab, "acme")
    assert run(tmp_path, lab, "branding", "reset", "--tenant", "acme", "--yes") == 0
    backup = _backup_from(capsys.readouterr().out)
    assert server_branding(lab, "acme") == server_branding(lab)
    assert run(tmp_path, lab, "branding", "restore", str(backup), "--yes") == 0
    assert server_branding(lab, "acme") == before


def test_a_backup_naming_a_hostile_tenant_is_refused(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.json").write_text(json.dumps({"portalName": "x"}))
    assert (
        run(tmp_path, lab, "branding", "set", str(tmp_path / "b.json"), "--tenant", "acme", "--yes")
        == 0
    )
    backup = _backup_from(capsys.readouterr().out)
    doc = json.loads(backup.read_text())
    doc["tenant"] = "x/../.."
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc))
    system_before = server_branding(lab)
    seen = len(lab.requests)
    assert run(tmp_path, lab, "branding", "restore", str(forged), "--yes") == 2
    assert "organization name" in capsys.readouterr().err
    assert len(lab.requests) == seen and server_branding(lab) == system_before


XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=20,
)


@settings(max_examples=80, deadline=None)
@given(XML_TEXT, XML_TEXT)
def test_a_managed_object_id_stays_data_in_a_vcenter_request(kind: str, moid: str) -> None:
    """vCenter is spoken to at the fixed `/sdk` URL; ids travel in the SOAP body, escaped."""
    import xml.etree.ElementTree as ET

    from vconsole.vim.soap import MoRef, _moref

    element = ET.fromstring(_moref("_this", MoRef(kind, moid)))
    assert element.tag == "_this" and list(element) == []
    assert element.get("type") == kind and (element.text or "") == moid


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000002000000030802000000") + b"\0" * 40
PNG2 = PNG + b"\1" * 8


@pytest.mark.parametrize("tenant", [None, "acme", "globex"])
async def test_restore_undoes_an_image_upload(
    tmp_path: Path, lab: VcdLab, tenant: str | None
) -> None:
    """Including a tenant that showed the system's logo: restore deletes its own again."""
    from tests.sessions_helpers import make_manager
    from tests.vcd_helpers import vcd_target
    from vconsole.lab.vcd import SYSTEM_ADMIN
    from vconsole.services.branding import BrandingService
    from vconsole.services.branding_plans import apply_restore, plan_restore

    manager = make_manager(
        tmp_path, [vcd_target(lab)], passwords={"vcd01": lab.users[SYSTEM_ADMIN]}
    )
    try:
        service = BrandingService(manager, backup_dir=tmp_path / "backups")
        _, before = await service.image("logo", tenant)
        done = await service.upload_image("logo", tenant, PNG, "logo.png")
        assert (await service.image("logo", tenant))[1] == PNG
        assert done.backup is not None
        plan = await plan_restore(service, done.backup)
        await apply_restore(service, plan)
        assert (await service.image("logo", tenant))[1] == before
        if tenant is not None:  # inherits again: a new system logo shows through
            await service.upload_image("logo", None, PNG2, "new.png")
            assert (await service.image("logo", tenant))[1] == PNG2
    finally:
        await manager.close()
