"""What stands between a web page and the served console: a secret, a Host check, an Origin check.

The console in the browser can read the whole estate and type into it, so being on loopback is
not enough: any page the admin visits can open a WebSocket to 127.0.0.1, and a DNS-rebound name
can even make it same-origin. So, as notebook servers do, each start makes a random secret that
only the printed URL carries; the first page load with it sets a cookie scoped to this port, and
every later request (static files, the WebSocket) must carry that cookie or the secret.
Requests naming another `Host` (DNS rebinding) and WebSockets opened from another origin are
refused with 403 before anything else runs.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web
from textual_serve.server import Server

if TYPE_CHECKING:
    from aiohttp.typedefs import Middleware

TOKEN_PARAM = "token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class Guard:
    """The checks for one `serve` start: its secret, port and the Host names it answers to."""

    port: int
    secret: str = field(default_factory=new_secret, repr=False)
    hosts: frozenset[str] | None = frozenset(LOOPBACK_NAMES)  # None: any Host (wildcard bind)

    @property
    def cookie(self) -> str:
        return f"vconsole_serve_{self.port}"

    def url(self, host: str) -> str:
        shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{shown}:{self.port}/?{TOKEN_PARAM}={self.secret}"

    def host_ok(self, host_header: str) -> bool:
        if self.hosts is None:
            return True
        name, sep, port = host_header.rpartition(":")
        if not sep or not port.isdigit() or int(port) != self.port:
            return False
        return name.lower() in self.hosts

    def secret_ok(self, request: web.Request) -> bool:
        given = request.query.get(TOKEN_PARAM) or request.cookies.get(self.cookie) or ""
        return hmac.compare_digest(given.encode(), self.secret.encode())

    def origin_ok(self, request: web.Request) -> bool:
        """A WebSocket is same-origin: its Origin is this very scheme, host and port."""
        origin = request.headers.get("Origin")
        if origin is None:  # not a browser (browsers always send it on a WebSocket)
            return True
        return origin == f"http://{request.host}"

    def middleware(self) -> Middleware:
        @web.middleware
        async def check(
            request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
        ) -> web.StreamResponse:
            if not self.host_ok(request.host):
                raise web.HTTPForbidden(text="vconsole serve: unknown Host header\n")
            if not self.secret_ok(request):
                raise web.HTTPForbidden(
                    text="vconsole serve: open the URL printed by `vconsole serve` (with its token)\n"
                )
            is_websocket = request.headers.get("Upgrade", "").lower() == "websocket"
            if is_websocket and not self.origin_ok(request):
                raise web.HTTPForbidden(text="vconsole serve: cross-origin WebSocket refused\n")
            response = await handler(request)
            if request.query.get(TOKEN_PARAM) and not is_websocket:
                response.set_cookie(
                    self.cookie, self.secret, httponly=True, samesite="Strict", path="/"
                )
            return response

        return check


def allowed_hosts(bind: str, extra: Iterable[str], wildcard: bool) -> frozenset[str] | None:
    """Host names a request may name: loopback, the bound address and `--allow-host` names."""
    names = {n.lower() for n in extra}
    if wildcard and not names:
        return None
    shown = f"[{bind}]" if ":" in bind else bind
    return frozenset({*LOOPBACK_NAMES, shown.lower(), *names})


class GuardedServer(Server):
    """textual-serve's server with the guard in front of every route."""

    def __init__(
        self, command: str, guard: Guard, *, host: str, port: int, title: str | None = None
    ) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.guard = guard

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self.guard.middleware())
        return app

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        # The page's own URLs (static files, WebSocket) follow the Host it was opened with, so
        # the WebSocket stays same-origin whichever loopback name the admin used.
        self.public_url = f"http://{request.host}"
        return await super().handle_index(request)

    async def on_startup(self, app: web.Application) -> None:
        """Print the one URL that works (textual-serve's own banner would print one without it)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        print(f"vconsole serve: open {self.guard.url(host)}", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
