"""Value types the session layer hands to services and screens."""

from __future__ import annotations

import enum
import functools
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

T = TypeVar("T")

OUTPUT_CAP = 4 * 1024 * 1024  # bytes per stream; beyond it output is cut and flagged


@dataclass(frozen=True)
class CommandResult:
    """What a host answered to one command line; `truncated` is set when output hit the cap."""

    stdout: str
    stderr: str
    exit: int
    duration_s: float
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.exit == 0 and not self.truncated


class TextOnFirstRead:
    """First base of a frozen dataclass whose `stdout` is a `field(init=False)`: `_first_text()`
    makes it when it is first read, and it is kept. For text that costs more than most readers
    need. (The dataclass drops its own class attribute, so the lookup finds this one first.)"""

    def _first_text(self) -> str:
        raise NotImplementedError

    if not TYPE_CHECKING:  # typed as the dataclass field

        @functools.cached_property
        def stdout(self) -> str:
            return self._first_text()


class Health(str, enum.Enum):
    """Connection health of a target, as shown in the connections bar."""

    IDLE = "idle"  # configured, never connected in this run
    CONNECTING = "connecting"
    OK = "ok"
    DEGRADED = "degraded"  # connected, but the last call failed
    DOWN = "down"  # cannot connect; the reason says why
    CLOSED = "closed"


@dataclass(frozen=True)
class TargetState:
    name: str
    kind: str
    health: Health
    reason: str = ""
    since: float = field(default_factory=time.time)
    failures: int = 0


@dataclass(frozen=True)
class FanOutResult(Generic[T]):
    """One target's outcome in a fan-out: a value or the error it raised, never both."""

    target: str
    value: T | None = None
    error: BaseException | None = None
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class TrustPrompt:
    """A trust decision put to the admin: an unknown SSH host key or an unpinned certificate."""

    target: str
    kind: str  # "ssh-host-key" | "tls-certificate"
    address: str
    fingerprint: str  # "SHA256:..." for SSH, colon hex SHA-256 for TLS
    key_type: str = ""


# A command's result, or the exception it raised instead (as `gather(return_exceptions=True)`
# hands them over).
Answer = CommandResult | BaseException
