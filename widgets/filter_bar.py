"""The `/` filter line shared by every table pane (k9s grammar: regex, leading `!` negates).

An invalid regex is reported inline and never posted, so the table keeps the last good filter.
The line sits in the pane's own flow (not docked), so the footer never covers it; it stays
visible while a filter is active, so the admin sees why rows are missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label

from vconsole.services.inventory_export import FilterError, filter_regex


class FilterSyntaxError(ValueError):
    """The text typed into the filter line is not a usable regular expression."""


@dataclass(frozen=True)
class RowFilter:
    """A compiled filter: rows whose text matches `pattern` are kept (dropped when `negate`)."""

    pattern: re.Pattern[str] | None
    negate: bool = False

    def keeps(self, texts: list[str]) -> bool:
        """True when a row whose cells render as `texts` passes this filter."""
        if self.pattern is None:
            return True
        pattern = self.pattern
        hit = any(pattern.search(text) for text in texts)
        return hit != self.negate


NO_FILTER = RowFilter(None, False)


def parse_filter(text: str) -> RowFilter:
    """Compile filter-line text; case-insensitive like k9s. Empty text (or a bare `!`) is no filter."""
    try:
        pattern, negate = filter_regex(text)
    except FilterError as exc:
        raise FilterSyntaxError(str(exc)) from exc
    return NO_FILTER if pattern is None else RowFilter(pattern, negate)


class FilterBar(Horizontal):
    """A one-line regex filter; posts FilterChanged for every valid edit."""

    DEFAULT_CSS = """
    FilterBar {
        height: 1;
        display: none;
        background: $panel;
    }
    FilterBar.-open {
        display: block;
    }
    FilterBar > Label#filter-prompt {
        width: auto;
        padding: 0 1 0 0;
        color: $accent;
    }
    FilterBar > Input {
        border: none;
        height: 1;
        min-height: 1;
        width: 1fr;
        padding: 0;
    }
    FilterBar > Label#filter-error {
        width: auto;
        max-width: 60%;
        color: $error;
        padding: 0 0 0 1;
    }
    """

    BINDINGS = [
        Binding(
            "escape",
            "clear",
            "Clear filter",
            id="filter.clear",
            tooltip="Clear the filter and close the filter line.",
        ),
    ]

    class FilterChanged(Message):
        """A new valid filter was typed (pattern None means show everything)."""

        def __init__(self, filter_bar: FilterBar, pattern: re.Pattern[str] | None, negate: bool):
            super().__init__()
            self.filter_bar = filter_bar
            self.pattern = pattern
            self.negate = negate

        @property
        def control(self) -> FilterBar:
            return self.filter_bar

        @property
        def row_filter(self) -> RowFilter:
            return RowFilter(self.pattern, self.negate)

    class Closed(Message):
        """The filter line lost its purpose (enter or escape); the owner moves focus back."""

        def __init__(self, filter_bar: FilterBar) -> None:
            super().__init__()
            self.filter_bar = filter_bar

        @property
        def control(self) -> FilterBar:
            return self.filter_bar

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.current: RowFilter = NO_FILTER
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        yield Label("/", id="filter-prompt")
        yield Input(placeholder="regex, !regex to exclude", id="filter-input", compact=True)
        yield Label("", id="filter-error")

    @property
    def input(self) -> Input:
        return self.query_one("#filter-input", Input)

    def open(self) -> None:
        """Show the filter line and focus it, keeping the current text."""
        self.add_class("-open")
        self.input.focus()

    def apply_text(self, text: str) -> bool:
        """Apply `text` as the filter; False (and an inline error) when the regex is invalid."""
        error_label = self.query_one("#filter-error", Label)
        try:
            new = parse_filter(text)
        except FilterSyntaxError as exc:
            if self.error != str(exc):
                self.error = str(exc)
                error_label.update(self.error)
            return False
        if self.error is not None:  # touching the label re-lays out the screen: only on change
            self.error = None
            error_label.update("")
        if new != self.current:
            self.current = new
            self.post_message(self.FilterChanged(self, new.pattern, new.negate))
        return True

    @on(Input.Changed, "#filter-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self.apply_text(event.value)

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.apply_text(event.value):
            if not event.value:
                self.remove_class("-open")
            self.post_message(self.Closed(self))

    def show_matches(self, shown: int, total: int) -> None:
        """Say so beside the filter when it hides every row, so an empty table is not a mystery."""
        if self.error is not None:
            return  # an invalid regex keeps its own message
        label = self.query_one("#filter-error", Label)
        text = f"no row matches (of {total})" if total and not shown else ""
        if str(label.render()) != text:
            label.update(text)

    def action_clear(self) -> None:
        """Escape: drop the filter entirely and hide the line."""
        self.input.value = ""
        self.apply_text("")
        self.remove_class("-open")
        self.post_message(self.Closed(self))
