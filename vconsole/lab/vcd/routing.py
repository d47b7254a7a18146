"""What every lab Cloud Director route shares: version negotiation, auth and faults.

Each route declares the API version it was added in (reference §1.3, §2.2). A server whose
newest version is older does not have the route (404); a request whose Accept version is older
gets 405, imitating vcd-h5-themes issue #10 (an unconfirmed hypothesis in the reference).
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from vconsole.lab.vcd import replies, versions
from vconsole.lab.vcd.auth import LabSession, SessionBook, token_from_headers
from vconsole.lab.vcd.store import BrandingState


@dataclass
class Fault:
    """Answer the next `remaining` matching cloudapi branding calls with `status`."""

    status: int
    remaining: int
    methods: tuple[str, ...]


@dataclass
class LabContext:
    max_version: str
    sessions: SessionBook
    state: BrandingState
    orgs: dict[str, str]  # lower-case name -> name as configured
    state_file: Path | None = None
    require_auth_for_branding: bool = True
    faults: list[Fault] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # "METHOD /path", for tests
    fault_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def max_number(self) -> float:
        return versions.as_number(self.max_version)

    def org(self, name: str) -> str | None:
        return self.orgs.get(name.lower())

    def take_fault(self, method: str) -> int | None:
        with self.fault_lock:
            for fault in self.faults:
                if method in fault.methods and fault.remaining > 0:
                    fault.remaining -= 1
                    status = fault.status
                    self.faults = [f for f in self.faults if f.remaining > 0]
                    return status
        return None

    def persist(self) -> None:
        if self.state_file is not None:
            self.state.save(self.state_file)


@dataclass(frozen=True)
class Call:
    """What a handler needs besides the request: the negotiated version and the caller."""

    version: str
    session: LabSession | None

    @property
    def number(self) -> float:
        return versions.as_number(self.version)


Handler = Callable[[web.Request, LabContext, Call], Awaitable[web.StreamResponse]]

CTX = web.AppKey("ctx", LabContext)


def negotiate(request: web.Request, ctx: LabContext, legacy: bool) -> str | web.Response:
    """The version asked for in Accept, or the 406 the real server sends."""
    wanted = versions.requested_version(request.headers.get("Accept"))
    if wanted and wanted in versions.accepted_versions(ctx.max_version):
        return wanted
    listing = versions.supported_list_text(ctx.max_version)
    if legacy:
        return replies.not_acceptable_xml(listing)
    return replies.not_acceptable_json(listing, empty=not wanted)


def add_route(
    app: web.Application,
    ctx: LabContext,
    method: str,
    path: str,
    handler: Handler,
    added_in: float,
    *,
    auth: str = "required",  # "required" | "anonymous_ok" | "none"
    legacy: bool = False,
    faultable: bool = False,
) -> None:
    """Register `path` (trailing slash tolerated) if the server's version has it."""
    if ctx.max_number < added_in:
        return

    async def wrapped(request: web.Request) -> web.StreamResponse:
        ctx.requests.append(f"{request.method} {request.path}")
        version = negotiate(request, ctx, legacy)
        if isinstance(version, web.Response):
            return version
        if versions.as_number(version) < added_in:
            return replies.cloudapi_error(
                405, "METHOD_NOT_ALLOWED", f"{method} {path} is not available in API {version}."
            )
        session: LabSession | None = None
        if auth != "none":
            token = token_from_headers(request.headers)
            if token is not None:
                session = ctx.sessions.lookup(token)
                if session is None:
                    return replies.legacy_unauthorized() if legacy else replies.not_authenticated()
            elif auth == "required":
                return replies.legacy_unauthorized() if legacy else replies.not_authenticated()
        if faultable:
            status = ctx.take_fault(method)
            if status is not None:
                return replies.server_error(status)
        return await handler(request, ctx, Call(version, session))

    app.router.add_route(method, path + "{_slash:/?}", wrapped)
