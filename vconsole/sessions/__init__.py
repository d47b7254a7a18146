"""The shared async session manager: one place that connects, trusts, audits and fans out.

Names are resolved lazily so that `import vconsole.sessions` (or its `errors` module) does not
pull paramiko, pyVmomi or httpx onto the start-up path.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

_EXPORTS = {
    "SessionManager": "vconsole.sessions.manager",
    "ConfirmTrust": "vconsole.sessions.manager",
    "CommandResult": "vconsole.sessions.results",
    "FanOutResult": "vconsole.sessions.results",
    "Health": "vconsole.sessions.results",
    "TargetState": "vconsole.sessions.results",
    "TrustPrompt": "vconsole.sessions.results",
    "Command": "vconsole.tokens",
}

__all__ = [
    "Command",
    "CommandResult",
    "ConfirmTrust",
    "FanOutResult",
    "Health",
    "SessionManager",
    "TargetState",
    "TrustPrompt",
]

if TYPE_CHECKING:
    from vconsole.sessions.manager import ConfirmTrust, SessionManager
    from vconsole.sessions.results import (
        CommandResult,
        FanOutResult,
        Health,
        TargetState,
        TrustPrompt,
    )
    from vconsole.tokens import Command


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vconsole.sessions' has no attribute {name!r}")
    return getattr(import_module(module), name)
