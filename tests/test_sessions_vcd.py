"""Cloud Director sessions: version negotiation, logins, re-login on 401, TLS pinning.

Runs against the lab's Cloud Director (a real HTTPS server on loopback).
"""

from __future__ import annotations

import pytest
from sessions_helpers import accept_all, make_manager
from vcd_helpers import start_lab
from vcd_helpers import vcd_target as lab_vcd_target

from vconsole.errors import (
    AuthFailed,
    CertificateMismatch,
    ReadOnlyRefused,
    UnknownCertificate,
)
from vconsole.lab.vcd import SYSTEM_ADMIN
from vconsole.sessions.vcd import ServerVersion, parse_versions, pick_version, version_key

REFERENCE_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<SupportedVersions xmlns="http://www.vmware.com/vcloud/versions">
  <VersionInfo deprecated="true"><Version>20.0</Version><LoginUrl>https://h/api/sessions</LoginUrl></VersionInfo>
  <VersionInfo deprecated="false"><Version>32.0</Version><LoginUrl>https://h/api/sessions</LoginUrl></VersionInfo>
  <VersionInfo deprecated="false"><Version>36.0</Version><LoginUrl>https://h/cloudapi/1.0.0/sessions</LoginUrl>
    <ProviderLoginUrl>https://h/cloudapi/1.0.0/sessions/provider</ProviderLoginUrl></VersionInfo>
  <VersionInfo deprecated="false"><Version>37.0</Version><LoginUrl>https://h/cloudapi/1.0.0/sessions</LoginUrl></VersionInfo>
  <VersionInfo deprecated="true"><Version>5.5</Version><LoginUrl>https://h/api/sessions</LoginUrl></VersionInfo>
</SupportedVersions>
"""


def test_versions_parse_in_any_order_and_pick_numerically():
    versions = parse_versions(REFERENCE_XML)
    assert [v.version for v in versions] == ["20.0", "32.0", "36.0", "37.0", "5.5"]
    assert pick_version(versions) == "37.0"


def test_pick_ignores_deprecated_alpha_and_unknown_versions():
    server = [
        ServerVersion("9.0", False),  # a string sort would pick this one
        ServerVersion("36.3", False),
        ServerVersion("38.0.0-alpha", False),
        ServerVersion("39.1", True),
        ServerVersion("99.0", False),  # newer than the console knows
    ]
    assert pick_version(server) == "36.3"
    assert version_key("36.10") > version_key("36.9")
    assert pick_version([ServerVersion("31.0", False)]) is None


@pytest.fixture
def lab(tmp_path):
    server = start_lab(tmp_path / "lab")
    yield server
    server.stop()


def vcd_target(lab, **options):
    """vcd01 as the System administrator, its certificate not pinned unless `thumbprint` says."""
    return lab_vcd_target(lab, **{"thumbprint": None, **options})


def manager(tmp_path, lab, target, **kwargs):
    password = lab.users[f"{target.user}@{target.org}"]
    return make_manager(tmp_path, [target], passwords={target.name: password}, **kwargs)


async def test_unknown_self_signed_certificate_is_refused_without_confirmation(tmp_path, lab):
    mgr = manager(tmp_path, lab, vcd_target(lab))
    with pytest.raises(UnknownCertificate) as info:
        await mgr.vcd("vcd01")
    assert info.value.thumbprint == lab.thumbprint.upper()
    await mgr.close()


async def test_confirmed_certificate_is_pinned_and_used(tmp_path, lab):
    pinned = []
    mgr = manager(
        tmp_path,
        lab,
        vcd_target(lab),
        confirm=accept_all,
        on_pin=lambda profile, name, tp: pinned.append((name, tp)),
    )
    vcd = await mgr.vcd("vcd01")
    assert pinned == [("vcd01", lab.thumbprint.upper())]
    assert vcd.version == lab.version
    response = await vcd.request("GET", "/cloudapi/branding")
    assert response.status_code == 200 and "portalName" in response.json()
    await mgr.close()


async def test_pinned_thumbprint_mismatch_is_refused(tmp_path, lab):
    wrong = ":".join(["AB"] * 32)
    mgr = manager(tmp_path, lab, vcd_target(lab, thumbprint=wrong), confirm=accept_all)
    with pytest.raises(CertificateMismatch):
        await mgr.vcd("vcd01")
    await mgr.close()


async def test_expired_token_relogs_in_once(tmp_path, lab):
    mgr = manager(tmp_path, lab, vcd_target(lab, thumbprint=lab.thumbprint))
    vcd = await mgr.vcd("vcd01")
    assert vcd.logins == 1
    assert lab.expire_tokens() >= 1
    response = await vcd.request("GET", "/cloudapi/branding")
    assert response.status_code == 200
    assert vcd.logins == 2
    await mgr.close()


async def test_wrong_password_is_auth_failed(tmp_path, lab):
    target = vcd_target(lab, thumbprint=lab.thumbprint)
    mgr = make_manager(tmp_path, [target], passwords={"vcd01": "nope-1234"})
    with pytest.raises(AuthFailed) as info:
        await mgr.vcd("vcd01")
    assert "nope-1234" not in str(info.value)
    await mgr.close()


async def test_legacy_login_on_vcd_97(tmp_path):
    lab = start_lab(tmp_path / "old", version="32.0")
    try:
        mgr = manager(tmp_path, lab, vcd_target(lab, thumbprint=lab.thumbprint))
        vcd = await mgr.vcd("vcd01")
        assert vcd.version == "32.0"
        assert (await vcd.request("GET", "/cloudapi/branding")).status_code == 200
        await mgr.close()
    finally:
        lab.stop()


async def test_tenant_login_uses_the_tenant_endpoint(tmp_path, lab):
    org = next(name for name in lab.users if not name.endswith("@System")).rpartition("@")[2]
    target = vcd_target(lab, user="orgadmin", org=org, thumbprint=lab.thumbprint)
    mgr = manager(tmp_path, lab, target)
    vcd = await mgr.vcd("vcd01")
    assert (await vcd.request("GET", f"/cloudapi/branding/tenant/{org}")).status_code == 200
    await mgr.close()


async def test_read_only_refuses_put_before_io_and_audits(tmp_path, lab):
    mgr = manager(tmp_path, lab, vcd_target(lab, thumbprint=lab.thumbprint), read_only=True)
    vcd = await mgr.vcd("vcd01")
    before = (await vcd.request("GET", "/cloudapi/branding")).json()
    with pytest.raises(ReadOnlyRefused):
        await vcd.request(
            "PUT", "/cloudapi/branding", json={**before, "portalName": "X"}, mutating=True
        )
    assert (await vcd.request("GET", "/cloudapi/branding")).json() == before
    records = mgr.audit.read()
    assert records[-1].what == "PUT /cloudapi/branding" and records[-1].outcome.startswith(
        "refused"
    )
    await mgr.close()


async def test_mutating_call_is_audited_without_secrets(tmp_path, lab):
    target = vcd_target(lab, thumbprint=lab.thumbprint)
    mgr = manager(tmp_path, lab, target)
    vcd = await mgr.vcd("vcd01")
    body = (await vcd.request("GET", "/cloudapi/branding")).json()
    response = await vcd.request(
        "PUT", "/cloudapi/branding", json={**body, "portalName": "Ops"}, mutating=True
    )
    assert response.status_code == 200
    await mgr.close()
    text = (tmp_path / "audit.jsonl").read_text()
    assert "PUT /cloudapi/branding" in text and "HTTP 200" in text
    assert lab.users[SYSTEM_ADMIN] not in text
