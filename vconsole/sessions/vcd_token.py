"""Cloud Director API tokens: trade the long-lived API (refresh) token for a bearer access token.

Why: MFA and SSO make Basic logins impossible for many providers; from vCD 10.3.1 (API 36.1) a
user makes an API token in the portal and automation exchanges it with the OAuth 2.0 refresh
grant (RFC 6749 section 6). Facts used, from public clients and reports:
- `POST /oauth/provider/token` for org System, `POST /oauth/tenant/{org}/token` for a tenant
  (go-vcloud-director `govcd/api_token.go`; terraform-provider-vcd issues #905, #1402);
- body form-encoded `grant_type=refresh_token&refresh_token=TOKEN`, `Accept` with a version;
- the answer is JSON `access_token`, `token_type`, `expires_in` (VCF Automation's documented
  sample of the same endpoint); the access token is used as `Authorization: Bearer ...` like a
  session token;
- a refused token was reported as `minorErrorCode` `invalid_grant`, "Invalid refresh token"
  (terraform-provider-vcd #905). The status code is not quoted anywhere read; RFC 6749 5.2 says
  400, so any 4xx is treated as a refusal.
The token is never put into a message, an audit record or a log line.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

from vconsole.errors import (
    ApiTokenRefused,
    InvalidToken,
    TargetUnreachable,
    VcdApiError,
)
from vconsole.secrets import note_secret

if TYPE_CHECKING:
    from vconsole.sessions.slot import TargetSlot

TOKEN_FROM = (36, 1)  # vCD 10.3.1
SYSTEM_ORG = "system"


@dataclass(frozen=True)
class AccessToken:
    """A bearer access token: the header to send and when to get a fresh one (monotonic s)."""

    header: tuple[str, str]
    refresh_at: float | None


def token_path(org: str) -> str:
    """The token endpoint for `org`; the org is one percent-encoded path segment, never raw."""
    if org.lower() == SYSTEM_ORG:
        return "/oauth/provider/token"
    if not org or org in (".", ".."):
        raise InvalidToken("org", org, "an organization name")
    return "/oauth/tenant/" + quote(org, safe="") + "/token"


def _refusal_code(response: httpx.Response) -> str:
    """`invalid_grant` and the like, from a cloudapi error body or a plain OAuth one."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    code = body.get("minorErrorCode") or body.get("error") or ""
    # server text is data: keep only what an error code is made of
    return re.sub(r"[^A-Za-z0-9_.\-]", "", code)[:64] if isinstance(code, str) else ""


async def exchange(
    client: httpx.AsyncClient, target: str, org: str, version: str, api_token: str
) -> AccessToken:
    """One refresh-grant request; raises `ApiTokenRefused` when the server will not take it.

    The caller has checked that `version` is TOKEN_FROM or later (`VcdClient` does)."""
    path = token_path(org)
    started = time.monotonic()
    try:
        response = await client.post(
            path,
            data={"grant_type": "refresh_token", "refresh_token": api_token},
            headers={"Accept": f"application/json;version={version}"},
        )
    except httpx.HTTPError as exc:
        raise TargetUnreachable(target, f"POST {path} failed: {type(exc).__name__}") from None
    status = response.status_code
    if status == 404:
        raise ApiTokenRefused(
            target,
            org,
            "HTTP 404",
            why="this Cloud Director has no API token endpoint for it (10.3.1 or later is needed, "
            "and the organization must exist)",
        )
    if 400 <= status < 500:
        detail = f"HTTP {status} {_refusal_code(response)}".strip()
        raise ApiTokenRefused(target, org, detail)
    if status != 200:
        raise VcdApiError(target, status, "TOKEN_EXCHANGE", f"POST {path} answered HTTP {status}")
    try:
        body = response.json()
    except ValueError:
        body = None
    access = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(access, str) or not access:
        raise VcdApiError(target, 200, "NO_TOKEN", f"POST {path} returned no access_token")
    note_secret(access)
    kind = body.get("token_type") if isinstance(body, dict) else None
    kind = kind if isinstance(kind, str) and kind.strip() else "Bearer"
    expires = body.get("expires_in") if isinstance(body, dict) else None
    refresh_at = None
    if isinstance(expires, (int, float)) and not isinstance(expires, bool) and expires > 0:
        # a little early, so a call never starts with a token about to lapse
        refresh_at = started + max(float(expires) - min(30.0, float(expires) / 10), 0.0)
    # RFC 6750 names the scheme "Bearer"; servers have been seen writing it in lower case
    scheme = "Bearer" if kind.lower() == "bearer" else kind
    return AccessToken(("Authorization", f"{scheme} {access}"), refresh_at)


async def token_login(slot: TargetSlot, client: httpx.AsyncClient, version: str) -> AccessToken:
    """Fetch the API token for the slot's target and exchange it; a refused one is forgotten."""
    org = slot.target.org or "System"
    api_token = await slot.api_token()
    try:
        return await exchange(client, slot.name, org, version, api_token)
    except ApiTokenRefused:
        slot.forget_api_token()
        raise
