"""`?` / `:help`: every key of the screen it was opened from (and of the app), plus pane aliases.

The keys are read from the live bindings of that screen, so a user keymap shows its own keys.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from screens.base import TablePane
from screens.pane_context import PaneContext, PaneSpec
from widgets.resource_table import ResourceColumn


def key_rows(origin: Screen[None], app: App[int]) -> dict[str, tuple[str, str, str, str]]:
    """Rows (key, where, what, why) for every binding active on `origin`, system keys and keys
    refused here (write keys in read-only mode) left out; the pane's own keys first."""
    rows: dict[str, tuple[str, str, str, str]] = {}
    for key, active in origin.active_bindings.items():
        binding = active.binding
        if binding.system:
            continue
        name = binding.action.partition("(")[0]
        if isinstance(active.node, Screen) and active.node.check_action(name, ()) is False:
            continue
        node = active.node
        if isinstance(node, App):
            where = "app"
        elif isinstance(node, Screen):
            where = "screen"
        else:
            where = type(node).__name__ if isinstance(node, Widget) else "?"
        shown = app.get_key_display(binding)
        what = binding.description or binding.action
        rows[f"key:{key}"] = (shown, where, what, binding.tooltip)
    return dict(sorted(rows.items(), key=lambda item: _rank(item[1])))


def _rank(row: tuple[str, str, str, str]) -> int:
    """The pane's own described keys first, then its tables', then the app's, then plain
    cursor movement."""
    _, where, _, why = row
    if not why:
        return 3
    return {"screen": 0, "app": 2}.get(where, 1)


def alias_rows(panes: Sequence[PaneSpec]) -> dict[str, tuple[str, str, str, str]]:
    """One row per pane: its canonical `:alias`; the other aliases go in the description."""
    rows: dict[str, tuple[str, str, str, str]] = {}
    for spec in panes:
        key_hint = f" (key {spec.key})" if spec.key else ""
        others = " ".join(f":{a}" for a in spec.aliases if a != spec.alias)
        why = f"also {others}; {spec.summary}" if others else spec.summary
        rows[f"pane:{spec.alias}"] = (
            f":{spec.alias}",
            "pane",
            f"Go to {spec.title}{key_hint}",
            why,
        )
    return rows


class HelpScreen(TablePane):
    """Filterable list of keys and pane aliases."""

    columns = (
        ResourceColumn("key", "Key", width=10),
        ResourceColumn("where", "Where", width=13),
        ResourceColumn("what", "Action", width=24),
        ResourceColumn("why", "Description"),
    )

    def __init__(self, context: PaneContext, panes: Sequence[PaneSpec]) -> None:
        """`panes` comes from the registry, which opens this screen (so it imports no registry)."""
        super().__init__()
        self.context = context
        self.panes = panes

    def compose_body(self) -> ComposeResult:
        yield from super().compose_body()
        yield Static("", id="help-detail", markup=False)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        """The whole description of the key under the cursor: the table cuts long ones."""
        key = self.table.cursor_key
        if key is None:
            return
        shown, where, what, why = self.table.get_row(key)
        self.query_one("#help-detail", Static).update(f"{shown} ({where}): {what}. {why}")

    def on_mount(self) -> None:
        stack = self.app.screen_stack
        origin = stack[-2] if len(stack) > 1 and stack[-1] is self else stack[-1]
        rows = key_rows(origin, self.app) if origin is not self else {}
        rows.update(key_rows(self, self.app) if not rows else {})
        rows.update(alias_rows(self.panes))
        table = self.table
        table.sort_by(None)
        table.set_rows(rows)
        table.focus()
