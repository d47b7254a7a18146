"""Wire a session manager to the console App: trust questions and password prompts go to modals.

Used by `vconsole ui`, `vconsole serve` (through `ui`), the tests and the start-up benchmark.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from screens.app import VconsoleApp
from screens.panes import all_panes, find_pane

if TYPE_CHECKING:
    from vconsole.config import Profile
    from vconsole.sessions.results import TrustPrompt


class UnknownPane(ValueError):
    """`--pane` named no pane; the message lists the aliases that exist."""


def build_console(
    profile: Profile,
    *,
    read_only: bool = False,
    start_pane: str = "triage",
    keymap: Mapping[str, str] | None = None,
    known_hosts_path: Path | None = None,
    use_keyring: bool = True,
    test_all_on_start: bool = False,
) -> VconsoleApp:
    """A ready App with its own SessionManager; nothing connects until a pane asks."""
    if find_pane(start_pane) is None:
        known = ", ".join(spec.alias for spec in all_panes())
        raise UnknownPane(f"no pane {start_pane!r}; try {known}")
    from vconsole.secrets import SecretStore
    from vconsole.sessions.manager import SessionManager

    holder: list[VconsoleApp] = []

    async def confirm(prompt: TrustPrompt) -> bool:
        return await holder[0].confirm_trust(prompt)

    def prompt_password(question: str) -> str:
        return holder[0].ask_password(question)

    def notify(text: str) -> None:
        app = holder[0]
        try:
            app.call_from_thread(app.notify, text, markup=False, timeout=10)
        except RuntimeError:  # already on the app's own thread
            app.notify(text, markup=False, timeout=10)

    secrets = SecretStore(profile.name, prompt_password, use_keyring=use_keyring, notify=notify)
    manager = SessionManager(
        profile,
        read_only,
        secrets=secrets,
        confirm=confirm,
        known_hosts_path=known_hosts_path,
        # an MTU matrix holds a thread per exec (SSH) or per ping (API) in flight; threads are
        # only started when needed
        max_workers=256,
    )
    app = VconsoleApp(manager, profile, read_only=read_only, start_pane=start_pane, keymap=keymap)
    app.test_all_on_start = test_all_on_start
    holder.append(app)
    return app
