"""Per-target bookkeeping shared by every connection kind: health, backoff, guards, trust.

A `TargetSlot` is what the manager keeps for each configured target. Connection classes
(SSH, vCenter, Cloud Director) use it to report health, ask for the password, enforce read-only
before any I/O, write the audit log and make TLS trust decisions. The slot reaches the manager
only through the `SlotHooks` it is given, so it neither imports nor pokes into the manager;
the connections themselves are kept by the manager, typed per kind.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, ParamSpec, TypeVar, cast

from vconsole.config import TargetConfig, normalise_thumbprint
from vconsole.errors import (
    CertificateMismatch,
    ReadOnlyRefused,
    TargetUnreachable,
    UnknownCertificate,
)
from vconsole.sessions.pool import LifoThreadPool
from vconsole.sessions.results import Health, TargetState, TrustPrompt

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from vconsole.audit import AuditLog

T = TypeVar("T")
P = ParamSpec("P")
BACKOFF_MAX_S = 30.0


def _nothing() -> None:
    pass


_CANCELLED = object()  # the pool shut down before the call ran


def _answer(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[object],
    result: object,
    exc: BaseException | None = None,
) -> None:
    """From a pool thread: settle the loop's future on the loop (unless the loop closed)."""
    try:
        loop.call_soon_threadsafe(_settle, future, result, exc)
    except RuntimeError:  # the loop closed: nobody waits any more
        pass


def _settle(future: asyncio.Future[object], result: object, exc: BaseException | None) -> None:
    if future.done():  # the caller went away meanwhile
        return
    if exc is not None:
        future.set_exception(exc)
    elif result is _CANCELLED:
        future.cancel()
    else:
        future.set_result(result)


def backoff_delay(failures: int) -> float:
    """No wait before the first retry (a restarted server comes back at once), then 1, 2, 4.. s."""
    if failures < 2:
        return 0.0
    return min(BACKOFF_MAX_S, 2.0 ** (failures - 2))


@dataclass(frozen=True)
class SlotHooks:
    """What a slot may ask of the manager that owns it; one set shared by all its slots."""

    executor: Executor
    audit: AuditLog
    per_host_limit: int
    read_only_by: Callable[[], str | None]  # who makes this run read-only ("this session"...)
    publish: Callable[[TargetState], None]
    confirm: Callable[[TrustPrompt], Awaitable[bool]]
    password: Callable[[TargetConfig], str]
    api_token: Callable[[TargetConfig], str]
    forget: Callable[[str, bool], None]  # (target name, token?) drops a refused secret
    pin: Callable[[TargetConfig, str], None]


class TargetSlot:
    def __init__(self, hooks: SlotHooks, target: TargetConfig) -> None:
        self.hooks = hooks
        self.target = target
        self.lock = asyncio.Lock()
        self.semaphore = asyncio.Semaphore(target.concurrency or hooks.per_host_limit)
        self.failures = 0
        self.next_try = 0.0
        self.state = TargetState(target.name, target.kind, Health.IDLE)

    @property
    def name(self) -> str:
        return self.target.name

    def set_health(self, health: Health, reason: str = "") -> None:
        if self.state.health == health and self.state.reason == reason:
            return
        self.state = TargetState(
            self.name, self.target.kind, health, reason, time.time(), self.failures
        )
        self.hooks.publish(self.state)

    def mark_ok(self) -> None:
        self.failures = 0
        self.next_try = 0.0
        self.set_health(Health.OK)

    def mark_down(self, reason: str) -> None:
        self.failures += 1
        self.next_try = time.monotonic() + backoff_delay(self.failures)
        self.set_health(Health.DOWN, reason)

    def mark_degraded(self, reason: str) -> None:
        self.set_health(Health.DEGRADED, reason)

    def check_backoff(self) -> None:
        """Refuse quickly while a recently failed target is backing off (fan-outs stay fast)."""
        wait = self.next_try - time.monotonic()
        if wait > 0:
            raise TargetUnreachable(self.name, f"{self.state.reason}; next retry in {wait:.0f} s")

    def guard(self, action: str, what: str, mutating: bool) -> None:
        """Read-only enforcement: refuse (and audit the refusal) before any I/O."""
        if not mutating:
            return
        why = self.hooks.read_only_by()
        if why is None and self.target.read_only:
            why = f"target {self.name!r}"
        if why:
            self.audit(action, what, True, f"refused: {why} is read-only")
            raise ReadOnlyRefused(self.name, what, why)

    def audit(
        self, action: str, what: str, mutating: bool, outcome: str, duration_s: float = 0.0
    ) -> None:
        self.hooks.audit.record(
            target=self.name,
            user=self.target.user,
            action=action,
            what=what,
            mutating=mutating,
            outcome=outcome,
            duration_s=duration_s,
        )

    async def in_executor(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn` on the executor's thread; with the session pool, answered straight into this
        loop's future (one hand-off each way, no `concurrent.futures.Future` between)."""
        loop = asyncio.get_running_loop()
        executor = self.hooks.executor
        if not isinstance(executor, LifoThreadPool):
            return await loop.run_in_executor(executor, partial(fn, *args, **kwargs))
        future: asyncio.Future[object] = loop.create_future()

        def run() -> Callable[[], object]:
            if future.cancelled():  # the caller went away while it waited for a thread
                return _nothing
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # the caller sees it through the future
                return partial(_answer, loop, future, None, exc)
            return partial(_answer, loop, future, result)

        executor.call(run, partial(_answer, loop, future, _CANCELLED))
        return cast(T, await future)

    async def password(self) -> str:
        """Runs the lookup in the executor: a keyring call or a getpass prompt may block."""
        return await self.in_executor(self.hooks.password, self.target)

    def password_now(self) -> str:
        """The same lookup, from a thread already in the executor (a relogin inside a call)."""
        return self.hooks.password(self.target)

    def forget_password(self) -> None:
        self.hooks.forget(self.name, False)

    async def api_token(self) -> str:
        """The Cloud Director API token (a refresh token), looked up like a password."""
        return await self.in_executor(self.hooks.api_token, self.target)

    def forget_api_token(self) -> None:
        self.hooks.forget(self.name, True)

    async def tls_decision(self) -> tuple[bool, str | None]:
        """(verify, thumbprint) for an https target: normal verification, or a pinned thumbprint.

        The certificate is fetched once here; a self-signed one is used only when its SHA-256
        matches the pin, or the admin confirms it now (it is then pinned in the config).
        """
        from vconsole.sessions.trust import fetch_certificate, tls_thumbprint

        t = self.target
        port = t.effective_port
        try:
            der, verified = await self.in_executor(
                fetch_certificate, t.address, port, min(t.timeout, 30.0)
            )
        except OSError as exc:
            raise TargetUnreachable(
                self.name, f"cannot reach {t.address}:{port}: {exc.strerror or exc}"
            ) from None
        presented = tls_thumbprint(der)
        if t.thumbprint:
            pinned = normalise_thumbprint(t.thumbprint) or t.thumbprint
            if presented != pinned:
                raise CertificateMismatch(self.name, f"{t.address}:{port}", pinned, presented)
            return False, presented
        if verified:
            return True, None
        prompt = TrustPrompt(self.name, "tls-certificate", f"{t.address}:{port}", presented)
        if not await self.hooks.confirm(prompt):
            raise UnknownCertificate(self.name, f"{t.address}:{port}", presented)
        self.pin(presented)
        return False, presented

    def pin(self, thumbprint: str) -> None:
        self.target = replace(self.target, thumbprint=thumbprint)
        self.hooks.pin(self.target, thumbprint)
