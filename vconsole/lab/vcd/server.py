"""`VcdLab`: the lab's Cloud Director, an aiohttp server on loopback in its own thread.

Synchronous on the outside so the lab runner and tests can start and stop it like the other
lab parts; the run-time knobs (`expire_tokens`, `revoke_api_token`, `inject_fault`) are for
tests and demos.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from vconsole.lab.scenario import Scenario
from vconsole.lab.vcd.app import build_app
from vconsole.lab.vcd.auth import SYSTEM_ORG, SessionBook
from vconsole.lab.vcd.certs import ensure_certificate, server_context, thumbprint
from vconsole.lab.vcd.routing import Fault, LabContext
from vconsole.lab.vcd.store import BrandingState

SYSTEM_ADMIN = f"administrator@{SYSTEM_ORG}"
ORG_ADMIN_USER = "orgadmin"
WRITE_METHODS = ("PUT", "POST", "DELETE")


def _seed(scenario: Scenario) -> BrandingState:
    """System defaults plus an own branding for each org with a `portal_name` in the scenario."""
    state = BrandingState()
    for org in scenario.vcd.orgs:
        if org.portal_name:
            state.tenants[org.name] = {
                "portalName": org.portal_name,
                "portalColor": None,
                "selectedTheme": {"themeType": "BUILT_IN", "name": "Default"},
                "customLinks": [],
            }
    return state


class VcdLab:
    """A Cloud Director on 127.0.0.1 answering versions, sessions and branding."""

    def __init__(
        self,
        scenario: Scenario,
        state_dir: Path,
        port: int = 0,
        tls: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.scenario = scenario
        self.state_dir = Path(state_dir) / "vcd"
        self.port = port
        self.tls = tls
        users = {SYSTEM_ADMIN: secrets.token_urlsafe(12)}
        for org in scenario.vcd.orgs:
            users[f"{ORG_ADMIN_USER}@{org.name}"] = secrets.token_urlsafe(12)
        self.users: dict[str, str] = users
        self.state_dir.mkdir(parents=True, exist_ok=True)
        state_file = self.state_dir / "branding.json"
        state = BrandingState.load(state_file) if state_file.exists() else _seed(scenario)
        self.ctx = LabContext(
            max_version=scenario.vcd.version,
            sessions=SessionBook(
                ttl_s=float(scenario.vcd.token_ttl_s), users=dict(users), clock=clock
            ),
            state=state,
            orgs={o.name.lower(): o.name for o in scenario.vcd.orgs},
            state_file=state_file,
        )
        # one API token per lab user (provider and each org admin), as made in the portal
        self.api_tokens: dict[str, str] = {
            principal: self.ctx.sessions.issue_api_token(*principal.rsplit("@", 1))
            for principal in users
        }
        self.thumbprint: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def version(self) -> str:
        return self.ctx.max_version

    def start(self) -> VcdLab:
        """Bind and serve; returns once the port is known."""
        ssl_ctx = None
        if self.tls:
            cert, key = ensure_certificate(self.state_dir)
            self.thumbprint = thumbprint(cert)
            ssl_ctx = server_context(cert, key)
        ready = threading.Event()
        errors: list[BaseException] = []
        loop = asyncio.new_event_loop()
        self._loop = loop

        async def serve() -> None:
            runner = web.AppRunner(build_app(self.ctx), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", self.port, ssl_context=ssl_ctx)
            await site.start()
            self._runner = runner
            sockets = getattr(site._server, "sockets", None)
            if sockets:
                self.port = sockets[0].getsockname()[1]

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(serve())
            except BaseException as exc:  # handed to the starting thread
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="vcd-lab", daemon=True)
        self._thread.start()
        ready.wait(30)
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        loop, runner = self._loop, self._runner
        if loop is None:
            return
        if runner is not None:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = self._runner = self._thread = None

    def __enter__(self) -> VcdLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def requests(self) -> list[str]:
        """Every API call served so far as "METHOD /path", oldest first (transfers excluded)."""
        return list(self.ctx.requests)

    def clear_request_log(self) -> None:
        self.ctx.requests.clear()

    def expire_tokens(self) -> int:
        """End every session now (as an idle timeout would); returns how many ended."""
        return self.ctx.sessions.expire_all()

    def revoke_api_token(self, principal: str = SYSTEM_ADMIN) -> None:
        """Revoke `principal`'s API token (as the portal's Revoke does); later refreshes fail."""
        token = self.api_tokens.pop(principal, None)
        if token is not None:
            self.ctx.sessions.revoke_api_token(token)

    def issue_api_token(self, principal: str = SYSTEM_ADMIN) -> str:
        """A fresh API token for `principal`, replacing the one the lab listed for it."""
        self.revoke_api_token(principal)
        user, _, org = principal.rpartition("@")
        token = self.ctx.sessions.issue_api_token(user, org)
        self.api_tokens[principal] = token
        return token

    def inject_fault(
        self, status: int = 503, count: int = 1, methods: tuple[str, ...] = WRITE_METHODS
    ) -> None:
        """Answer the next `count` branding calls of `methods` with `status` (a 5xx)."""
        with self.ctx.fault_lock:
            self.ctx.faults.append(Fault(status, count, tuple(m.upper() for m in methods)))

    def clear_faults(self) -> None:
        with self.ctx.fault_lock:
            self.ctx.faults = []

    def set_require_auth_for_branding(self, value: bool) -> None:
        self.ctx.require_auth_for_branding = value
