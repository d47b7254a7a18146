"""The branding service against the lab's Cloud Director (real HTTPS server on loopback)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.sessions_helpers import make_manager
from tests.vcd_helpers import login, start_lab, vcd_target
from vconsole.errors import ReadOnlyRefused
from vconsole.lab.vcd import SYSTEM_ADMIN, VcdLab
from vconsole.models.branding import Branding, MenuItem
from vconsole.services.branding import BrandingApiError, BrandingService, ConcurrentChange
from vconsole.services.branding_backup import load_backup
from vconsole.services.branding_input import BrandingInputError, BrandingPatch, parse_document

ACME_OWN = {
    "portalName": "ACME Cloud",
    "portalColor": "#AA0000",
    "selectedTheme": {"themeType": "BUILT_IN", "name": "Dark"},
    "customLinks": [
        {"name": "help", "menuItemType": "override", "url": "https://acme.example/help"}
    ],
}
LINKS_ONLY = {
    "customLinks": [
        {"name": "Support", "menuItemType": "section"},
        {"name": "Help Desk", "menuItemType": "link", "url": "https://acme.example/desk"},
    ]
}


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[VcdLab]:
    server = start_lab(tmp_path / "lab")
    admin = login(server)
    with httpx.Client(base_url=server.url, verify=False) as http:
        http.put("/cloudapi/branding/tenant/acme", headers=admin, json=ACME_OWN).raise_for_status()
    yield server
    server.stop()


def _manager(tmp: Path, lab: VcdLab, principal: str = SYSTEM_ADMIN, read_only: bool = False):  # type: ignore[no-untyped-def]
    return make_manager(
        tmp,
        [vcd_target(lab, principal=principal)],
        read_only=read_only,
        passwords={"vcd01": lab.users[principal]},
    )


@pytest.fixture
async def service(tmp_path: Path, lab: VcdLab) -> AsyncIterator[BrandingService]:
    manager = _manager(tmp_path, lab)
    yield BrandingService(manager, backup_dir=tmp_path / "backups")
    await manager.close()


def _patch(doc: dict, service_version: str = "37.2") -> BrandingPatch:
    from vconsole.models.branding import Capabilities

    return parse_document(json.dumps(doc), Capabilities.for_version(service_version))


def _server_get(lab: VcdLab, path: str) -> dict:
    with httpx.Client(base_url=lab.url, verify=False) as http:
        return http.get(path, headers=login(lab)).json()


async def test_overview_marks_own_and_inherited_tenants(service: BrandingService) -> None:
    views = await service.overview()
    assert [(v.tenant, v.marker) for v in views] == [
        (None, "system"),
        ("acme", "own"),
        ("globex", "inherited from system"),
    ]


async def test_tenant_write_keeps_the_tenants_own_values(
    service: BrandingService, lab: VcdLab
) -> None:
    """The PowerShell module fills unset fields from the system branding; this must not."""
    plan = await service.plan("acme", _patch(LINKS_ONLY))
    text = plan.diff.text()
    assert "portalName" not in text and "portalColor" not in text and "selectedTheme" not in text
    assert '+ customLinks[0]: section "Support"' in text
    await service.write(plan)
    stored = _server_get(lab, "/cloudapi/branding/tenant/acme")
    assert stored["portalName"] == "ACME Cloud"
    assert stored["portalColor"] == "#AA0000"
    assert stored["selectedTheme"] == {"themeType": "BUILT_IN", "name": "Dark"}
    assert [i["name"] for i in stored["customLinks"]] == ["Support", "Help Desk"]
    assert _server_get(lab, "/cloudapi/branding")["portalName"] == "VMware Cloud Director"


async def test_write_saves_a_backup_of_the_previous_state(
    service: BrandingService, tmp_path: Path
) -> None:
    plan = await service.plan("acme", _patch({"portalName": "ACME Portal"}))
    assert '~ portalName: "ACME Cloud" -> "ACME Portal"' in plan.diff.text()
    result = await service.write(plan)
    assert result.backup is not None and result.backup.parent.parent == tmp_path / "backups"
    backup = load_backup(result.backup)
    assert backup.tenant == "acme" and backup.own and backup.branding is not None
    assert backup.branding.portal_name == "ACME Cloud" and backup.api_version == "37.2"
    assert oct(result.backup.stat().st_mode & 0o777) == "0o600"
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    puts = [r for r in audit if r["what"] == "PUT /cloudapi/branding/tenant/acme"]
    assert len(puts) == 1 and puts[0]["mutating"] and puts[0]["outcome"] == "HTTP 200"
    assert all(r["mutating"] for r in audit)  # reads are not audited, writes are


async def test_a_concurrent_change_is_refused_and_both_are_shown(
    service: BrandingService, lab: VcdLab
) -> None:
    plan = await service.plan("acme", _patch({"portalName": "Mine"}))
    other = dict(ACME_OWN, portalName="Theirs")
    with httpx.Client(base_url=lab.url, verify=False) as http:
        http.put(
            "/cloudapi/branding/tenant/acme", headers=login(lab), json=other
        ).raise_for_status()
    puts_before = [r for r in lab.requests if r.startswith("PUT")]
    with pytest.raises(ConcurrentChange) as info:
        await service.write(plan)
    assert '"ACME Cloud" -> "Theirs"' in str(info.value)
    assert info.value.expected.branding.portal_name == "ACME Cloud"
    assert info.value.current.branding.portal_name == "Theirs"
    assert [r for r in lab.requests if r.startswith("PUT")] == puts_before
    assert _server_get(lab, "/cloudapi/branding/tenant/acme")["portalName"] == "Theirs"


async def test_read_only_refuses_before_any_request(tmp_path: Path, lab: VcdLab) -> None:
    manager = _manager(tmp_path, lab, read_only=True)
    service = BrandingService(manager, backup_dir=tmp_path / "backups")
    seen = len(lab.requests)
    try:
        with pytest.raises(ReadOnlyRefused):
            service.refuse_if_read_only("PUT /cloudapi/branding")
        with pytest.raises(ReadOnlyRefused):
            await service.reset_tenant("acme")
        with pytest.raises(ReadOnlyRefused):
            await service.upload_image("logo", None, b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    finally:
        await manager.close()
    assert len(lab.requests) == seen
    assert not (tmp_path / "backups").exists()
    audit = (tmp_path / "audit.jsonl").read_text()
    assert (
        "refused: this session is read-only" in audit
        and "DELETE /cloudapi/branding/tenant/acme" in audit
    )


async def test_expired_token_mid_edit_relogs_and_retries_once(
    service: BrandingService, lab: VcdLab
) -> None:
    plan = await service.plan("globex", _patch({"portalName": "Globex"}))
    lab.expire_tokens()
    result = await service.write(plan)
    assert result.status == 200
    client = await service.manager.vcd("vcd01")
    assert client.logins == 2
    assert _server_get(lab, "/cloudapi/branding/tenant/globex")["portalName"] == "Globex"


async def test_server_error_loses_nothing_and_the_write_can_be_retried(
    service: BrandingService, lab: VcdLab
) -> None:
    plan = await service.plan("acme", _patch({"portalName": "Retry me"}))
    lab.inject_fault(503)
    with pytest.raises(BrandingApiError) as info:
        await service.write(plan)
    assert info.value.status == 503 and info.value.retryable
    assert _server_get(lab, "/cloudapi/branding/tenant/acme")["portalName"] == "ACME Cloud"
    assert plan.after.portal_name == "Retry me"
    await service.write(plan)
    assert _server_get(lab, "/cloudapi/branding/tenant/acme")["portalName"] == "Retry me"


async def test_a_4xx_carries_the_servers_message_verbatim(tmp_path: Path, lab: VcdLab) -> None:
    manager = _manager(tmp_path, lab, principal="orgadmin@acme")
    service = BrandingService(manager, backup_dir=tmp_path / "backups")
    try:
        plan = await service.plan("acme", Branding("Tenant try"))
        with pytest.raises(BrandingApiError) as info:
            await service.write(plan)
    finally:
        await manager.close()
    assert info.value.status == 403 and info.value.minor == "ACCESS_TO_RESOURCE_IS_FORBIDDEN"
    assert info.value.server_message.startswith("[ ") and info.value.server_message.endswith(
        "] Access to the resource is forbidden."
    )


async def test_reset_reverts_to_system_and_restore_brings_it_back(
    service: BrandingService, lab: VcdLab
) -> None:
    result = await service.reset_tenant("acme")
    assert result.status == 204 and result.backup is not None
    assert (await service.read("acme")).own is False
    restored = await service.restore(result.backup)
    view = await service.read("acme")
    assert view.own and view.branding == Branding.from_api(ACME_OWN)
    assert restored.backup is not None and load_backup(restored.backup).own is False
    again = await service.restore(restored.backup)
    assert again.status == 204 and (await service.read("acme")).own is False


async def test_unknown_theme_and_bad_links_are_refused_before_sending(
    service: BrandingService, lab: VcdLab
) -> None:
    puts = len([r for r in lab.requests if r.startswith("PUT")])
    with pytest.raises(BrandingInputError) as info:
        await service.plan(
            "acme", _patch({"selectedTheme": {"themeType": "CUSTOM", "name": "Nope"}})
        )
    assert "theme 'Nope' is not on the server; available: Default, Dark" in str(info.value)
    with pytest.raises(BrandingInputError) as info:
        await service.plan(None, Branding("x", links=(MenuItem("link", "Docs", "ftp://x/"),)))
    assert 'customLinks[0] (item 1, link "Docs")' in str(info.value)
    assert len([r for r in lab.requests if r.startswith("PUT")]) == puts


PNG_2x3 = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000002000000030802000000") + b"\0" * 40


async def test_logo_upload_checks_type_and_size_and_backs_up(
    service: BrandingService, lab: VcdLab
) -> None:
    with pytest.raises(BrandingInputError) as info:
        await service.upload_image("logo", "acme", b"GIF89a" + b"\0" * 10, "logo.gif")
    assert "not a recognised image; accepted: image/png, image/jpeg, image/svg+xml" in str(
        info.value
    )
    with pytest.raises(BrandingInputError) as info:
        await service.upload_image("icon", None, b"<svg xmlns='x'/>", "icon.svg")
    assert "is image/svg+xml; a icon must be one of image/png, image/x-icon" in str(info.value)
    big = PNG_2x3 + b"\0" * (512 * 1024)
    with pytest.raises(BrandingInputError) as info:
        await service.upload_image("logo", None, big)
    assert "the limit is 524288 bytes" in str(info.value)
    result = await service.upload_image("logo", "acme", PNG_2x3, "logo.png")
    assert result.status == 204 and result.backup is not None
    info2, data = await service.image("logo", "acme")
    assert data == PNG_2x3 and (info2.width, info2.height) == (2, 3)
    assert load_backup(result.backup).image.startswith(b"\x89PNG")


async def test_version_32_server_works_over_legacy_login_and_hides_imprint(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab32", version="32.0")
    manager = _manager(tmp_path, lab)
    service = BrandingService(manager, backup_dir=tmp_path / "backups")
    try:
        caps = await service.capabilities()
        assert caps.version == "32.0" and "imprint" not in caps.overrides
        imprint = Branding("x", links=(MenuItem("override", "imprint", None),))
        with pytest.raises(BrandingInputError) as info:
            await service.plan(None, imprint)
        assert "override name 'imprint' is not known to API 32.0" in str(info.value)
        plan = await service.plan("globex", Branding("Globex 9.7"))
        await service.write(plan)
        assert (await service.read("globex")).branding.portal_name == "Globex 9.7"
    finally:
        await manager.close()
        lab.stop()
    assert "POST /api/sessions" in lab.requests


async def test_an_edit_based_on_an_older_read_is_refused_at_plan(
    service: BrandingService, lab: VcdLab
) -> None:
    base = await service.read("acme")
    with httpx.Client(base_url=lab.url, verify=False) as http:
        theirs = dict(ACME_OWN, portalColor="#00FF00")
        http.put(
            "/cloudapi/branding/tenant/acme", headers=login(lab), json=theirs
        ).raise_for_status()
    draft = Branding("Mine", base.branding.portal_color, base.branding.theme, base.branding.links)
    with pytest.raises(ConcurrentChange) as info:
        await service.plan("acme", draft, base)
    assert "portalColor: #AA0000 -> #00FF00" in str(info.value)
