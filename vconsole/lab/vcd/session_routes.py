"""`/api/versions`, legacy `/api/sessions` and cloudapi `/1.0.0/sessions…` (reference §1)."""

from __future__ import annotations

import socket
from typing import Any
from xml.sax.saxutils import quoteattr

from aiohttp import web

from vconsole.lab.vcd import replies, versions
from vconsole.lab.vcd.auth import LabSession, org_urn, user_urn
from vconsole.lab.vcd.routing import Call, LabContext, add_route

SITE_NAME = "vcd.lab.local"


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def register(app: web.Application, ctx: LabContext) -> None:
    async def api_versions(request: web.Request) -> web.Response:
        ctx.requests.append(f"GET {request.path}")
        body = versions.versions_xml(ctx.max_version, _base_url(request))
        headers = replies.common_headers(replies.request_id())
        headers["Content-Type"] = "application/*+xml;version=" + ctx.max_version
        return web.Response(body=body.encode(), headers=headers)

    app.router.add_get("/api/versions{_slash:/?}", api_versions)

    add_route(app, ctx, "POST", "/api/sessions", legacy_login, 0.0, auth="none", legacy=True)
    add_route(app, ctx, "GET", "/api/session", legacy_current, 0.0, legacy=True)
    add_route(app, ctx, "DELETE", "/api/session", legacy_logout, 0.0, legacy=True)
    add_route(app, ctx, "POST", "/cloudapi/1.0.0/sessions", tenant_login, 33.0, auth="none")
    add_route(
        app, ctx, "POST", "/cloudapi/1.0.0/sessions/provider", provider_login, 33.0, auth="none"
    )
    add_route(app, ctx, "GET", "/cloudapi/1.0.0/sessions/current", current_session, 34.0)
    add_route(app, ctx, "DELETE", "/cloudapi/1.0.0/sessions/current", logout_current, 36.0)
    add_route(app, ctx, "GET", "/cloudapi/1.0.0/sessions/{sid}", get_session, 33.0)
    add_route(app, ctx, "DELETE", "/cloudapi/1.0.0/sessions/{sid}", logout_session, 33.0)
    add_route(app, ctx, "GET", "/api/org", org_list, 0.0, legacy=True)


def _session_xml(request: web.Request, s: LabSession, version: str) -> str:
    base = _base_url(request)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Session xmlns="http://www.vmware.com/vcloud/v1.5" '
        f"locationId={quoteattr(f'{s.org}@{socket.gethostname()}')} "
        f"org={quoteattr(s.org)} roles={quoteattr(','.join(s.roles))} "
        f"user={quoteattr(s.user)} userId={quoteattr(user_urn(s.user, s.org))} "
        f'href="{base}/api/session/" '
        f'type="application/vnd.vmware.vcloud.session+xml">\n'
        f'    <Link rel="remove" href="{base}/api/session"/>\n'
        f'    <Link rel="down" type="application/vnd.vmware.vcloud.orgList+xml" href="{base}/api/org/"/>\n'
        "</Session>\n"
    )


def _session_json(ctx: LabContext, s: LabSession, version: str) -> dict[str, Any]:
    number = versions.as_number(version)
    body: dict[str, Any] = {"id": s.urn}
    if number >= 37.1:
        body["site"] = {"name": SITE_NAME, "id": "urn:vcloud:site:" + org_urn(SITE_NAME)[15:]}
    body["user"] = {"name": s.user, "id": user_urn(s.user, s.org)}
    body["org"] = {"name": s.org, "id": org_urn(s.org)}
    body["location"] = SITE_NAME
    body["roles"] = s.roles
    if number >= 35.0:
        body["roleRefs"] = [{"name": r, "id": None} for r in s.roles]
        body["sessionIdleTimeoutMinutes"] = max(1, int(ctx.sessions.ttl_s // 60))
    return body


async def legacy_login(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    header = request.headers.get("Authorization")
    if not header:
        return replies.legacy_error(
            403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN", "Authorization header is missing."
        )
    who = ctx.sessions.check_basic(header)
    if who is None:
        return replies.legacy_unauthorized()
    s = ctx.sessions.open(*who)
    headers = replies.common_headers(replies.request_id())
    headers.update(
        {
            "Content-Type": f"application/vnd.vmware.vcloud.session+xml;version={call.version}",
            "x-vcloud-authorization": s.legacy_token,
            "X-VMWARE-VCLOUD-ACCESS-TOKEN": s.bearer,
            "X-VMWARE-VCLOUD-TOKEN-TYPE": "Bearer",
            "Set-Cookie": f"vcloud-token={s.legacy_token}; Secure; Path=/",
        }
    )
    return web.Response(body=_session_xml(request, s, call.version).encode(), headers=headers)


async def legacy_current(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    assert call.session is not None
    headers = replies.common_headers(replies.request_id())
    headers["Content-Type"] = f"application/vnd.vmware.vcloud.session+xml;version={call.version}"
    body = _session_xml(request, call.session, call.version)
    return web.Response(body=body.encode(), headers=headers)


async def legacy_logout(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    assert call.session is not None
    ctx.sessions.close(call.session)
    return web.Response(status=204, headers=replies.common_headers(replies.request_id()))


async def _cloudapi_login(
    request: web.Request, ctx: LabContext, call: Call, provider: bool
) -> web.Response:
    header = request.headers.get("Authorization")
    if not header:
        return replies.forbidden("Authorization header is missing.")
    who = ctx.sessions.check_basic(header)
    # The System org logs in on /sessions/provider only, tenants on /sessions only (§1.3);
    # the status for the wrong endpoint is unconfirmed, 401 is the likely one.
    if who is None or (who[1].lower() == "system") != provider:
        return replies.not_authenticated()
    s = ctx.sessions.open(*who)
    return replies.json_reply(
        _session_json(ctx, s, call.version),
        version=call.version,
        headers={"X-VMWARE-VCLOUD-ACCESS-TOKEN": s.bearer, "X-VMWARE-VCLOUD-TOKEN-TYPE": "Bearer"},
    )


async def tenant_login(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    return await _cloudapi_login(request, ctx, call, provider=False)


async def provider_login(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    return await _cloudapi_login(request, ctx, call, provider=True)


async def current_session(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    assert call.session is not None
    return replies.json_reply(_session_json(ctx, call.session, call.version), version=call.version)


async def logout_current(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    assert call.session is not None
    ctx.sessions.close(call.session)
    return web.Response(status=204, headers=replies.common_headers(replies.request_id()))


def _target_session(request: web.Request, ctx: LabContext, call: Call) -> LabSession | None:
    assert call.session is not None
    sid = request.match_info["sid"].removeprefix("urn:vcloud:session:")
    target = ctx.sessions.find(sid)
    if target is None or (target.id != call.session.id and not call.session.is_provider):
        return None
    return target


async def get_session(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    target = _target_session(request, ctx, call)
    if target is None:
        return replies.forbidden()
    return replies.json_reply(_session_json(ctx, target, call.version), version=call.version)


async def logout_session(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    target = _target_session(request, ctx, call)
    if target is None:
        return replies.forbidden()
    ctx.sessions.close(target)
    return web.Response(status=204, headers=replies.common_headers(replies.request_id()))


async def org_list(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    """`OrgList` of the orgs the caller can see (the reference is silent; legacy API shape)."""
    assert call.session is not None
    base = _base_url(request)
    names = ["System", *ctx.orgs.values()] if call.session.is_provider else [call.session.org]
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<OrgList xmlns="http://www.vmware.com/vcloud/v1.5" '
        f'href="{base}/api/org/" type="application/vnd.vmware.vcloud.orgList+xml">',
    ]
    for name in names:
        href = f"{base}/api/org/{org_urn(name).rsplit(':', 1)[1]}"
        lines.append(
            f"    <Org href={quoteattr(href)} name={quoteattr(name)} "
            'type="application/vnd.vmware.vcloud.org+xml"/>'
        )
    lines.append("</OrgList>")
    headers = replies.common_headers(replies.request_id())
    headers["Content-Type"] = f"application/vnd.vmware.vcloud.orgList+xml;version={call.version}"
    return web.Response(body=("\n".join(lines) + "\n").encode(), headers=headers)
