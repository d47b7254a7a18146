"""The session manager: one per app or CLI run, owning every connection and its executor.

Connections open lazily on first use and are reused; a failed one is dropped and re-opened on
the next call (with backoff after repeated failures). pyVmomi and paramiko calls run in the
manager's thread pool, httpx natively on the loop. Read-only is enforced here before any I/O.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from vconsole.audit import AuditLog
from vconsole.config import SSH_KINDS, Profile, TargetConfig, pin_thumbprint
from vconsole.errors import (
    CommandTimeout,
    TargetUnreachable,
    VconsoleError,
    WrongTargetKind,
)
from vconsole.secrets import SecretStore
from vconsole.sessions import fanout
from vconsole.sessions.pool import LifoThreadPool
from vconsole.sessions.results import (
    OUTPUT_CAP,
    Answer,
    CommandResult,
    FanOutResult,
    Health,
    TargetState,
    TrustPrompt,
)
from vconsole.sessions.slot import SlotHooks, TargetSlot
from vconsole.tokens import Command

if TYPE_CHECKING:
    from vconsole.sessions.replay import ReplayHost
    from vconsole.sessions.ssh import SshHost
    from vconsole.sessions.trust import KnownHosts
    from vconsole.sessions.vcd import VcdClient
    from vconsole.sessions.vcenter import VimConnection

log = logging.getLogger(__name__)

T = TypeVar("T")
ConfirmTrust = Callable[[TrustPrompt], bool | Awaitable[bool]]
StateListener = Callable[[TargetState], None]


class SessionManager:
    """Connects to a profile's targets on demand and runs commands and API calls on them.

    `confirm` decides trust prompts (unknown SSH host key, unpinned certificate): a coroutine
    function is awaited on the loop (TUI modal); a plain function runs in the executor, so a
    blocking `input()` is fine. Without it, unknown keys and certificates are refused.
    """

    def __init__(
        self,
        profile: Profile,
        read_only: bool = False,
        *,
        secrets: SecretStore | None = None,
        confirm: ConfirmTrust | None = None,
        audit: AuditLog | None = None,
        known_hosts_path: Path | None = None,
        on_pin: Callable[[Profile, str, str], None] | None = None,
        max_workers: int = 64,
        per_host_limit: int = 8,
        fan_out_limit: int = 64,
        output_cap: int | None = None,
    ) -> None:
        self.profile = profile
        self.read_only = read_only
        self.secrets = secrets or SecretStore(profile.name)
        self.audit = audit or AuditLog(redact=self.secrets.redact)
        self._known_hosts_path = known_hosts_path
        self._known_hosts: KnownHosts | None = None
        # idle refreshes stay on the threads they last used; threads a fan-out added end again
        self.executor = LifoThreadPool(max_workers, thread_name_prefix="vconsole-io")
        self.per_host_limit = per_host_limit
        self.fan_out_limit = fan_out_limit
        self.output_cap = output_cap or OUTPUT_CAP
        self.ssh_connects = 0  # TCP connections opened to SSH hosts (reuse shows in benchmarks)
        self._confirm_cb = confirm
        self._on_pin = on_pin
        self._listeners: list[StateListener] = []
        self._slots: dict[str, TargetSlot] = {}
        # the open connections, one map per kind (a slot keeps only health and trust)
        self._ssh_hosts: dict[str, SshHost] = {}
        self._vims: dict[str, VimConnection] = {}
        self._vcds: dict[str, VcdClient] = {}
        self._replays: dict[str, ReplayHost] = {}
        self.batch_refused: set[str] = set()  # hosts whose shell refused a batched exec
        self._password_lock = threading.Lock()
        self._closed = False
        self._hooks = SlotHooks(
            executor=self.executor,
            audit=self.audit,
            per_host_limit=per_host_limit,
            read_only_by=self._read_only_by,
            publish=self._publish,
            confirm=self._confirm,
            password=self._get_password,
            api_token=self._get_api_token,
            forget=lambda name, token: self.secrets.forget(name, token=token),
            pin=self._pin,
        )

    # -- targets and health -------------------------------------------------------------
    def _slot(self, name: str) -> TargetSlot:
        slot = self._slots.get(name)
        if slot is None:
            slot = self._slots[name] = TargetSlot(self._hooks, self.profile.target(name))
        return slot

    def _read_only_by(self) -> str | None:
        if self.read_only:
            return "this session"
        if self.profile.read_only:
            return f"profile {self.profile.name!r}"
        return None

    def target(self, name: str) -> TargetConfig:
        return self._slot(name).target

    def states(self) -> dict[str, TargetState]:
        out = {t.name: TargetState(t.name, t.kind, Health.IDLE) for t in self.profile.targets}
        out.update({name: slot.state for name, slot in self._slots.items()})
        return out

    def subscribe(self, listener: StateListener) -> Callable[[], None]:
        """Call `listener` on every health change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _publish(self, state: TargetState) -> None:
        for listener in list(self._listeners):
            listener(state)

    # -- secrets and trust --------------------------------------------------------------
    def _get_password(self, target: TargetConfig) -> str:
        with self._password_lock:  # one prompt at a time even during a fan-out
            return self.secrets.get_password(
                target.name, target.user, lab_credentials=target.lab_credentials
            )

    def _get_api_token(self, target: TargetConfig) -> str:
        with self._password_lock:
            return self.secrets.get_token(target.name, lab_credentials=target.lab_credentials)

    async def _confirm(self, prompt: TrustPrompt) -> bool:
        callback = self._confirm_cb
        if callback is None:
            return False
        if inspect.iscoroutinefunction(callback):
            return bool(await callback(prompt))
        answer = await asyncio.get_running_loop().run_in_executor(self.executor, callback, prompt)
        if inspect.isawaitable(answer):
            answer = await answer
        return bool(answer)

    @property
    def known_hosts(self) -> KnownHosts:
        """The console's known_hosts, read on first SSH use (paramiko stays off the start path)."""
        if self._known_hosts is None:
            from vconsole.sessions.trust import KnownHosts

            self._known_hosts = KnownHosts(self._known_hosts_path)
        return self._known_hosts

    def _pin(self, target: TargetConfig, thumbprint: str) -> None:
        if self._on_pin is not None:
            self._on_pin(self.profile, target.name, thumbprint)
        elif self.profile.source is not None:
            pin_thumbprint(self.profile, target.name, thumbprint)

    # -- SSH and replay -----------------------------------------------------------------
    def _count_connect(self) -> None:
        self.ssh_connects += 1

    async def _ssh(self, slot: TargetSlot) -> SshHost:
        from vconsole.sessions.ssh_login import ssh_login

        async with slot.lock:
            open_host = self._ssh_hosts.get(slot.name)
            if open_host is not None and open_host.alive:
                return open_host
            host = await ssh_login(
                slot, self.known_hosts, self.output_cap, self._confirm, self._count_connect
            )
            self._ssh_hosts[slot.name] = host
            return host

    async def run(
        self,
        target: str,
        command: Command,
        *,
        timeout: float | None = None,
        audit: bool = True,
    ) -> CommandResult:
        """Run a validated command on an ESXi/Bitfusion host or answer it from a replay capture.

        `audit` False leaves the SSH audit records to the caller (`run_each` audits each line)."""
        slot = self._slot(target)
        t = slot.target
        line = command.line
        if t.kind == "replay":
            slot.guard("replay", line, command.mutating)
            from vconsole.sessions.replay import ReplayHost

            replay = self._replays.get(t.name)
            if replay is None:
                replay = self._replays[t.name] = ReplayHost(t.name, t.file or "")
            result = replay.run(line)
            slot.mark_ok()
            return result
        if t.kind not in SSH_KINDS:
            raise WrongTargetKind(t.name, t.kind, "an SSH (esxi/bitfusion) or replay target")
        if t.kind == "esxi" and (t.via == "api" or self.profile.discovered):
            from vconsole.sessions.esxcli_api import check_reachable, run_over_api

            if t.via == "api":  # through vCenter: esxcli over the vSphere API
                return await run_over_api(self, self._slot, slot, command, timeout)
            check_reachable(self.profile, slot)
        slot.guard("ssh", line, command.mutating)
        note = slot.audit if audit else _unaudited
        async with slot.semaphore:
            started = time.monotonic()
            try:
                host = await self._ssh(slot)
            except VconsoleError as exc:
                note(
                    "ssh", line, command.mutating, f"error: {exc.title}", time.monotonic() - started
                )
                raise
            from vconsole.sessions.ssh import Cancel

            cancel = Cancel()
            try:
                result = await slot.in_executor(host.run, line, timeout or t.timeout, cancel)
            except asyncio.CancelledError:
                cancel.set()
                note("ssh", line, command.mutating, "cancelled", time.monotonic() - started)
                raise
            except CommandTimeout as exc:
                slot.mark_degraded(exc.message)
                note("ssh", line, command.mutating, "error: timeout", time.monotonic() - started)
                raise
            except TargetUnreachable as exc:
                host.close()
                self._ssh_hosts.pop(slot.name, None)
                slot.mark_down(exc.reason)
                note(
                    "ssh",
                    line,
                    command.mutating,
                    "error: connection lost",
                    time.monotonic() - started,
                )
                raise
            outcome = "ok" if result.exit == 0 else f"exit {result.exit}"
            if result.truncated:
                outcome += " (output truncated)"
            note("ssh", line, command.mutating, outcome, result.duration_s)
            slot.mark_ok()
            return result

    async def run_each(
        self,
        target: str,
        commands: Sequence[Command],
        *,
        batch: bool = True,
        timeout: float | None = None,
    ) -> list[Answer]:
        """Each read-only command's result or error, in one exec where the host allows it,
        or through vCenter in one trip to the pool (`batch` False: each command alone)."""
        from vconsole.sessions.batch import run_each

        slot = self._slot(target)
        if batch and len(commands) > 1 and slot.target.via == "api" and slot.target.kind == "esxi":
            from vconsole.sessions.esxcli_api_each import api_calls_of, run_calls_over_api

            calls = api_calls_of(commands)
            if calls is not None:
                return await run_calls_over_api(self, self._slot, slot, calls, timeout)
        return await run_each(self, target, commands, timeout, batch)

    # -- vCenter and Cloud Director -----------------------------------------------------
    async def vim(self, target: str) -> VimConnection:
        """The pyVmomi connection (`VimConnection`) for a vCenter target, connecting if needed."""
        from vconsole.sessions.vcenter import VimConnection

        slot = self._slot_of_kind(target, "vcenter")
        async with slot.lock:
            conn = self._vims.get(target)
            if conn is None:
                conn = self._vims[target] = VimConnection(slot)
            if conn.si is None:
                await self._connect(slot, conn.connect)
        return conn

    async def vcd(self, target: str) -> VcdClient:
        """The Cloud Director client (`VcdClient`), logged in with the negotiated API version."""
        from vconsole.sessions.vcd import VcdClient

        slot = self._slot_of_kind(target, "vcd")
        async with slot.lock:
            client = self._vcds.get(target)
            if client is None or not client.connected:
                client = VcdClient(slot)
                await self._connect(slot, client.connect)
                self._vcds[target] = client
        return client

    def _slot_of_kind(self, target: str, kind: str) -> TargetSlot:
        """`target`'s slot; WrongTargetKind unless it is a `kind` target."""
        slot = self._slot(target)
        if slot.target.kind != kind:
            raise WrongTargetKind(target, slot.target.kind, f"a {kind} target")
        return slot

    async def _connect(self, slot: TargetSlot, connect: Callable[[], Awaitable[None]]) -> None:
        """Connect unless the slot is backing off; health says CONNECTING, then OK or DOWN."""
        slot.check_backoff()
        slot.set_health(Health.CONNECTING)
        try:
            await connect()
        except VconsoleError as exc:
            slot.mark_down(exc.message)
            raise
        except (OSError, asyncio.TimeoutError) as exc:
            slot.mark_down(str(exc) or type(exc).__name__)
            raise TargetUnreachable(slot.name, str(exc) or type(exc).__name__) from None
        slot.mark_ok()

    # -- fan-out --------------------------------------------------------------------------
    def fan_out_iter(
        self,
        op: Callable[[str], Awaitable[T]],
        targets: Iterable[str],
        *,
        limit: int | None = None,
        on_progress: Callable[[int, int, FanOutResult[T]], None] | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[FanOutResult[T]]:
        """Results as they complete; at most `limit` targets in flight at once."""
        return fanout.fan_out_iter(
            op, list(targets), limit or self.fan_out_limit, on_progress, timeout
        )

    async def fan_out(
        self,
        op: Callable[[str], Awaitable[T]],
        targets: Iterable[str],
        *,
        limit: int | None = None,
        on_progress: Callable[[int, int, FanOutResult[T]], None] | None = None,
        timeout: float | None = None,
    ) -> list[FanOutResult[T]]:
        """Every target's result or error, in the order given; never raises for one target.
        Its audit records are on disk when it returns (they are held while it runs)."""
        names = list(targets)
        try:
            return await fanout.fan_out(
                op, names, limit or self.fan_out_limit, on_progress, timeout
            )
        finally:
            self.audit.flush()

    # -- shutdown -------------------------------------------------------------------------
    async def close(self) -> None:
        """Log out and close every connection, then stop the executor."""
        if self._closed:
            return
        self._closed = True
        for name, slot in self._slots.items():
            self._replays.pop(name, None)
            try:
                client = self._vcds.pop(name, None)
                if client is not None:
                    await client.aclose()
                for blocking in (self._ssh_hosts.pop(name, None), self._vims.pop(name, None)):
                    if blocking is not None:
                        await slot.in_executor(blocking.close)
            except Exception as exc:  # closing anyway: the connection is dropped either way
                log.info("%s: close failed: %s: %s", slot.target.name, type(exc).__name__, exc)
            slot.set_health(Health.CLOSED)
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.audit.close()

    async def __aenter__(self) -> SessionManager:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _unaudited(*_args: object) -> None:
    """Stands in for `slot.audit` when the caller audits the command itself."""
