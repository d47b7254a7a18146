"""`/cloudapi/branding…`: system and tenant branding, logo, icon, themes, CSS (reference §2).

Tenant routes answer an unknown org with 403 (the spec: "403 … or the entity does not exist";
real behaviour unconfirmed). Anonymous callers may read the system branding, logo and icon (the
login page needs them); an anonymous tenant read gets the system branding unless
`require_auth_for_branding` is off, as `backend.branding.requireAuthForBranding` does (§4).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from vconsole.lab.vcd import replies, versions
from vconsole.lab.vcd.routing import Call, LabContext, add_route
from vconsole.lab.vcd.store import (
    DEFAULT_ICON,
    DEFAULT_LOGO,
    ICON_TYPES,
    IMAGE_LIMIT,
    LOGO_TYPES,
    BrandingInvalid,
    Image,
    echo,
    validate_branding,
)

B = "/cloudapi/branding"


def register(app: web.Application, ctx: LabContext) -> None:
    def r(method: str, path: str, handler: Any, added: float, auth: str = "required") -> None:
        add_route(app, ctx, method, path, handler, added, auth=auth, faultable=True)

    r("GET", B, get_system, 30.0, auth="anonymous_ok")
    r("PUT", B, put_system, 30.0)
    r("GET", B + "/tenant/{org}", get_tenant, 32.0, auth="anonymous_ok")
    r("PUT", B + "/tenant/{org}", put_tenant, 32.0)
    r("DELETE", B + "/tenant/{org}", delete_tenant, 32.0)
    for image in IMAGES:
        for path, added in (
            (f"{B}/{image.name}", image.added),
            (f"{B}/tenant/{{org}}/{image.name}", 32.0),
        ):
            r("GET", path, image.get, added, auth="anonymous_ok")
            r("PUT", path, image.put, added)
            r("DELETE", path, image.delete, added)
    r("GET", B + "/themes", list_themes, 0.0)
    r("POST", B + "/themes", create_theme, 30.0)
    r("GET", B + "/themes/{name}", get_theme, 0.0)
    r("PUT", B + "/themes/{name}", update_theme, 30.0)
    r("DELETE", B + "/themes/{name}", delete_theme, 30.0)
    r("GET", B + "/themes/{name}/css", get_css, 0.0)
    r("POST", B + "/themes/{name}/contents", upload_contents, 30.0)
    r("DELETE", B + "/themes/{name}/contents", delete_contents, 30.0)

    async def transfer(request: web.Request) -> web.Response:
        return await put_transfer(request, ctx)

    app.router.add_put("/transfer/{tid}/{file}", transfer)


def _is_provider(call: Call) -> bool:
    return call.session is not None and call.session.is_provider


def _tenant(request: web.Request, ctx: LabContext, call: Call, write: bool) -> str | web.Response:
    """The canonical org name, or 403 when unknown or not the caller's to see/change."""
    name = ctx.org(request.match_info["org"])
    if name is None:
        return replies.forbidden(f"Organization {request.match_info['org']!r} does not exist.")
    if write and not _is_provider(call):
        return replies.forbidden()
    if call.session is not None and not call.session.is_provider:
        if call.session.org.lower() != name.lower():
            return replies.forbidden()
    return name


async def _json_body(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BrandingInvalid(f"The request body is not valid JSON: {exc}") from exc


def _reply(body: Any, call: Call, status: int = 200) -> web.Response:
    return replies.json_reply(body, status=status, version=call.version)


def _no_content() -> web.Response:
    return web.Response(status=204, headers=replies.common_headers(replies.request_id()))


def _forget(ctx: LabContext, table: dict[str, Any], key: str) -> web.Response:
    """DELETE of what `table` holds under `key` (nothing there is no error): 204."""
    with ctx.state.lock:
        table.pop(key, None)
        ctx.persist()
    return _no_content()


async def get_system(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    with ctx.state.lock:
        return _reply(echo(ctx.state.system), call)


async def _store_branding(
    request: web.Request, ctx: LabContext, call: Call, org: str | None
) -> web.Response:
    try:
        stored = validate_branding(await _json_body(request), ctx.state, call.number)
    except BrandingInvalid as exc:
        return replies.bad_request(str(exc))
    with ctx.state.lock:
        if org is None:
            ctx.state.system = stored
        else:
            ctx.state.tenants[org] = stored
        ctx.persist()
    return _reply(echo(stored), call)


async def put_system(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    if not _is_provider(call):
        return replies.forbidden()
    return await _store_branding(request, ctx, call, None)


async def get_tenant(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    org = _tenant(request, ctx, call, write=False)
    if isinstance(org, web.Response):
        return org
    with ctx.state.lock:
        own = ctx.state.tenants.get(org)
        hidden = call.session is None and ctx.require_auth_for_branding
        return _reply(echo(ctx.state.system if own is None or hidden else own), call)


async def put_tenant(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    org = _tenant(request, ctx, call, write=True)
    if isinstance(org, web.Response):
        return org
    return await _store_branding(request, ctx, call, org)


async def delete_tenant(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    org = _tenant(request, ctx, call, write=True)
    if isinstance(org, web.Response):
        return org
    return _forget(ctx, ctx.state.tenants, org)


def _image_owner(
    request: web.Request, ctx: LabContext, call: Call, write: bool
) -> str | web.Response:
    """ "" for the system image, the org name for a tenant's, or the refusal."""
    if "org" in request.match_info:
        return _tenant(request, ctx, call, write)
    if write and not _is_provider(call):
        return replies.forbidden()
    return ""


def _send_image(
    request: web.Request, ctx: LabContext, call: Call, table: dict[str, Image], default: bytes
) -> web.Response:
    owner = _image_owner(request, ctx, call, write=False)
    if isinstance(owner, web.Response):
        return owner
    if owner and call.session is None and ctx.require_auth_for_branding:
        owner = ""
    with ctx.state.lock:
        image = table.get(owner) or table.get("") or Image("image/png", default)
    if not versions.media_type_allowed(request.headers.get("Accept"), image.content_type):
        return replies.cloudapi_error(
            406, "NOT_ACCEPTABLE", f"The image is {image.content_type}, not what Accept allows."
        )
    headers = replies.common_headers(replies.request_id())
    headers["Content-Type"] = f"{image.content_type};version={call.version}"
    return web.Response(body=image.data, headers=headers)


async def _store_image(
    request: web.Request,
    ctx: LabContext,
    call: Call,
    table: dict[str, Image],
    allowed: tuple[str, ...],
) -> web.Response:
    owner = _image_owner(request, ctx, call, write=True)
    if isinstance(owner, web.Response):
        return owner
    ctype = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if ctype not in allowed:
        return replies.cloudapi_error(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"Content-Type {ctype or '(none)'!r} is not supported; use one of {', '.join(allowed)}.",
        )
    data = await request.read()
    if len(data) > IMAGE_LIMIT:
        return replies.bad_request(f"The image is {len(data)} bytes; the limit is {IMAGE_LIMIT}.")
    if not data:
        return replies.bad_request("The image is empty.")
    with ctx.state.lock:
        table[owner] = Image(ctype, data)
        ctx.persist()
    return _no_content()


async def _delete_image(
    request: web.Request, ctx: LabContext, call: Call, table: dict[str, Image]
) -> web.Response:
    owner = _image_owner(request, ctx, call, write=True)
    if isinstance(owner, web.Response):
        return owner
    return _forget(ctx, table, owner)


@dataclass(frozen=True)
class BrandingImage:
    """The logo or the icon: its URL word, the lab state's table of it, its default and types,
    and the API version of its system-wide route (every tenant route came with 32.0)."""

    name: str
    kept_in: str
    default: bytes
    types: tuple[str, ...]
    added: float

    async def get(self, request: web.Request, ctx: LabContext, call: Call) -> web.Response:
        return _send_image(request, ctx, call, getattr(ctx.state, self.kept_in), self.default)

    async def put(self, request: web.Request, ctx: LabContext, call: Call) -> web.Response:
        return await _store_image(request, ctx, call, getattr(ctx.state, self.kept_in), self.types)

    async def delete(self, request: web.Request, ctx: LabContext, call: Call) -> web.Response:
        return await _delete_image(request, ctx, call, getattr(ctx.state, self.kept_in))


IMAGES = (
    BrandingImage("logo", "logos", DEFAULT_LOGO, LOGO_TYPES, 30.0),
    BrandingImage("icon", "icons", DEFAULT_ICON, ICON_TYPES, 32.0),
)


def _theme_type(value: Any) -> str | None:
    """Servers answer BUILT_IN/CUSTOM; VMware's samples send "Custom" (case is tolerated)."""
    if not isinstance(value, str):
        return None
    norm = value.strip().upper().replace(" ", "_")
    return {"CUSTOM": "CUSTOM", "BUILT_IN": "BUILT_IN"}.get(norm)


async def list_themes(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    with ctx.state.lock:
        return _reply([dict(t) for t in ctx.state.themes], call)


async def create_theme(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    if not _is_provider(call):
        return replies.forbidden()
    try:
        body = await _json_body(request)
    except BrandingInvalid as exc:
        return replies.bad_request(str(exc))
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name.strip():
        return replies.bad_request("UiTheme.name is required.")
    kind = _theme_type(body.get("themeType")) if "themeType" in body else "CUSTOM"
    if kind is None and call.number >= 32.0:
        return replies.bad_request("UiTheme.themeType is required.")
    if kind == "BUILT_IN":
        return replies.bad_request("Only CUSTOM themes can be created.")
    with ctx.state.lock:
        if ctx.state.theme(name) is not None:
            return replies.bad_request(f"A theme named {name!r} already exists.")
        theme = {"themeType": "CUSTOM", "name": name}
        ctx.state.themes.append(theme)
        ctx.persist()
    return _reply(dict(theme), call, status=201)


def _named_theme(request: web.Request, ctx: LabContext) -> dict[str, str] | web.Response:
    theme = ctx.state.theme(request.match_info["name"])
    if theme is None:
        return replies.not_found(f"Theme {request.match_info['name']!r} not found.")
    return theme


def _theme_to_change(
    request: web.Request, ctx: LabContext, call: Call
) -> dict[str, str] | web.Response:
    """The named theme for a provider's change; 403 for anyone else, 404 for no such theme."""
    if not _is_provider(call):
        return replies.forbidden()
    return _named_theme(request, ctx)


async def get_theme(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    theme = _named_theme(request, ctx)
    return theme if isinstance(theme, web.Response) else _reply(dict(theme), call)


async def _change_and_body(
    request: web.Request, ctx: LabContext, call: Call
) -> tuple[dict[str, str], Any] | web.Response:
    """The theme a provider changes and the JSON body of the change, or the answer refusing it
    (403, 404, then 400 for a body that is not JSON: the theme is looked at first)."""
    theme = _theme_to_change(request, ctx, call)
    if isinstance(theme, web.Response):
        return theme
    try:
        return theme, await _json_body(request)
    except BrandingInvalid as exc:
        return replies.bad_request(str(exc))


async def update_theme(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    change = await _change_and_body(request, ctx, call)
    if isinstance(change, web.Response):
        return change
    theme, body = change
    new_name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(new_name, str) or not new_name.strip():
        return replies.bad_request("UiTheme.name is required.")
    if theme["themeType"] == "BUILT_IN":
        return replies.bad_request("Built-in themes cannot be changed.")
    with ctx.state.lock:
        old = theme["name"]
        theme["name"] = new_name
        if old in ctx.state.css:
            ctx.state.css[new_name] = ctx.state.css.pop(old)
        ctx.persist()
    return _reply(dict(theme), call)


async def delete_theme(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    theme = _theme_to_change(request, ctx, call)
    if isinstance(theme, web.Response):
        return theme
    if theme["themeType"] == "BUILT_IN":
        return replies.bad_request("Built-in themes cannot be deleted.")
    with ctx.state.lock:
        ctx.state.themes.remove(theme)
        ctx.state.css.pop(theme["name"], None)
        ctx.persist()
    return _no_content()


async def get_css(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    theme = _named_theme(request, ctx)
    if isinstance(theme, web.Response):
        return theme
    css = ctx.state.css.get(theme["name"])
    if css is None:
        return replies.not_found("No CSS Found For theme")
    headers = replies.common_headers(replies.request_id())
    headers["Content-Type"] = f"text/css;version={call.version}"
    return web.Response(body=css.encode(), headers=headers)


async def upload_contents(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    change = await _change_and_body(request, ctx, call)
    if isinstance(change, web.Response):
        return change
    theme, spec = change
    if not isinstance(spec, dict) or not isinstance(spec.get("fileName"), str):
        return replies.bad_request("UploadSpec.fileName is required.")
    size = spec.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return replies.bad_request("UploadSpec.size is required (bytes, an integer).")
    tid = str(uuid.uuid4())
    file_name = spec["fileName"].rsplit("/", 1)[-1] or "theme.css"
    with ctx.state.lock:
        ctx.state.transfers[tid] = (theme["name"], file_name, size)
    link = f"{request.scheme}://{request.host}/transfer/{tid}/{file_name}"
    headers = replies.common_headers(replies.request_id())
    headers["Link"] = f'<{link}>;rel="upload:default";type="application/octet-stream"'
    return web.Response(status=204, headers=headers)


async def delete_contents(request: web.Request, ctx: LabContext, call: Call) -> web.Response:
    theme = _theme_to_change(request, ctx, call)
    if isinstance(theme, web.Response):
        return theme
    return _forget(ctx, ctx.state.css, theme["name"])


async def put_transfer(request: web.Request, ctx: LabContext) -> web.Response:
    """The second step of a CSS upload; the reply code is unconfirmed (200 here)."""
    from vconsole.lab.vcd.auth import token_from_headers

    token = token_from_headers(request.headers)
    session = ctx.sessions.lookup(token) if token else None
    if session is None:
        return replies.not_authenticated()
    with ctx.state.lock:
        pending = ctx.state.transfers.pop(request.match_info["tid"], None)
    if pending is None or pending[1] != request.match_info["file"]:
        return replies.not_found("No such transfer.")
    data = await request.read()
    with ctx.state.lock:
        ctx.state.css[pending[0]] = data.decode("utf-8", errors="replace")
        ctx.persist()
    return web.Response(status=200, headers=replies.common_headers(replies.request_id()))
