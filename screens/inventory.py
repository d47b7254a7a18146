"""`:vm` `:host` `:cluster` `:ds` `:net` - the merged inventory of every vCenter, live.

A tree (vCenter -> datacenter -> cluster -> host -> VM, plus datastores and networks) narrows
the table beside it. Rows arrive from the service while the answers stream in; changes after
the first load come from the update stream and are applied as a keyed diff (coalesced every
`FLUSH_S`). A vCenter that dropped shows its last rows dimmed and marked stale until it is back.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Static, Tree

from screens.base import ConsoleScreen, PaletteCommand, filter_binding
from screens.inventory_export_prompt import InventoryExport
from screens.inventory_table import TableColumn, TableRow, VirtualTable
from screens.inventory_tree import InventoryTree, NodeInfo
from screens.pane_context import PaneContext
from vconsole.models.inventory import (
    COLUMNS,
    KIND_ALIASES,
    InventoryRow,
    InventoryScope,
    LoadState,
    ObjectKind,
)
from vconsole.services.inventory_export import (
    FilterError,
    cell_text,
    compile_filter,
)
from widgets.filter_bar import FilterBar

if TYPE_CHECKING:
    from collections.abc import Iterator

    from textual.await_complete import AwaitComplete

    from vconsole.services.inventory import InventoryUpdate

FLUSH_S = 0.1
FLUSH_ROWS = 2000
TREE_EVERY_S = 1.0
WIDE = {"name": 28, "guest_os": 26, "host": 16, "cluster": 14, "datacenter": 12}
KIND_ORDER = (
    ObjectKind.VM,
    ObjectKind.HOST,
    ObjectKind.CLUSTER,
    ObjectKind.DATASTORE,
    ObjectKind.NETWORK,
)


def table_columns(kind: ObjectKind) -> list[TableColumn]:
    return [TableColumn(c.key, c.label, c.numeric, WIDE.get(c.key, 18)) for c in COLUMNS[kind]]


def table_row(row: InventoryRow, stale: bool) -> TableRow:
    values = row.values()
    cells = [cell_text(v) for v in values]
    search = "\n".join(cells).lower()  # searched case-insensitively; lower makes literals fast
    style = ""
    if row.denied:
        search += f"\n{row.access}"
        cells[0] = f"{cells[0]} (no permission)"
        style = "yellow"
    if stale:
        search += "\nstale"
        style = "dim"
    return TableRow(tuple(cells), values, search, style)


class InventoryScreen(InventoryExport, ConsoleScreen):
    """Tree and table of the inventory; `:vm` etc. switch the typed view in place."""

    CSS_PATH = "inventory.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        filter_binding(binding_id="inventory.filter"),
        Binding("t", "next_kind", "Type", id="inventory.type",
                tooltip="Show the next object type (VM, host, cluster, datastore, network)."),
        Binding("tab", "toggle_focus", "Tree", id="inventory.focus",
                tooltip="Move between the tree and the table."),
        Binding("a", "all_scope", "All", id="inventory.all",
                tooltip="Drop the tree selection: every object of this type."),
        Binding("y", "copy_cell", "Copy", id="inventory.copy_cell",
                tooltip="Copy the cell under the cursor."),
        Binding("Y", "copy_row", "Copy row", id="inventory.copy_row", show=False,
                tooltip="Copy the whole row (tab separated)."),
        Binding("e", "export", "Export", id="inventory.export",
                tooltip="Write the rows shown (filtered) to CSV and JSON files."),
    ]  # fmt: skip

    def __init__(self, context: PaneContext, export_dir: Path | None = None) -> None:
        super().__init__()
        from vconsole.services.inventory import InventoryService

        self.context = context
        self.service = InventoryService(context.manager)
        self.kind = KIND_ALIASES.get(context.alias, ObjectKind.VM)
        self.scope = InventoryScope()
        self.filter_text = ""
        self.export_dir = export_dir
        self._pending_upserts: dict[str, InventoryRow] = {}
        self._pending_removed: set[str] = set()
        self._flush_scheduled = False
        self._structure_dirty = False
        self._tree_built_at = 0.0
        self._tree_scheduled = False
        self._stale: set[str] = set()
        self.first_rows_at: float | None = None
        """Seconds from mount to the first rows of the current type on screen."""
        self.connected_at: float | None = None
        """Seconds from mount until the first vCenter session was up (login done)."""
        self._typed_alias: str | None = None
        self.mounted_at = 0.0

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="inventory-main"):
            yield InventoryTree(id="inventory-tree")
            with Vertical(id="inventory-right"):
                yield Static("", id="inventory-tabs", markup=False)
                yield VirtualTable(table_columns(self.kind), id="inventory-table")
                yield Static("", id="inventory-status", markup=False)
        yield FilterBar(id="filter")

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#inventory-table", VirtualTable)

    @property
    def scope_tree(self) -> InventoryTree:
        return self.query_one("#inventory-tree", InventoryTree)

    watch_paused = False

    def on_mount(self) -> None:
        self.mounted_at = time.monotonic()
        self.table.focus()
        self._show_tabs()
        if not self.service.vcenters:
            self._status("No vCenter target in this profile: add one with :conn.")
            return
        self._status(f"Connecting to {', '.join(self.service.vcenters)}...")
        self.run_inventory()

    @work(exclusive=True, group="inventory-run", exit_on_error=False)
    async def run_inventory(self) -> None:
        await self.service.run(self._service_update)

    # -- updates from the service -----------------------------------------------------------
    def _service_update(self, update: InventoryUpdate) -> None:
        for key in update.removed:
            self._pending_upserts.pop(key, None)
            self._pending_removed.add(key)
        for row in update.upserts:
            self._pending_removed.discard(row.key)
            self._pending_upserts[row.key] = row
            self._structure_dirty = True  # a VM row changes its cluster's count in the tree
        if update.status is not None:
            self._status_changed()
        if self.first_rows_at is None and update.upserts:
            self.flush()  # the first rows go on screen at once
        elif not self._flush_scheduled:
            self._flush_scheduled = True
            self.set_timer(FLUSH_S, self.flush)

    def flush(self) -> None:
        """Apply what arrived since the last flush to the table (keyed diff) and the tree."""
        self._flush_scheduled = False
        upserts, self._pending_upserts = self._pending_upserts, {}
        if len(upserts) > FLUSH_ROWS:  # keep the UI answering keys during a big load
            keys = list(upserts)
            self._pending_upserts = {k: upserts.pop(k) for k in keys[FLUSH_ROWS:]}
            self._flush_scheduled = True
            self.set_timer(0.01, self.flush)
        removed, self._pending_removed = self._pending_removed, set()
        stale = self._stale
        mine = {
            key: table_row(row, row.vcenter in stale)
            for key, row in upserts.items()
            if row.kind == self.kind
        }
        if mine or removed:
            self.table.apply(mine, removed)
            if self.first_rows_at is None and mine:
                self.first_rows_at = time.monotonic() - self.mounted_at
        if self._structure_dirty or removed:
            self._structure_dirty = False
            self._rebuild_tree()
        self._show_tabs()

    def _rebuild_tree(self) -> None:
        """At most once per `TREE_EVERY_S`: labels carry VM counts that change all through a load."""
        now = time.monotonic()
        if now - self._tree_built_at >= TREE_EVERY_S:
            self._tree_built_at = now
            self.scope_tree.rebuild(self.service)
        elif not self._tree_scheduled:
            self._tree_scheduled = True
            self.set_timer(TREE_EVERY_S, self._tree_timer)

    def _tree_timer(self) -> None:
        self._tree_scheduled = False
        self._tree_built_at = time.monotonic()
        self.scope_tree.rebuild(self.service)

    def _status_changed(self) -> None:
        if self.connected_at is None and any(
            s.state != LoadState.CONNECTING for s in self.service.statuses.values()
        ):
            self.connected_at = time.monotonic() - self.mounted_at
        stale = self.service.stale()
        if stale != self._stale:
            self._stale = stale
            self._reload_table()
        parts = []
        for status in self.service.statuses.values():
            text = f"{status.vcenter} {status.state.value} {status.objects} obj"
            if status.state == LoadState.LIVE and status.load_s is not None:
                text += f" in {status.load_s:.1f} s"
            if status.error:
                text += f" - {status.error}"
                if status.stale:
                    text += " - rows shown are the last known; reconnecting"
            parts.append(text)
        self._status(" | ".join(parts))

    def _status(self, text: str) -> None:
        self.query_one("#inventory-status", Static).update(text, layout=False)  # fixed: 1 line

    def _show_tabs(self) -> None:
        tabs = " ".join(k.value.upper() if k == self.kind else k.value for k in KIND_ORDER)
        shown, total = len(self.table.shown), len(self.table.rows)
        line = f"{shown}/{total} {tabs} | {self.scope.label}"
        if self.filter_text:
            line += f" | /{self.filter_text}"
        self.query_one("#inventory-tabs", Static).update(line, layout=False)  # fixed: 1 line

    def _reload_table(self) -> None:
        stale = self._stale
        self.table.replace(
            {r.key: table_row(r, r.vcenter in stale) for r in self.service.rows(self.kind)}
        )
        self._show_tabs()

    # -- views, scope, filter ---------------------------------------------------------------
    def show_kind(self, kind: ObjectKind) -> None:
        """Switch the typed view (`:vm`, `:host`...), keeping scope and filter."""
        if kind == self.kind:
            return
        self.kind = kind
        self.table.set_columns(table_columns(kind))
        self._reload_table()

    def show_alias(self, alias: str) -> bool:
        kind = KIND_ALIASES.get(alias.strip().lstrip(":").lower())
        if kind is None:
            return False
        self.show_kind(kind)
        return True

    def set_scope(self, scope: InventoryScope) -> None:
        self.scope = scope
        if scope == InventoryScope():
            self.table.set_scope(None)
        else:
            service = self.service

            def inside(key: str) -> bool:
                row = service.row(key)
                return row is not None and scope.contains(row)

            self.table.set_scope(inside)
        self._show_tabs()

    def apply_filter(self, text: str) -> str | None:
        """Apply filter text; returns the error (and keeps the old filter) for a bad regex."""
        try:
            matcher = compile_filter(text)
        except FilterError as exc:
            return str(exc)
        self.filter_text = text
        self.table.set_filter(matcher.pattern, matcher.negate)
        self._show_tabs()
        return None

    @on(FilterBar.FilterChanged)
    def _filter_changed(self, event: FilterBar.FilterChanged) -> None:
        text = (
            "" if event.pattern is None else ("!" if event.negate else "") + event.pattern.pattern
        )
        error = self.apply_filter(text)
        if error:
            self.notify(error, severity="warning", markup=False)

    @on(FilterBar.Closed)
    def _filter_closed(self) -> None:
        self.table.focus()

    @on(Tree.NodeHighlighted, "#inventory-tree")
    def _tree_moved(self, event: Tree.NodeHighlighted[NodeInfo]) -> None:
        info = event.node.data
        if info is None or not self.scope_tree.has_focus:
            return
        if info.kind is not None:
            self.show_kind(info.kind)
        self.set_scope(info.scope)
        if info.key:
            self.table.move_to(info.key)

    @on(VirtualTable.Selected)
    def _row_selected(self, event: VirtualTable.Selected) -> None:
        from screens.inventory_details import InventoryDetailsScreen

        row = self.service.row(event.key)
        if row is not None:
            self.app.push_screen(InventoryDetailsScreen(self.service, row))

    # -- actions ------------------------------------------------------------------------------
    def on_screen_suspend(self) -> None:
        """`:host` typed while this pane is open: the app sees the same pane and does nothing,
        so the alias is read from the command line's result and the view switches here."""
        from screens.command_line import CommandLine

        top = self.app.screen
        if getattr(top, "pane_alias", "") and top is not self:
            self._pause_watch()
            return
        if not isinstance(top, CommandLine):
            return
        original = top.dismiss

        def dismiss(result: str | None = None) -> AwaitComplete:
            if isinstance(result, str):
                self._typed_alias = result
            return original(result)

        top.dismiss = dismiss  # type: ignore[method-assign]

    def on_screen_resume(self) -> None:
        if self.watch_paused:
            self.watch_paused = False
            self._status(f"Reading {', '.join(self.service.vcenters)} again...")
            self.run_inventory()
        alias, self._typed_alias = self._typed_alias, None
        if alias:
            self.show_alias(alias)

    def _pause_watch(self) -> None:
        """Another pane covers this one: stop the vCenter watch (its updates would only be
        drawn off screen); it starts again, with a fresh read, when this pane is shown."""
        if self.service.vcenters and not self.watch_paused:
            self.workers.cancel_group(self, "inventory-run")
            self.watch_paused = True

    def action_open_filter(self) -> None:
        self.query_one("#filter", FilterBar).open()

    def action_next_kind(self) -> None:
        self.show_kind(KIND_ORDER[(KIND_ORDER.index(self.kind) + 1) % len(KIND_ORDER)])

    def action_toggle_focus(self) -> None:
        (self.table if self.scope_tree.has_focus else self.scope_tree).focus()

    def action_all_scope(self) -> None:
        self.set_scope(InventoryScope())

    def action_copy_cell(self) -> None:
        text = self.table.cell_text()
        self.app.copy_to_clipboard(text)
        self.notify(f"copied: {text}", markup=False, timeout=2)

    def action_copy_row(self) -> None:
        self.app.copy_to_clipboard(self.table.row_text())
        self.notify("row copied", timeout=2)

    def visible_rows(self) -> list[InventoryRow]:
        rows = (self.service.row(k) for k in self.table.shown)
        return [r for r in rows if r is not None]

    def palette_commands(self) -> Iterator[PaletteCommand]:
        yield PaletteCommand(
            "Filter rows", "regex over all columns, !regex excludes", "open_filter"
        )
        yield PaletteCommand("Export view", "write the rows shown to CSV and JSON", "export")
        for kind in KIND_ORDER:
            yield PaletteCommand(
                f"Show {kind.value}s", f"the {kind.value} table", f"show_alias('{kind.value}')"
            )

    def action_show_alias(self, alias: str) -> None:
        self.show_alias(alias)
