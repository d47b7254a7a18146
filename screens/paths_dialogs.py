"""Dialogs of the multipathing pane: a host's raw output, and the Round Robin sub-policy change."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea


class PathsRawOutput(ModalScreen[None]):
    """The host's esxcli output as sent, selectable and copyable for a support case."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="paths_raw.close", tooltip="Back to the table."),
        Binding(
            "c",
            "copy",
            "Copy",
            id="paths_raw.copy",
            tooltip="Copy the whole output to the clipboard (OSC 52 terminals).",
        ),
    ]

    def __init__(self, host: str, transcript: str) -> None:
        super().__init__(classes="dialog paths-raw")
        self.host = host
        self.transcript = transcript

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Raw output of {self.host}", classes="dialog-title", markup=False)
            yield TextArea(self.transcript, read_only=True, id="paths-raw-text")
            yield Label("c copy all - esc close", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.transcript)
        self.notify("Raw output copied to the clipboard")

    def action_close(self) -> None:
        self.dismiss(None)


class RoundRobinConfirm(ModalScreen[str | None]):
    """Asks before `deviceconfig set`; returns "latency", "iops" or None. Shows exact commands."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="paths_rr.cancel", tooltip="Change nothing.")
    ]

    def __init__(
        self,
        host: str,
        device: str,
        current: str,
        commands: dict[str, str],
        current_type: str = "",
        *,
        latency_switch_off: bool = False,
    ) -> None:
        super().__init__(classes="dialog")
        self.host = host
        self.device = device
        self.current = current
        self.current_type = current_type
        self.commands = commands
        self.latency_switch_off = latency_switch_off

    def compose(self) -> ComposeResult:
        suggested = "iops" if self.current_type == "latency" else "latency"
        with Vertical():
            yield Label(
                f"Change the Round Robin sub-policy of {self.device} on {self.host}?",
                classes="dialog-title",
                markup=False,
            )
            yield Label(
                f"Now: {self.current or 'unknown'}. The change is per host and per device, "
                "and new LUNs keep the SATP rule's default. It runs:",
                markup=False,
            )
            for kind in ("latency", "iops"):
                yield Label(f"{kind}: {self.commands[kind]}", classes="command", markup=False)
            if self.latency_switch_off:
                yield Label(
                    "This host has /Misc/EnablePSPLatencyPolicy = 0: the latency sub-policy "
                    "does not take effect until it is 1.",
                    classes="warning",
                    markup=False,
                )
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                other = "iops" if suggested == "latency" else "latency"
                yield Button(f"Set {other}", id=f"set-{other}")
                yield Button(f"Set {suggested}", id=f"set-{suggested}", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        self.dismiss(button.removeprefix("set-") if button.startswith("set-") else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
