"""What services and screens need from the session manager and the profile, as Protocols.

Panes are typed against these small surfaces instead of the concrete classes: the seam is
checked by mypy, and importing a service or screen still pulls neither the manager nor
paramiko, pyVmomi or httpx (every import below is for type checking only).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from vconsole.audit import AuditLog
    from vconsole.config import TargetConfig
    from vconsole.hosts_config import DiscoveredHost
    from vconsole.sessions.results import Answer, CommandResult, FanOutResult, TargetState
    from vconsole.sessions.vcd import VcdClient
    from vconsole.sessions.vcenter import VimConnection
    from vconsole.tokens import Command

T = TypeVar("T")
# called after each target of a fan-out: (done, total, that target's result)
OnProgress = Callable[[int, int, "FanOutResult[T]"], None]


class ProfileView(Protocol):
    """The parts of a `vconsole.config.Profile` that panes read."""

    @property
    def name(self) -> str: ...

    @property
    def read_only(self) -> bool: ...

    def target(self, name: str) -> TargetConfig: ...

    def names(self, *kinds: str) -> list[str]: ...

    def discovered_host(self, name: str) -> DiscoveredHost | None: ...


class Sessions(Protocol):
    """The session manager as panes use it: commands, API connections, fan-out, health."""

    @property
    def profile(self) -> ProfileView: ...

    @property
    def read_only(self) -> bool: ...

    @property
    def audit(self) -> AuditLog: ...

    def target(self, name: str) -> TargetConfig: ...

    def states(self) -> dict[str, TargetState]: ...

    def subscribe(self, listener: Callable[[TargetState], None]) -> Callable[[], None]: ...

    async def run(
        self, target: str, command: Command, *, timeout: float | None = None
    ) -> CommandResult: ...

    async def run_each(
        self,
        target: str,
        commands: Sequence[Command],
        *,
        timeout: float | None = None,
        batch: bool = True,
    ) -> list[Answer]: ...

    async def vim(self, target: str) -> VimConnection: ...

    async def vcd(self, target: str) -> VcdClient: ...

    async def fan_out(
        self,
        op: Callable[[str], Awaitable[T]],
        targets: Iterable[str],
        *,
        limit: int | None = None,
        on_progress: OnProgress[T] | None = None,
        timeout: float | None = None,
    ) -> list[FanOutResult[T]]: ...

    async def close(self) -> None: ...
