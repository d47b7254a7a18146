"""`:brand` - Cloud Director portal branding: the system's and a tenant's, side by side.

Edits stay in a draft per scope until `w`, which shows the exact diff and writes only on `y`
(the service re-reads, refuses a concurrent change, backs up, then PUTs). A failed write keeps
the draft: retry with `w` or export it with `e`. Writes are refused up front in read-only mode.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, Tree

from screens.base import PaletteCommand
from screens.branding_base import SIDES
from screens.branding_dialogs import ChoiceDialog, MenuItemDialog, TextPrompt
from screens.branding_writes import BrandingWrites
from vconsole.models.branding import (
    Branding,
    BrandingView,
    MenuItem,
)
from vconsole.services import branding_edit as edit
from vconsole.services.branding_input import color_problem
from widgets.links_tree import LinksTree

_Answer = TypeVar("_Answer")
_Placed = tuple[tuple[MenuItem, ...], int]
"""The links after a change, and where the cursor goes."""


def _b(
    key: str, action: str, desc: str, tip: str, show: bool = True, display: str | None = None
) -> Binding:
    return Binding(
        key, action, desc, show=show, key_display=display, id=f"branding.{action}", tooltip=tip
    )


class BrandingScreen(BrandingWrites):
    """System branding on the left, the selected tenant's on the right; keys act on the focus."""

    WRITE_ACTIONS = frozenset(
        {"write", "edit_name", "edit_colour", "pick_theme", "add", "delete_item", "move", "undo",
         "revert_tenant", "import_file", "upload", "restore"}
    )  # fmt: skip

    CSS_PATH = "branding.tcss"

    BINDINGS = [
        _b("w", "write", "Write", "Show the diff of this side's edits, then write them (y)."),
        _b("n", "edit_name", "Name", "Edit the portal name."),
        _b(
            "c", "edit_colour", "Colour", "Edit the portal colour (#RRGGBB, empty for the theme's)."
        ),
        _b("h", "pick_theme", "Theme", "Pick the theme from the server's list."),
        _b("a", "add('link')", "Link", "Add a link after the selected item."),
        _b(
            "s",
            "add('section')",
            "Section",
            "Add a section heading after the selected item.",
            False,
        ),
        _b(
            "minus",
            "add('separator')",
            "Separator",
            "Add a separator after the selected item.",
            False,
            "-",
        ),
        _b("o", "add('override')", "Override", "Override a built-in link (help, about, …).", False),
        _b("d", "delete_item", "Delete", "Delete the selected item.", False),
        _b("K", "move(-1)", "Up", "Move the selected item up.", False),
        _b("J", "move(1)", "Down", "Move the selected item down.", False),
        _b("u", "undo", "Undo", "Drop this side's unwritten edits.", False),
        _b("right_square_bracket", "tenant(1)", "Next tenant", "Show the next tenant.", False, "]"),
        _b(
            "left_square_bracket",
            "tenant(-1)",
            "Prev tenant",
            "Show the previous tenant.",
            False,
            "[",
        ),
        _b(
            "D",
            "revert_tenant",
            "Revert",
            "Revert the tenant to the system branding (asks).",
            False,
        ),
        _b("e", "export", "Export", "Save this side's draft as UiBranding JSON.", False),
        _b(
            "i",
            "import_file",
            "Import",
            "Load a UiBranding JSON file into this side's draft.",
            False,
        ),
        _b("g", "upload('logo')", "Logo", "Upload a logo (PNG, JPEG, SVG; 512 KB).", False),
        _b("k", "upload('icon')", "Icon", "Upload an icon (PNG, ICO; 512 KB).", False),
        _b("r", "reload", "Reload", "Read everything from the server again.", False),
        _b("b", "restore", "Restore", "Put a backup of this target back (diff first).", False),
    ]

    # -- layout -------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield Static("", id="brand-scopes", markup=False)
        with Horizontal(id="brand-columns"):
            for side in SIDES:
                with Vertical(id=f"col-{side}", classes="brand-col"):
                    yield Static("", id=f"title-{side}", classes="brand-title", markup=False)
                    yield Static("", id=f"summary-{side}", classes="brand-summary", markup=False)
                    yield LinksTree(id=f"links-{side}")
        yield Static("", id="brand-status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#links-system", LinksTree).focus()
        if self.service is None:
            self.status(f"{self.setup_error}. Add a Cloud Director target with :conn.")
            return
        self.status(f"Reading branding from {self.brand.target}…")
        self.load()

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand("Write branding", "diff, then write this side's edits", "write"),
            PaletteCommand(
                "Revert tenant to system", "DELETE the tenant's own branding", "revert_tenant"
            ),
            PaletteCommand("Export branding JSON", "save this side's draft", "export"),
            PaletteCommand(
                "Import branding JSON", "load a file into this side's draft", "import_file"
            ),
        ]

    # -- loading ------------------------------------------------------------------------
    @work(exclusive=True, group="brand-load", exit_on_error=False)
    async def load(self) -> None:
        svc = self.brand
        self.caps = await svc.capabilities()
        self.tenants = await svc.tenants() if self.caps.tenants else []
        self.tenant_pos = min(self.tenant_pos, max(len(self.tenants) - 1, 0))
        self.themes = await svc.themes()
        system_raw = await svc.read_raw(None)
        self.views = {None: BrandingView(None, Branding.from_api(system_raw))}
        for org in self.tenants:
            self.views[org] = await svc.read(org, system_raw)
        await self._load_images(None)
        if self.tenant is not None:
            await self._load_images(self.tenant)
        self.render_all()
        note = f" - note: {self.caps.deprecated_note}" if self.caps.deprecated_note else ""
        self.status(f"Read {len(self.views)} scope(s) from {svc.target}{note}")

    async def _load_images(self, scope: str | None) -> None:
        kinds = ("logo", "icon") if self.caps and self.caps.icons else ("logo",)
        for kind in kinds:
            info, _ = await self.brand.image(kind, scope)
            self.images[(scope, kind)] = info

    @work(exclusive=True, group="brand-images", exit_on_error=False)
    async def load_tenant_images(self) -> None:
        if self.tenant is not None and (self.tenant, "logo") not in self.images:
            await self._load_images(self.tenant)
            self.render_side("tenant")

    # -- editing ------------------------------------------------------------------------
    def _edit_draft(
        self,
        dialog: Callable[[Branding], ModalScreen[_Answer | None]],
        change: Callable[[Branding, _Answer], Branding],
    ) -> None:
        """Ask with `dialog(current draft)`; an answer becomes the side's new draft."""
        if not self._ready():
            return
        scope, current = self.scope(), self.draft(self.scope())
        assert current is not None

        def done(value: _Answer | None) -> None:
            if value is not None:
                self.set_draft(scope, change(current, value))

        self.app.push_screen(dialog(current), done)

    def action_edit_name(self) -> None:
        self._edit_draft(
            lambda b: TextPrompt("Portal name", b.portal_name or ""),
            lambda b, value: dataclasses.replace(b, portal_name=value),
        )

    def action_edit_colour(self) -> None:
        self._edit_draft(
            lambda b: TextPrompt(
                "Portal colour",
                b.portal_color or "",
                "#RRGGBB, e.g. #0C0C01; empty uses the theme's colours",
                lambda v: color_problem(v.strip()),
            ),
            lambda b, value: dataclasses.replace(b, portal_color=value.strip() or None),
        )

    def action_pick_theme(self) -> None:
        labels = [t.label() for t in self.themes]
        self._edit_draft(
            lambda b: ChoiceDialog(
                "Theme (from the server)", labels, b.theme.label() if b.theme else None
            ),
            lambda b, label: dataclasses.replace(b, theme=self.themes[labels.index(label)]),
        )

    def action_add(self, kind: str) -> None:
        if not self._ready():
            return
        scope, current = self.scope(), self.draft(self.scope())
        assert current is not None and self.caps is not None
        at = self.links_tree().selected_index

        def done(item: MenuItem | None) -> None:
            if item is not None:
                links, index = edit.insert_after(current.links, at, item)
                self.set_draft(scope, dataclasses.replace(current, links=links), index)

        if kind == "separator":
            done(MenuItem("separator"))
            return
        self.app.push_screen(MenuItemDialog(MenuItem(kind), self.caps.overrides), done)

    @on(Tree.NodeSelected)
    def _edit_item(self, event: Tree.NodeSelected[int]) -> None:
        event.stop()
        index = event.node.data
        scope, current = self.scope(), self.draft(self.scope())
        if index is None or current is None or self.caps is None:
            return
        item = current.links[index]
        if item.kind == "separator":
            return

        def done(new: MenuItem | None) -> None:
            if new is not None:
                links, at = edit.replace_at(current.links, index, new)
                self.set_draft(scope, dataclasses.replace(current, links=links), at)

        self.app.push_screen(MenuItemDialog(item, self.caps.overrides), done)

    def _change_links(self, change: Callable[[tuple[MenuItem, ...], int], _Placed]) -> None:
        """Apply `change(links, selected index)` to the draft; the cursor follows the item."""
        scope, current, index = (
            self.scope(),
            self.draft(self.scope()),
            self.links_tree().selected_index,
        )
        if current is None or index is None:
            return
        links, at = change(current.links, index)
        self.set_draft(scope, dataclasses.replace(current, links=links), at)

    def action_delete_item(self) -> None:
        self._change_links(edit.delete_at)

    def action_move(self, step: int) -> None:
        self._change_links(lambda links, index: edit.move(links, index, step))

    def action_undo(self) -> None:
        scope = self.scope()
        if self.drafts.pop(scope, None) is not None:
            self.render_side(self.side())
            self.status("Edits dropped.")

    def action_tenant(self, step: int) -> None:
        if not self.tenants:
            return
        self.tenant_pos = (self.tenant_pos + step) % len(self.tenants)
        self.render_side("tenant", 0)
        self.load_tenant_images()

    def action_reload(self) -> None:
        if self.service is not None:
            self.status("Reading branding again…")
            self.load()
