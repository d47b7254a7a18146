"""The OAuth token endpoints of vCD 10.3.1+ (API 36.1): an API token buys a bearer access token.

`POST /oauth/provider/token` (System org) and `POST /oauth/tenant/{org}/token` take a
form-encoded `grant_type=refresh_token&refresh_token=...` and answer JSON `access_token`,
`token_type`, `expires_in`, `refresh_token` (go-vcloud-director's `ApiTokenRefresh` fields;
`refresh_token` is null here because vCD API tokens do not rotate [inferred]). A version in
Accept is optional (VMware's VCF Automation sample sends plain `application/json`); an unknown
one gets the usual 406. A refused token answers `minorErrorCode` `invalid_grant`, "Invalid
refresh token" (terraform-provider-vcd #905); the 400 status follows RFC 6749 section 5.2, as
no observed status was found. The other error codes follow the same RFC [reconstructed].
"""

from __future__ import annotations

from aiohttp import web

from vconsole.lab.vcd import replies, versions
from vconsole.lab.vcd.auth import SYSTEM_ORG
from vconsole.lab.vcd.routing import LabContext

ADDED_IN = 36.1
FORM = "application/x-www-form-urlencoded"


def _oauth_error(code: str, text: str) -> web.Response:
    return replies.cloudapi_error(400, code, text, bracket_id=False)


def register(app: web.Application, ctx: LabContext) -> None:
    if ctx.max_number < ADDED_IN:
        return

    async def token(request: web.Request) -> web.Response:
        ctx.requests.append(f"{request.method} {request.path}")
        wanted = versions.requested_version(request.headers.get("Accept"))
        if wanted is not None and wanted not in versions.accepted_versions(ctx.max_version):
            listing = versions.supported_list_text(ctx.max_version)
            return replies.not_acceptable_json(listing, empty=not wanted)
        if request.content_type != FORM:
            return _oauth_error("invalid_request", f"The request body must be {FORM}.")
        form = await request.post()
        grant, refresh = form.get("grant_type"), form.get("refresh_token")
        if grant != "refresh_token":
            return _oauth_error("unsupported_grant_type", "Unsupported grant type.")
        if not isinstance(refresh, str) or not refresh:
            return _oauth_error("invalid_request", "Missing refresh token.")
        org = request.match_info.get("org", SYSTEM_ORG)
        provider = "org" not in request.match_info
        who = ctx.sessions.check_api_token(refresh)
        # a tenant's token on the provider endpoint, or on another org's: refused alike
        if who is None or who[1].lower() != org.lower() or (who[1].lower() == "system") != provider:
            return _oauth_error("invalid_grant", "Invalid refresh token")
        session = ctx.sessions.open(*who)
        body = {
            "access_token": session.bearer,
            "token_type": "Bearer",
            "expires_in": int(ctx.sessions.ttl_s),
            "refresh_token": None,
        }
        return replies.json_reply(body)

    app.router.add_post("/oauth/provider/token{_slash:/?}", token)
    app.router.add_post("/oauth/tenant/{org}/token{_slash:/?}", token)
