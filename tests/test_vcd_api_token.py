"""Cloud Director API tokens against the lab's real HTTPS server: the OAuth token endpoints,
the session layer's token login, renewal once on expiry, and the refusals an admin must read."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.sessions_helpers import make_manager
from tests.vcd_helpers import client, scenario_with, start_lab, vcd_target
from vconsole.errors import ApiTokenRefused, InvalidToken, TargetUnreachable
from vconsole.lab.vcd import SYSTEM_ADMIN, VcdLab
from vconsole.secrets import SecretStore, env_var_name
from vconsole.services.branding import BrandingService
from vconsole.sessions.vcd_token import token_path

ACME_ADMIN = "orgadmin@acme"
FORM = {"grant_type": "refresh_token"}


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[VcdLab]:
    server = start_lab(tmp_path / "lab")
    yield server
    server.stop()


def token_target(lab: VcdLab, principal: str = SYSTEM_ADMIN, **options: Any):  # type: ignore[no-untyped-def]
    return vcd_target(lab, principal=principal, auth="token", **options)


def token_manager(tmp: Path, lab: VcdLab, target, token: str | None = None):  # type: ignore[no-untyped-def]
    """A manager whose only secret is the API token, given the way automation does (env)."""
    principal = f"{target.user}@{target.org}"
    mgr = make_manager(tmp, [target])
    value = lab.api_tokens[principal] if token is None else token
    mgr.secrets = SecretStore(
        "test", use_keyring=False, environ={env_var_name(target.name, token=True): value}
    )
    return mgr


def token_calls(lab: VcdLab) -> list[str]:
    return [r for r in lab.requests if r.startswith("POST /oauth/")]


async def portal_name_read(mgr, tenant: str | None) -> str:  # type: ignore[no-untyped-def]
    """The portal name the branding service reads for `tenant` (None: system); closes `mgr`."""
    try:
        view = await BrandingService(mgr, "vcd01").read(tenant)
    finally:
        await mgr.close()
    return view.branding.portal_name


# -- the lab's token endpoints, as a raw client sees them ------------------------------------
def test_provider_token_buys_a_bearer_that_reads_branding(lab: VcdLab) -> None:
    with client(lab) as http:
        r = http.post(
            "/oauth/provider/token",
            data={**FORM, "refresh_token": lab.api_tokens[SYSTEM_ADMIN]},
            headers={"Accept": "application/json;version=37.2"},
        )
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
        body = r.json()
        assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
        assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
        headers = {
            "Authorization": "Bearer " + body["access_token"],
            "Accept": "application/json;version=37.2",
        }
        assert http.get("/cloudapi/branding", headers=headers).status_code == 200
        # a version in Accept is optional on this endpoint, an unknown one is not
        plain = http.post(
            "/oauth/provider/token",
            data={**FORM, "refresh_token": lab.api_tokens[SYSTEM_ADMIN]},
            headers={"Accept": "application/json"},
        )
        assert plain.status_code == 200
        unknown = http.post(
            "/oauth/provider/token",
            data={**FORM, "refresh_token": lab.api_tokens[SYSTEM_ADMIN]},
            headers={"Accept": "application/json;version=99.0"},
        )
        assert unknown.status_code == 406


def test_refusals_carry_the_oauth_error_codes(lab: VcdLab) -> None:
    tenant_token = lab.api_tokens[ACME_ADMIN]
    cases = [
        ("/oauth/provider/token", {**FORM, "refresh_token": "not-a-token"}, "invalid_grant"),
        ("/oauth/provider/token", {**FORM, "refresh_token": tenant_token}, "invalid_grant"),
        ("/oauth/tenant/globex/token", {**FORM, "refresh_token": tenant_token}, "invalid_grant"),
        ("/oauth/tenant/nosuchorg/token", {**FORM, "refresh_token": tenant_token}, "invalid_grant"),
        (
            "/oauth/tenant/System/token",
            {**FORM, "refresh_token": lab.api_tokens[SYSTEM_ADMIN]},
            "invalid_grant",
        ),
        ("/oauth/provider/token", {"grant_type": "password"}, "unsupported_grant_type"),
        ("/oauth/provider/token", FORM, "invalid_request"),
    ]
    with client(lab) as http:
        for path, form, code in cases:
            r = http.post(path, data=form)
            assert r.status_code == 400, path
            body = r.json()
            assert body["minorErrorCode"] == code and body["stackTrace"] is None
        assert body["message"] == "Missing refresh token."
        as_json = http.post(
            "/oauth/provider/token", json={**FORM, "refresh_token": lab.api_tokens[SYSTEM_ADMIN]}
        )
        assert as_json.status_code == 400 and as_json.json()["minorErrorCode"] == "invalid_request"
        ok = http.post("/oauth/tenant/ACME/token", data={**FORM, "refresh_token": tenant_token})
        assert ok.status_code == 200  # org names are matched without regard to case
        lab.revoke_api_token(ACME_ADMIN)
        revoked = http.post(
            "/oauth/tenant/acme/token", data={**FORM, "refresh_token": tenant_token}
        )
        assert revoked.status_code == 400 and revoked.json() == {
            "minorErrorCode": "invalid_grant",
            "message": "Invalid refresh token",
            "stackTrace": None,
        }


def test_servers_before_10_3_1_have_no_token_endpoint(tmp_path: Path) -> None:
    old = start_lab(tmp_path / "old", version="36.0")
    try:
        with httpx.Client(base_url=old.url, verify=False, timeout=10) as http:
            r = http.post(
                "/oauth/provider/token",
                data={**FORM, "refresh_token": old.api_tokens[SYSTEM_ADMIN]},
            )
        assert r.status_code == 404
    finally:
        old.stop()


# -- the session layer -------------------------------------------------------------------
async def test_lab_json_carries_the_provider_token_for_lab_credentials_targets(
    tmp_path: Path, lab: VcdLab
) -> None:
    from vconsole.lab.labfiles import write_status
    from vconsole.lab.runtime import vcd_service

    entry = vcd_service(lab).as_json()
    assert entry["api_token"] == lab.api_tokens[SYSTEM_ADMIN]
    write_status(tmp_path, {"status": "running", "services": [entry]})
    target = token_target(lab, lab_credentials=str(tmp_path / "lab.json"))
    mgr = make_manager(tmp_path, [target])  # no password and no token in the environment
    assert await portal_name_read(mgr, None) == "VMware Cloud Director"
    assert token_calls(lab) == ["POST /oauth/provider/token"]


async def test_provider_token_reads_system_branding_without_a_password(
    tmp_path: Path, lab: VcdLab
) -> None:
    mgr = token_manager(tmp_path, lab, token_target(lab))
    assert await portal_name_read(mgr, None) == "VMware Cloud Director"
    assert token_calls(lab) == ["POST /oauth/provider/token"]
    assert not any("/sessions" in r for r in lab.requests if r.startswith("POST"))


async def test_tenant_token_uses_its_org_endpoint(tmp_path: Path, lab: VcdLab) -> None:
    mgr = token_manager(tmp_path, lab, token_target(lab, ACME_ADMIN))
    assert await portal_name_read(mgr, "acme") == "ACME Cloud"
    assert token_calls(lab) == ["POST /oauth/tenant/acme/token"]


async def test_expired_access_token_is_renewed_once_with_the_api_token(
    tmp_path: Path, lab: VcdLab
) -> None:
    mgr = token_manager(tmp_path, lab, token_target(lab))
    vcd = await mgr.vcd("vcd01")
    assert vcd.logins == 1
    assert lab.expire_tokens() >= 1
    assert (await vcd.request("GET", "/cloudapi/branding")).status_code == 200
    assert vcd.logins == 2 and len(token_calls(lab)) == 2
    assert (await vcd.request("GET", "/cloudapi/branding")).status_code == 200
    assert vcd.logins == 2  # the new access token is kept
    await mgr.close()


async def test_access_token_past_expires_in_is_renewed_before_the_call(tmp_path: Path) -> None:
    import asyncio

    lab = VcdLab(scenario_with(ttl=1), tmp_path / "lab").start()
    try:
        mgr = token_manager(tmp_path, lab, token_target(lab))
        vcd = await mgr.vcd("vcd01")
        await asyncio.sleep(1.1)  # past expires_in (1 s): renew first, no refused call
        lab.clear_request_log()
        assert (await vcd.request("GET", "/cloudapi/branding")).status_code == 200
        assert lab.requests == ["POST /oauth/provider/token", "GET /cloudapi/branding"]
        await mgr.close()
    finally:
        lab.stop()


async def test_revoked_token_names_the_target_and_how_to_make_a_new_one(
    tmp_path: Path, lab: VcdLab
) -> None:
    token = lab.api_tokens[SYSTEM_ADMIN]
    mgr = token_manager(tmp_path, lab, token_target(lab))
    vcd = await mgr.vcd("vcd01")
    lab.revoke_api_token(SYSTEM_ADMIN)
    lab.expire_tokens()
    with pytest.raises(ApiTokenRefused) as info:
        await vcd.request("GET", "/cloudapi/branding")
    message = str(info.value)
    assert message.startswith("vcd01: ") and "\n" not in message
    assert "invalid_grant" in message and "revoked" in message
    assert "User preferences > API tokens" in message and "set-token vcd01" in message
    assert token not in message
    await mgr.close()
    fresh = token_manager(tmp_path, lab, token_target(lab), token=token)
    with pytest.raises(ApiTokenRefused):  # a revoked token also stops the first connect
        await fresh.vcd("vcd01")
    await fresh.close()


async def test_token_for_another_org_is_refused_naming_that_org(
    tmp_path: Path, lab: VcdLab
) -> None:
    target = token_target(lab, "orgadmin@globex")
    mgr = token_manager(tmp_path, lab, target, token=lab.api_tokens[ACME_ADMIN])
    with pytest.raises(ApiTokenRefused) as info:
        await mgr.vcd("vcd01")
    assert "'globex'" in str(info.value) and "another organization" in str(info.value)
    assert token_calls(lab) == ["POST /oauth/tenant/globex/token"]
    await mgr.close()


async def test_older_cloud_director_says_tokens_need_10_3_1(tmp_path: Path) -> None:
    old = start_lab(tmp_path / "old", version="36.0")
    try:
        mgr = token_manager(tmp_path, old, token_target(old))
        with pytest.raises(TargetUnreachable) as info:
            await mgr.vcd("vcd01")
        assert "10.3.1" in str(info.value) and 'auth = "password"' in str(info.value)
        assert token_calls(old) == []
        await mgr.close()
    finally:
        old.stop()


async def test_neither_token_reaches_the_audit_log_or_debug_logs(
    tmp_path: Path, lab: VcdLab, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api_token = lab.api_tokens[SYSTEM_ADMIN]
    mgr = token_manager(tmp_path, lab, token_target(lab))
    vcd = await mgr.vcd("vcd01")
    bearer = vcd._auth_header[1].split()[1]
    body = (await vcd.request("GET", "/cloudapi/branding")).json()
    lab.expire_tokens()
    put = await vcd.request(
        "PUT", "/cloudapi/branding", json={**body, "portalName": "Ops"}, mutating=True
    )
    assert put.status_code == 200
    await mgr.close()
    audit = (tmp_path / "audit.jsonl").read_text()
    assert "PUT /cloudapi/branding" in audit
    logs = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "/oauth/provider/token" in logs  # the debug log did see the exchange
    for secret in (api_token, bearer):
        assert secret not in audit and secret not in logs
    assert mgr.secrets.redact(f"x {api_token} y") == "x *** y"


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_org_is_always_exactly_one_path_segment(org: str) -> None:
    if org.lower() == "system":
        assert token_path(org) == "/oauth/provider/token"
        return
    try:
        path = token_path(org)
    except InvalidToken:
        assert org in (".", "..")
        return
    parts = path.split("/")
    assert parts[:3] == ["", "oauth", "tenant"] and parts[4:] == ["token"] and len(parts) == 5
    assert unquote(parts[3]) == org
    assert parts[3] not in (".", "..") and "?" not in parts[3] and "#" not in parts[3]


def test_a_refusal_code_from_the_server_is_shown_as_plain_data() -> None:
    from vconsole.sessions.vcd_token import _refusal_code

    hostile = httpx.Response(400, json={"minorErrorCode": "[red]bad\x1b[2J\nline2"})
    assert _refusal_code(hostile) == "redbad2Jline2"
    oauth = httpx.Response(400, json={"error": "invalid_grant", "error_description": "x"})
    assert _refusal_code(oauth) == "invalid_grant"
    assert _refusal_code(httpx.Response(400, text="<html>")) == ""
