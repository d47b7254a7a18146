"""Dialogs of the Branding pane: a one-line prompt, a choice list, the menu-item form, the
diff confirmation before a write, and a read-only text view for problems and conflicts.

Text from files and servers is never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, TextArea

from vconsole.models.branding import MenuItem
from vconsole.services.branding_input import url_problem
from widgets.safe_text import block_text

Check = Callable[[str], "str | None"]


class TextPrompt(ModalScreen[str | None]):
    """One value; `check` returns why it is refused (shown under the field) or None."""

    BINDINGS = [
        Binding(
            "escape", "cancel", "Cancel", id="brand_prompt.cancel", tooltip="Keep the old value."
        )
    ]

    def __init__(
        self, title: str, value: str = "", hint: str = "", check: Check | None = None
    ) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.value = value
        self.hint = hint
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Input(self.value, id="prompt-input")
            yield Label(self.hint, id="prompt-hint", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        problem = self.check(event.value) if self.check else None
        if problem:
            hint = self.query_one("#prompt-hint", Label)
            hint.update(problem)
            hint.add_class("-error")
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(ModalScreen[str | None]):
    """Pick one of `choices` (enter), or escape."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="brand_choice.cancel", tooltip="Choose nothing.")
    ]

    def __init__(self, title: str, choices: list[str], current: str | None = None) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(*self.choices, id="choice-list")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.choices:
            options.highlighted = self.choices.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


class MenuItemDialog(ModalScreen[MenuItem | None]):
    """Name and URL of a link, override or section, checked before the dialog closes."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="brand_item.cancel", tooltip="Change nothing.")
    ]

    def __init__(self, item: MenuItem, overrides: tuple[str, ...] = ()) -> None:
        super().__init__(classes="dialog")
        self.item = item
        self.overrides = overrides

    def compose(self) -> ComposeResult:
        kind = self.item.kind
        with Vertical():
            yield Label(f"{kind.capitalize()}", classes="dialog-title", markup=False)
            name_hint = {
                "override": f"Name: one of {', '.join(self.overrides)}",
                "section": "Name: the heading shown in the user menu",
                "link": "Name: the text shown in the user menu",
            }[kind]
            yield Label(name_hint, classes="hint", markup=False)
            yield Input(self.item.name or "", id="item-name")
            if kind != "section":
                url_hint = "URL: http://, https:// or mailto:" + (
                    " (empty keeps VMware's default)" if kind == "override" else ""
                )
                yield Label(url_hint, classes="hint", markup=False)
                yield Input(self.item.url or "", id="item-url")
            yield Label("", id="item-error", classes="hint -error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#item-name", Input).focus()

    def problem(self, name: str, url: str) -> str | None:
        kind = self.item.kind
        if kind == "override" and name not in self.overrides:
            return f"override name {name!r} is not known; accepted: {', '.join(self.overrides)}"
        if kind != "override" and not name.strip():
            return f"a {kind} needs a name"
        if kind == "link" and not url:
            return "a link needs a url (http://, https:// or mailto:)"
        if url:
            return url_problem(url)
        return None

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        name = self.query_one("#item-name", Input).value
        urls = self.query("#item-url")
        url = urls.first(Input).value if urls else ""
        if event.input.id == "item-name" and urls:
            urls.first(Input).focus()
            return
        problem = self.problem(name, url)
        if problem:
            self.query_one("#item-error", Label).update(problem)
            return
        self.dismiss(MenuItem(self.item.kind, name, url or None))

    def action_cancel(self) -> None:
        self.dismiss(None)


class DiffConfirm(ModalScreen[bool]):
    """The exact change, and the warnings, before a write; `y` writes, escape does not."""

    BINDINGS = [
        Binding("y", "confirm", "Write", id="brand_diff.confirm", tooltip="Send this change."),
        Binding("escape", "cancel", "Cancel", id="brand_diff.cancel", tooltip="Send nothing."),
    ]

    def __init__(self, title: str, text: str, confirm_label: str = "Write") -> None:
        super().__init__(classes="dialog brand-diff")
        self.title_text = title
        self.text = text
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield TextArea(block_text(self.text), read_only=True, id="diff-text")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.confirm_label} (y)", id="diff-yes", variant="warning")
                yield Button("Cancel (esc)", id="diff-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#diff-no", Button).focus()

    @on(Button.Pressed, "#diff-yes")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#diff-no")
    def action_cancel(self) -> None:
        self.dismiss(False)


class TextView(ModalScreen[None]):
    """Problems, conflicts or server errors, shown as sent; escape closes."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="brand_text.close", tooltip="Back to the pane.")
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__(classes="dialog brand-diff")
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield TextArea(block_text(self.text), read_only=True, id="text-view")
            yield Label("esc close", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)
