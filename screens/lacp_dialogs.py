"""Dialogs of the LACP pane: one host's raw output, and the `lacp timeout set` confirmation."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea


class RawOutputScreen(ModalScreen[None]):
    """The host's esxcli output as sent, selectable and copyable for a support case."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="lacp_raw.close", tooltip="Back to the table."),
        Binding(
            "c",
            "copy",
            "Copy",
            id="lacp_raw.copy",
            tooltip="Copy the whole output to the clipboard (OSC 52 terminals).",
        ),
    ]

    def __init__(self, host: str, transcript: str) -> None:
        super().__init__(classes="dialog lacp-raw")
        self.host = host
        self.transcript = transcript

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Raw output of {self.host}", classes="dialog-title", markup=False)
            yield TextArea(self.transcript, read_only=True, id="lacp-raw-text")
            yield Label("c copy all - esc close", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.transcript)
        self.notify("Raw output copied to the clipboard")

    def action_close(self) -> None:
        self.dismiss(None)


class TimeoutConfirm(ModalScreen[str | None]):
    """Asks before `lacp timeout set`; returns "slow", "fast" or None. Shows the exact command."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="lacp_timeout.cancel", tooltip="Change nothing.")
    ]

    def __init__(
        self,
        host: str,
        lag: str,
        commands: dict[str, str],
        suggested: str,
        *,
        vcenter_owns_timeout: bool = False,
    ) -> None:
        super().__init__(classes="dialog")
        self.host = host
        self.lag = lag
        self.commands = commands
        self.suggested = suggested
        self.vcenter_owns_timeout = vcenter_owns_timeout

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                f"Change the LACP timeout of {self.lag} on {self.host}?",
                classes="dialog-title",
                markup=False,
            )
            yield Label(
                f"The switch sends {self.suggested} LACPDUs; matching it ends a timeout "
                f"mismatch (KB 376191). This runs on {self.host}, for every NIC of the LAG:",
                markup=False,
            )
            yield Label(self.commands[self.suggested], classes="command", markup=False)
            if self.vcenter_owns_timeout:
                yield Label(
                    "This switch sets the timeout in vCenter (DVS 7.0.2+): change it there; "
                    "a host-side change can be overwritten.",
                    classes="warning",
                    markup=False,
                )
            other = "fast" if self.suggested == "slow" else "slow"
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(f"Set {other}", id=f"set-{other}")
                yield Button(f"Set {self.suggested}", id=f"set-{self.suggested}", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        self.dismiss(button.removeprefix("set-") if button.startswith("set-") else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
