"""The `:` command line (k9s): type a pane alias, Tab completes, Enter jumps, Esc cancels.

An unknown alias is reported inline and the line stays open so the admin can correct it.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label

from screens.pane_context import PaneSpec, pane_for

QUIT_WORDS = ("q", "quit")


def unique_prefix_pane(panes: Sequence[PaneSpec], word: str) -> PaneSpec | None:
    """The pane all aliases starting with `word` belong to, if exactly one (`:la` -> LACP)."""
    specs = {spec.alias: spec for spec in panes if any(a.startswith(word) for a in spec.aliases)}
    return next(iter(specs.values())) if len(specs) == 1 else None


class CommandLine(ModalScreen[str | None]):
    """Returns the alias to open, "quit", or None when cancelled."""

    BINDINGS = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="command_line.cancel",
            tooltip="Close the command line.",
        ),
        Binding(
            "tab",
            "complete",
            "Complete",
            id="command_line.complete",
            tooltip="Complete the alias being typed.",
        ),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="command-box"):
            yield Label(":", id="command-prompt")
            yield Input(
                placeholder="vm host ds net cluster lag mtu path gpu brand conn help",
                suggester=SuggestFromList(self.aliases, case_sensitive=False),
                id="command-input",
            )
            yield Label("", id="command-hint", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one("#command-input", Input)

    def __init__(self, panes: Sequence[PaneSpec]) -> None:
        """`panes` is the registry, handed in by the app (pane screens import this module)."""
        super().__init__()
        self.panes = panes
        self.aliases = [alias for spec in panes for alias in spec.aliases]
        self._typed_early: list[str] = []

    def on_mount(self) -> None:
        self.input.focus()
        if self._typed_early:
            self.input.insert_text_at_cursor("".join(self._typed_early))
            self._typed_early.clear()
        self._show_matches(self.input.value)

    def on_key(self, event: events.Key) -> None:
        """Keys typed right after `:` can arrive before the Input has focus; keep them."""
        if self.is_mounted and self.input.has_focus:
            return
        if event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            if self.is_mounted:
                self.input.focus()
                self.input.insert_text_at_cursor(event.character)
            else:
                self._typed_early.append(event.character)

    def _show_matches(self, typed: str) -> None:
        word = typed.strip().lstrip(":").lower()
        matches = [a for a in self.aliases if a.startswith(word)]
        hint = " ".join(f":{a}" for a in matches) if matches else "no alias starts with that"
        if word and any(q.startswith(word) for q in QUIT_WORDS):
            hint = " ".join(f":{a}" for a in matches + ["q"])  # `:q` quits: no error while typed
        self.query_one("#command-hint", Label).update(hint)
        self.query_one("#command-hint", Label).remove_class("-error")

    @on(Input.Changed, "#command-input")
    def _typed(self, event: Input.Changed) -> None:
        self._show_matches(event.value)

    def action_complete(self) -> None:
        word = self.input.value.strip().lstrip(":").lower()
        matches = [a for a in self.aliases if a.startswith(word)]
        if len(matches) == 1 or (matches and word and all(m == matches[0] for m in matches)):
            self.input.value = matches[0]
            self.input.cursor_position = len(self.input.value)
        elif matches:
            common = matches[0]
            for m in matches[1:]:
                while not m.startswith(common):
                    common = common[:-1]
            if len(common) > len(word):
                self.input.value = common
                self.input.cursor_position = len(common)

    @on(Input.Submitted, "#command-input")
    def _submitted(self, event: Input.Submitted) -> None:
        word = event.value.strip().lstrip(":").lower()
        if not word:
            self.dismiss(None)
            return
        if word in QUIT_WORDS:
            self.dismiss("quit")
            return
        spec = pane_for(self.panes, word) or unique_prefix_pane(self.panes, word)
        if spec is None:
            hint = self.query_one("#command-hint", Label)
            known = " ".join(f":{spec.alias}" for spec in self.panes)
            hint.update(f"unknown alias :{word}; try {known}")
            hint.add_class("-error")
            return
        self.dismiss(word if pane_for(self.panes, word) else spec.alias)

    def action_cancel(self) -> None:
        self.dismiss(None)
