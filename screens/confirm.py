"""The confirmation asked before a change on a host: the exact command line(s), two choices.

`Cancel` has the focus, so a stray `enter` changes nothing; the suggested choice is on the
warning-coloured button. A pane subclasses it for its wording and its own `escape` binding id.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ConfirmChoice(ModalScreen[str | None]):
    """Dismisses with the chosen option (`suggested` or `other`), or None for Cancel / `escape`."""

    def __init__(
        self,
        question: str,
        explanation: str,
        command_lines: Sequence[str],
        *,
        suggested: str,
        other: str = "",
        warning: str = "",
        command_for: dict[str, str] | None = None,
        suggested_label: str = "",
    ) -> None:
        """`other` empty: only Cancel and the suggested choice (labelled `suggested_label`,
        default "Set <suggested>")."""
        super().__init__(classes="dialog")
        self.question = question
        self.explanation = explanation
        self.command_lines = tuple(command_lines)
        self.suggested = suggested
        self.other = other
        self.warning = warning
        self.command_for = dict(command_for or {})
        """The command each choice runs: the line shown follows the button in focus."""
        self.suggested_label = suggested_label or f"Set {suggested}"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, classes="dialog-title", markup=False)
            yield Label(self.explanation, markup=False)
            for i, line in enumerate(self.command_lines):
                yield Label(line, classes="command", markup=False, id=f"command-{i}")
            if self.warning:
                yield Label(self.warning, classes="warning", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                if self.other:
                    yield Button(f"Set {self.other}", id=f"set-{self.other}")
                yield Button(self.suggested_label, id=f"set-{self.suggested}", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_descendant_focus(self, event: object) -> None:
        """Show the exact command of the choice about to be made (the suggested one while
        Cancel has the focus)."""
        if not self.command_for or not self.command_lines:
            return
        focused = self.focused.id if self.focused is not None else ""
        choice = (focused or "").removeprefix("set-")
        line = self.command_for.get(choice, self.command_for.get(self.suggested, ""))
        if line:
            self.query_one("#command-0", Label).update(line)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        self.dismiss(button.removeprefix("set-") if button.startswith("set-") else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
