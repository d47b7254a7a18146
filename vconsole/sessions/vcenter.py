"""vCenter over pyVmomi. pyVmomi is synchronous, so every call runs in the manager's executor.

`VimConnection` is a stable handle: when vCenter restarts, the session is re-established by a
new login on the same SOAP stub, so managed objects obtained earlier keep working and a call
that failed with `NotAuthenticated` is retried once after the login.
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
import time
from typing import TYPE_CHECKING, TypeVar

from vconsole.errors import AuthFailed, CertificateMismatch, TargetUnreachable
from vconsole.sessions.results import Health

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from collections.abc import Callable

    from vconsole.sessions.slot import TargetSlot
    from vconsole.untyped import VimCall, VimObject
    from vconsole.vim.async_soap import AsyncSoapPool

T = TypeVar("T")
PING_CALLS_PER_VCENTER = 1024  # network diag ping calls in flight per vCenter (sessions/esxcli_api)
# Connections the pyVmomi stub keeps for reuse (its default is 5): a round of an MTU matrix has
# up to PING_CALLS_PER_VCENTER pings in flight, and with a pool of 5 all but five of them opened
# and closed a connection of their own, in every round.
POOL_SIZE = PING_CALLS_PER_VCENTER
_CONNECTION_ERRORS = (OSError, http.client.HTTPException, socket.timeout, ssl.SSLError)
A = TypeVar("A")


class VimConnection:
    """A live pyVmomi session for one vCenter target."""

    def __init__(self, slot: TargetSlot) -> None:
        self._slot = slot
        self.si: VimObject = None
        self._verify = True
        self._thumbprint: str | None = None
        self._content: tuple[VimObject, VimObject] | None = None  # (si, its ServiceContent)
        self._pool: AsyncSoapPool | None = None  # the event loop's connections (`post`)

    @property
    def target(self) -> str:
        return self._slot.name

    @property
    def content(self) -> VimObject:
        """The vCenter ServiceContent (`vim.ServiceInstanceContent`), kept per session.

        pyVmomi asks the server for it at every access, and panes read it on the event loop at
        every refresh; its references are fixed for a service instance, so one read serves."""
        si = self.si
        if si is None:
            raise TargetUnreachable(self.target, "not connected")
        kept = self._content
        if kept is None or kept[0] is not si:
            kept = self._content = (si, si.content)
        return kept[1]

    async def connect(self) -> None:
        """First connection: trust decision, then SmartConnect in the executor."""
        t = self._slot.target
        if t.protocol == "https":
            self._verify, self._thumbprint = await self._slot.tls_decision()
        password = await self._slot.password()
        self.si = await self._slot.in_executor(self._smart_connect, password)

    def _smart_connect(self, password: str) -> VimObject:
        from pyVim.connect import SmartConnect
        from pyVmomi import vim

        from vconsole.vim.answer_cycles import release_parsed_answers

        release_parsed_answers()  # every answer of this session freed as soon as it is dropped
        t = self._slot.target
        kwargs: dict[str, object] = {
            "protocol": t.protocol,
            "host": t.address,
            "port": t.effective_port,
            "user": t.user or "",
            "pwd": password,
            "httpConnectionTimeout": int(t.timeout),
            "connectionPoolTimeout": -1,
        }
        if t.protocol == "https" and self._thumbprint:
            kwargs["thumbprint"] = self._thumbprint  # pyVmomi re-checks it on every new connection
        try:
            si = SmartConnect(**kwargs)
        except vim.fault.InvalidLogin:
            raise AuthFailed(t.name, t.user) from None
        except Exception as exc:
            raise self._translate(exc) from None
        si._stub.poolSize = max(si._stub.poolSize, POOL_SIZE)
        return si

    def _translate(self, exc: Exception) -> Exception:
        name = type(exc).__name__
        if name in ("ThumbprintMismatchException", "CertificateMismatchException"):
            return CertificateMismatch(
                self.target,
                self._slot.target.address,
                self._thumbprint or "",
                "a different certificate",
            )
        if isinstance(exc, _CONNECTION_ERRORS):
            return TargetUnreachable(self.target, f"{name}: {exc}" if str(exc) else name)
        return exc

    def _relogin(self) -> None:
        from pyVmomi import vim

        t = self._slot.target
        password = self._slot.password_now()
        try:
            self.content.sessionManager.Login(t.user or "", password)
        except vim.fault.InvalidLogin:
            raise AuthFailed(t.name, t.user) from None

    def _invoke(self, fn: VimCall[T], args: tuple[object, ...]) -> T:
        """Run `fn` once; on a lost session (vCenter restarted) log in again and retry once."""
        from pyVmomi import vim

        try:
            return fn(*args)
        except vim.fault.NotAuthenticated:
            self._relogin()
            return fn(*args)

    async def call(
        self, fn: VimCall[T], *args: object, mutating: bool = False, what: str = ""
    ) -> T:
        """Run a pyVmomi call in the executor; read-only and audit apply when `mutating`."""
        slot = self._slot
        label = what or getattr(fn, "__name__", "call")
        started = await self._ready(label, mutating)
        try:
            result = await slot.in_executor(self._invoke, fn, args)
        except Exception as exc:
            raise self._failed(exc, label, mutating, started) from None
        slot.mark_ok()
        if mutating:
            slot.audit("vim", label, True, "ok", time.monotonic() - started)
        return result

    async def _ready(self, label: str, mutating: bool) -> float:
        """Before a call: read-only and back-off checked, the session connected; its start."""
        slot = self._slot
        slot.guard("vim", label, mutating)
        slot.check_backoff()
        started = time.monotonic()
        if self.si is None:
            async with slot.lock:
                if self.si is None:
                    await self.connect()
        return started

    def _failed(self, exc: Exception, label: str, mutating: bool, started: float) -> Exception:
        """The error a failed call raises, the slot's health and the audit updated for it."""
        slot = self._slot
        error = self._translate(exc)
        if isinstance(error, TargetUnreachable):
            slot.mark_down(error.reason)
        elif slot.state.health == Health.OK:
            slot.mark_degraded(str(error)[:200])
        if mutating:
            slot.audit(
                "vim", label, True, f"error: {type(error).__name__}", time.monotonic() - started
            )
        return error

    async def post(self, body: bytes, read: Callable[[int, bytes], A], what: str) -> A:
        """One read-only SOAP request sent from the event loop on this session (cookie, trust,
        re-login on a lost session as `call`), its status and answer given to `read`: for calls
        that mostly wait (pings), where a worker thread per call in flight costs more than the
        call."""
        from pyVmomi import vim

        from vconsole.vim.transport import soap_headers

        slot = self._slot
        started = await self._ready(what, False)
        try:
            for attempt in (1, 2):
                pool = self._async_pool()
                status, data = await pool.post(body, soap_headers(self.si._stub))
                try:
                    result = read(status, data)
                    break
                except vim.fault.NotAuthenticated:
                    if attempt == 2:
                        raise
                    await slot.in_executor(self._relogin)
        except Exception as exc:
            raise self._failed(exc, what, False, started) from None
        slot.mark_ok()
        return result

    def _async_pool(self) -> AsyncSoapPool:
        """The event loop's connections, trusted as the session is: a pinned thumbprint checked
        on every new connection before a byte is sent, or the system's verification."""
        from vconsole.vim.async_soap import AsyncSoapPool

        if self._pool is None:
            t = self._slot.target
            tls: ssl.SSLContext | None = None
            check = None
            if t.protocol == "https" and self._thumbprint:
                from vconsole.sessions.trust import unverified_context

                tls, check = unverified_context(), self._check_pinned
            elif t.protocol == "https":
                tls = ssl.create_default_context()
            self._pool = AsyncSoapPool(
                t.address, t.effective_port, self.si._stub.path, tls, check, POOL_SIZE, t.timeout
            )
        return self._pool

    def _check_pinned(self, der: bytes) -> None:
        from vconsole.sessions.trust import tls_thumbprint

        presented = tls_thumbprint(der)
        if presented != self._thumbprint:
            t = self._slot.target
            address = f"{t.address}:{t.effective_port}"
            raise CertificateMismatch(self.target, address, self._thumbprint or "", presented)

    def close(self) -> None:
        if self.si is not None:
            from pyVim.connect import Disconnect

            try:
                Disconnect(self.si)
            except Exception as exc:  # the session expires on the server by itself
                log.info("vCenter logout failed: %s: %s", type(exc).__name__, exc)
            self.si = None
            self._content = None
        if self._pool is not None:
            self._pool.close()
            self._pool = None
