"""Trust and secret dialogs: confirm a host key / certificate, refuse a changed one, set a password.

A changed key is a refusal, not a question: that dialog has no accept button.
The password field is masked and its value goes straight to the caller, never to a label or log.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class TrustDialog(ModalScreen[bool]):
    """Shows an unknown SSH host key or TLS certificate; True when the admin accepts (pins) it."""

    BINDINGS = [
        Binding("escape", "reject", "Reject", id="trust.reject", tooltip="Do not trust this key."),
    ]

    def __init__(self, target: str, what: str, address: str, fingerprint: str, key_type: str = ""):
        super().__init__(classes="dialog")
        self.target = target
        self.what = what
        self.address = address
        self.fingerprint = fingerprint
        self.key_type = key_type

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                f"Trust {self.what} of {self.target}?", classes="dialog-title", markup=False
            )
            yield Label(
                f"{self.address} presented a {self.what} this console has not seen before.",
                markup=False,
            )
            kind = f"{self.key_type} " if self.key_type else ""
            shown = self.fingerprint
            if not shown.upper().startswith("SHA256:"):
                shown = f"SHA-256 {shown}"
            yield Label(f"{kind}{shown}", classes="fingerprint", markup=False)
            yield Label(
                "Compare it with the fingerprint shown on the host's console before accepting.",
                markup=False,
            )
            with Horizontal(classes="buttons"):
                yield Button("Reject", id="reject")
                yield Button("Accept and pin", id="accept", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#reject", Button).focus()

    @on(Button.Pressed, "#accept")
    def _accept(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#reject")
    def _reject(self) -> None:
        self.dismiss(False)

    def action_reject(self) -> None:
        self.dismiss(False)


class KeyChangedDialog(ModalScreen[None]):
    """A host key or certificate changed: refused, explained, and nothing to click but Close."""

    BINDINGS = [Binding("escape", "close", "Close", id="key_changed.close", tooltip="Close.")]

    def __init__(self, target: str, title: str, message: str) -> None:
        super().__init__(classes="dialog -refused")
        self.target = target
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"REFUSED: {self.title_text}", classes="dialog-title", markup=False)
            yield Label(self.message, markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="error")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


class PasswordDialog(ModalScreen[str | None]):
    """Asks for a target's password (masked); the caller stores it in the keyring."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="password.cancel", tooltip="Cancel.")]

    def __init__(self, target: str, user: str | None, keep: str = "stored in the system keyring"):
        super().__init__(classes="dialog")
        self.target = target
        self.user = user
        self.keep = keep

    def compose(self) -> ComposeResult:
        who = f"{self.user}@{self.target}" if self.user else self.target
        asks = who.lower().startswith(("password", "api token"))  # already a whole question
        title = who if asks else f"Password for {who}"
        with Vertical():
            yield Label(title, classes="dialog-title", markup=False)
            yield Input(password=True, placeholder=self.keep, compact=True, id="password")
            yield Label("", id="password-error", classes="field-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Store", id="store", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#password", Input).focus()

    def _store(self) -> None:
        value = self.query_one("#password", Input).value
        if not value:
            self.query_one("#password-error", Label).update("password: must not be empty")
            return
        self.dismiss(value)

    @on(Input.Submitted, "#password")
    def _submitted(self) -> None:
        self._store()

    @on(Button.Pressed, "#store")
    def _pressed(self) -> None:
        self._store()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
