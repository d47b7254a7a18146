"""The console App: pane navigation (k9s grammar), header state, palette, clean exit.

The App holds the one session manager of the run and the active profile; panes receive them in
a PaneContext. Nothing here talks to a server directly.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input

from screens.commands import PaneJumpProvider, ScreenCommandsProvider
from screens.pane_context import PaneContext, PaneSpec
from screens.panes import all_panes, find_pane, open_pane
from vconsole.idle_collect import QUIET_S, IdleCollector
from vconsole.services.triage import FindingsBoard
from widgets.console_header import ConsoleHeader, HeaderInfo, health_from_states

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.command import Provider

    from vconsole.config import Profile
    from vconsole.models.findings import Subject
    from vconsole.sessions.protocols import Sessions
    from vconsole.sessions.results import TrustPrompt

log = logging.getLogger(__name__)


def _screen_name(alias: str) -> str:
    return f"pane:{alias}"


MAX_HISTORY = 50
HANGUP_EXIT_CODE = 129  # 128 + SIGHUP, as a shell reports a hung-up job
HANGUP_GRACE_S = 10.0


class VconsoleApp(App[int]):
    """Keyboard-driven VMware operations console."""

    TITLE = "vconsole"
    CSS_PATH = "vconsole.tcss"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {
        PaneJumpProvider,
        ScreenCommandsProvider,
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "colon",
            "command_line",
            "Jump",
            key_display=":",
            priority=True,  # letters typed right after ":" must land in the command line
            id="app.command_line",
            tooltip="Open the command line: type a pane alias (vm, lag, mtu, path, gpu, brand).",
        ),
        Binding(
            "question_mark",
            "help",
            "Keys",
            key_display="?",
            id="app.help",
            tooltip="List the keys of this screen and of the app.",
        ),
        Binding(
            "escape",
            "back",
            "Back",
            id="app.back",
            show=False,
            tooltip="Go back to the previous pane.",
        ),
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            id="app.quit",
            priority=True,
            show=False,  # listed under `?`; the footer keeps room for the pane's keys
            tooltip="Close every connection and leave the console.",
        ),
        *[
            Binding(
                str(n),
                f"jump_key('{n}')",
                f"Pane {n}",
                show=False,
                id=f"app.pane_{n}",
                tooltip="Open the pane with this number (0 = connections).",
            )
            for n in range(7)
        ],
    ]

    class TargetStatesChanged(Message):
        """The session manager reported a health change; refresh every header line."""

    def __init__(
        self,
        manager: Sessions,
        profile: Profile,
        *,
        read_only: bool = False,
        start_pane: str = "triage",
        keymap: Mapping[str, str] | None = None,
        colour: str | None = None,
    ) -> None:
        super().__init__()
        self.manager = manager
        self.profile = profile
        self.read_only = bool(read_only or getattr(profile, "read_only", False))
        self.colour = colour if colour is not None else getattr(profile, "colour", None)
        self.start_pane = start_pane
        self.hangup_hooks: list[Callable[[], object]] = []  # run before the process ends on SIGHUP
        self.quit_hooks: list[Callable[[], object]] = []  # run as the console starts to exit
        self.test_all_on_start = False  # the connections pane tests every target when it opens
        self.header_info = self._build_header_info()
        self.findings_board = FindingsBoard()
        self.pane_history: list[str] = []
        """Installed pane screens in the order visited, for esc."""
        """Every pane's latest findings; the triage pane shows them, the panes post to them."""
        self._unsubscribe: Callable[[], None] | None = None
        self.idle_collector = IdleCollector()
        """Full collections while the keyboard is quiet, so background garbage does not pile up."""
        if keymap:
            self.set_keymap(dict(keymap))

    def exit(
        self,
        result: int | None = None,
        return_code: int = 0,
        message: RenderableType | None = None,
    ) -> None:
        """Start the quit hooks (e.g. the demo's lab stopping) while Textual shuts down."""
        hooks, self.quit_hooks = self.quit_hooks, []
        for hook in hooks:
            try:
                hook()
            except Exception:  # the console is quitting either way; the other hooks still run
                log.exception("quit hook %r failed", hook)
        super().exit(result, return_code, message)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`:` is a priority key, so it must stay a plain character while typing in a field."""
        if action == "command_line" and _is_text_field(self.focused):
            return False
        return True

    def get_default_screen(self) -> Screen[None]:
        spec = find_pane(self.start_pane) or find_pane("conn")
        assert spec is not None
        screen = self.build_pane(spec, self.start_pane)
        if spec.alias != "help":
            self.install_screen(screen, _screen_name(spec.alias))
            self.pane_history = [_screen_name(spec.alias)]
        # Textual loads a pushed screen's CSS_PATH itself, but not the default screen's.
        self._load_screen_css(screen)
        return screen

    def build_pane(self, spec: PaneSpec, alias: str) -> Screen[None]:
        """Construct a pane screen (no I/O happens here; panes start their own workers)."""
        context = PaneContext(self.manager, self.profile, self.read_only, alias.lstrip(":"))
        screen = open_pane(context, spec.alias)
        screen.pane_alias = spec.alias  # type: ignore[attr-defined]
        return screen

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent) and not event.is_forwarded:
            self.idle_collector.input_seen()
        await super().on_event(event)

    def _idle_tick(self) -> None:
        self.idle_collector.tick()

    def on_mount(self) -> None:
        self.set_interval(QUIET_S, self._idle_tick, name="idle-collect")
        subscribe = getattr(self.manager, "subscribe", None)
        if callable(subscribe):
            self._unsubscribe = subscribe(self._on_manager_event)
        if getattr(self.profile, "discovered", ()):  # hosts from vCenter: follow their states
            from vconsole.sessions.host_watch import watch_hosts
            from vconsole.sessions.manager import SessionManager

            if isinstance(self.manager, SessionManager):  # the watch updates its profile
                self.run_worker(
                    watch_hosts(self.manager, self._hosts_changed),
                    group="host-watch",
                    exit_on_error=False,
                )
        if not self.is_headless:
            try:
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._tty_lost)
            except (NotImplementedError, RuntimeError, AttributeError) as exc:  # not on this OS
                log.info("no SIGHUP handler (a lost terminal is not noticed): %s", exc)

    async def on_unmount(self) -> None:
        if callable(self._unsubscribe):
            self._unsubscribe()
        close = getattr(self.manager, "close", None)
        if close is not None:
            await close()

    def _tty_lost(self) -> None:
        """SIGHUP: the terminal went away (SSH dropped). Close the sessions, then leave.

        Textual's own shutdown restores the terminal and can block on a hung-up one, so the
        standard streams are pointed at /dev/null and the process ends right after the session
        manager has logged out (the audit log writes through on every record).
        """
        try:
            sink = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(sink, fd)
            os.close(sink)
        except OSError as exc:  # the streams stay as they were; leaving matters more
            log.warning("standard streams not redirected after hangup: %s", exc)
        backstop = threading.Timer(HANGUP_GRACE_S + 2, self._end_after_hangup)
        backstop.daemon = True
        backstop.start()
        self._hangup_task = asyncio.get_running_loop().create_task(self._leave_after_hangup())

    async def _leave_after_hangup(self) -> None:
        close = getattr(self.manager, "close", None)
        try:
            if close is not None:
                await asyncio.wait_for(close(), HANGUP_GRACE_S)
        except Exception:  # the terminal is gone: end the process whatever the logout did
            log.exception("closing the sessions after hangup failed")
        await asyncio.get_running_loop().run_in_executor(None, self._end_after_hangup)

    def _end_after_hangup(self) -> None:
        """Run the hangup hooks once (e.g. the demo stopping its lab), then end the process."""
        hooks, self.hangup_hooks = self.hangup_hooks, []
        for hook in hooks:
            try:
                hook()
            except Exception:  # the process ends next; the other hooks still run
                log.exception("hangup hook %r failed", hook)
        os._exit(HANGUP_EXIT_CODE)

    def _hosts_changed(self, profile: Profile) -> None:
        """vCenter changed a discovered host's state: panes opened from now on see it."""
        self.profile = profile
        self.post_message(self.TargetStatesChanged())

    def _on_manager_event(self, *_: object) -> None:
        self.post_message(self.TargetStatesChanged())

    def _build_header_info(self) -> HeaderInfo:
        states_fn = getattr(self.manager, "states", None)
        states: Mapping[str, object] = states_fn() if callable(states_fn) else {}
        return HeaderInfo(
            profile=str(getattr(self.profile, "name", "") or ""),
            read_only=self.read_only,
            colour=self.colour,
            targets=health_from_states(states),
        )

    def on_vconsole_app_target_states_changed(self, _: TargetStatesChanged) -> None:
        self.refresh_header()

    def refresh_header(self) -> None:
        """Re-read target states and hand them to every header on the screen stack."""
        self.header_info = self._build_header_info()
        for screen in self.screen_stack:
            for header in screen.query(ConsoleHeader):
                header.info = self.header_info
            hook = getattr(screen, "target_states_changed", None)
            if callable(hook):
                hook()

    async def confirm_trust(self, prompt: TrustPrompt) -> bool:
        """The manager's trust question (unknown host key / certificate) as a modal; True pins it."""
        from screens.trust_dialog import TrustDialog

        what = "SSH host key" if prompt.kind == "ssh-host-key" else "TLS certificate"
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def decided(accepted: bool | None) -> None:
            if not answer.done():
                answer.set_result(bool(accepted))

        self.push_screen(
            TrustDialog(prompt.target, what, prompt.address, prompt.fingerprint, prompt.key_type),
            decided,
        )
        return await answer

    def ask_password(self, question: str) -> str:
        """Password prompt for the secret store; runs on an executor thread, blocks until answered."""
        # textual types call_from_thread's callback too narrowly for a coroutine function
        ask: Callable[[str], object] = self._ask_password
        answer = self.call_from_thread(ask, question)
        return answer if isinstance(answer, str) else ""

    async def _ask_password(self, question: str) -> str | None:
        from screens.trust_dialog import PasswordDialog

        answer: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        dialog = PasswordDialog(question.rstrip(": "), None, keep="for this run only")

        def entered(value: str | None) -> None:
            if not answer.done():
                answer.set_result(value)

        self.push_screen(dialog, entered)
        return await answer

    def jump(self, alias: str) -> bool:
        """Open the pane for `alias`; False (and a message) when no pane has that alias.

        One screen per pane: a pane opened before is brought back as it was (its table, its
        cursor), never built again, and the stack never holds more than the first pane and one
        other. A pane out of sight skips its polls until it is shown again.
        """
        spec = find_pane(alias)
        if spec is None:
            self.notify(f"unknown alias :{alias.lstrip(':')}", severity="warning", markup=False)
            return False
        current = self.screen
        if getattr(current, "pane_alias", None) == spec.alias and spec.alias != "help":
            show = getattr(current, "show_alias", None)  # e.g. :host while the inventory is open
            if callable(show):
                show(alias.lstrip(":"))
            return True
        if spec.alias == "help":
            self.push_screen(self.build_pane(spec, alias))
            return True
        name = _screen_name(spec.alias)
        if not self.is_screen_installed(name):
            self.install_screen(self.build_pane(spec, alias), name)
        else:
            show = getattr(self.get_screen(name), "show_alias", None)
            if callable(show):
                show(alias.lstrip(":"))
        self._show_pane(name)
        if self.pane_history[-1:] != [name]:
            self.pane_history = [*self.pane_history, name][-MAX_HISTORY:]
        return True

    def _show_pane(self, name: str) -> None:
        """Bring an installed pane screen to the top; the stack keeps at most one under it."""
        target = self.get_screen(name)
        if target in self.screen_stack:
            while self.screen is not target and len(self.screen_stack) > 1:
                self.pop_screen()
        elif len(self.screen_stack) > 1:
            self.switch_screen(target)
        else:
            self.push_screen(target)

    def open_on(self, alias: str, subject: Subject) -> None:
        """Open a pane with the cursor on `subject` (a finding's object), as soon as it is shown."""
        if not self.jump(alias):
            return
        screen = self.get_screen(_screen_name(find_pane(alias).alias))  # type: ignore[union-attr]
        focus = getattr(screen, "focus_subject", None)
        if callable(focus):
            focus(subject)

    def action_command_line(self) -> None:
        from screens.command_line import CommandLine

        def chosen(alias: str | None) -> None:
            if alias == "quit":
                self.exit(0)
            elif alias:
                self.call_later(self.jump, alias)

        self.push_screen(CommandLine(all_panes()), chosen)

    def action_help(self) -> None:
        self.jump("help")

    def action_jump_key(self, key: str) -> None:
        for spec in all_panes():
            if spec.key == key:
                self.jump(spec.alias)
                return

    async def action_back(self) -> None:
        """Esc: back to the pane visited before (a dialog or `?` closes first); the first pane
        stays (nothing under it)."""
        if getattr(self.screen, "pane_alias", "help") == "help":
            if len(self.screen_stack) > 1:
                await self.pop_screen()
            return
        if len(self.pane_history) > 1:
            self.pane_history = self.pane_history[:-1]
            self._show_pane(self.pane_history[-1])


def _is_text_field(widget: object) -> bool:
    """An Input or a TextArea; TextArea is looked up by name so start-up does not import it
    (a text area in focus was imported by the dialog that shows it)."""
    if isinstance(widget, Input):
        return True
    return any(
        cls.__name__ == "TextArea" and cls.__module__.startswith("textual.widgets")
        for cls in type(widget).__mro__
    )
