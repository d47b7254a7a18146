"""A host's raw command output in a modal: selectable, copyable, for pasting into a support case."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from vconsole.textsafe import visible
from widgets.safe_text import block_text


def raw_output_bindings(binding_prefix: str) -> list[BindingType]:
    """`esc` and `c` under a pane's own binding ids, so a user keymap can rebind them per pane."""
    return [
        Binding(
            "escape", "close", "Close", id=f"{binding_prefix}.close", tooltip="Back to the table."
        ),
        Binding(
            "c",
            "copy",
            "Copy",
            id=f"{binding_prefix}.copy",
            tooltip="Copy the whole output to the clipboard (OSC 52 terminals).",
        ),
    ]


class RawOutputDialog(ModalScreen[None]):
    """The output as sent; a pane subclasses it with its name: `(RawOutputDialog, pane="lacp")`."""

    style_prefix: ClassVar[str] = ""
    """Names the dialog's CSS class (`<prefix>-raw`) and text area id (`<prefix>-raw-text`)."""

    def __init_subclass__(cls, *, pane: str = "", **kwargs: bool) -> None:
        """`pane` gives the style prefix and the binding ids (`<pane>_raw.close`); the bindings
        are set before Textual merges them for the class."""
        if pane:
            cls.style_prefix = pane
            cls.BINDINGS = raw_output_bindings(f"{pane}_raw")
        super().__init_subclass__(**kwargs)

    def __init__(self, host: str, transcript: str) -> None:
        super().__init__(classes=f"dialog {self.style_prefix}-raw")
        self.host = host
        self.transcript = transcript

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Raw output of {visible(self.host)}", classes="dialog-title", markup=False)
            yield TextArea(
                block_text(self.transcript), read_only=True, id=f"{self.style_prefix}-raw-text"
            )
            yield Label("c copy all - esc close", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.transcript)
        self.notify("Raw output copied to the clipboard")

    def action_close(self) -> None:
        self.dismiss(None)
