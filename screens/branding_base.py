"""State and drawing shared by the Branding pane's screen and its write actions.

Holds what was read (views per scope, themes, images), the unwritten drafts, and renders the
two columns; the screen adds keys and loading, `BrandingWrites` adds files and writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.widgets import Static, Tree

from screens.base import ConsoleScreen
from screens.branding_render import scope_title, summary
from screens.pane_context import PaneContext
from vconsole.errors import VconsoleError
from vconsole.models.branding import Branding, BrandingView, Capabilities, ImageInfo, Theme
from vconsole.services.branding_input import check_branding
from vconsole.textsafe import visible
from widgets.links_tree import LinksTree

if TYPE_CHECKING:
    from vconsole.services.branding import BrandingService

SIDES = ("system", "tenant")
HINT = "tab other side - enter edit - a/s/-/o add link/section/separator/override - d delete - K/J move"


class BrandingPaneBase(ConsoleScreen):
    """The pane's data and its two columns."""

    def __init__(self, context: PaneContext) -> None:
        super().__init__()
        self.context = context
        self.service: BrandingService | None = None
        self.setup_error = ""
        try:
            from vconsole.services.branding import BrandingService

            self.service = BrandingService(context.manager)
        except VconsoleError as exc:  # no vcd target: the pane says so instead of failing
            self.setup_error = str(exc)
        self.caps: Capabilities | None = None
        self.tenants: list[str] = []
        self.tenant_pos = 0
        self.views: dict[str | None, BrandingView] = {}
        self.drafts: dict[str | None, Branding] = {}
        self.images: dict[tuple[str | None, str], ImageInfo] = {}
        self.themes: list[Theme] = []

    # -- state --------------------------------------------------------------------------
    @property
    def tenant(self) -> str | None:
        return self.tenants[self.tenant_pos] if self.tenants else None

    def side(self) -> str:
        focused = self.focused
        return "tenant" if focused is not None and focused.id == "links-tenant" else "system"

    def scope(self) -> str | None:
        return self.tenant if self.side() == "tenant" else None

    def links_tree(self, side: str | None = None) -> LinksTree:
        return self.query_one(f"#links-{side or self.side()}", LinksTree)

    def draft(self, scope: str | None) -> Branding | None:
        if scope in self.drafts:
            return self.drafts[scope]
        view = self.views.get(scope)
        return view.branding if view else None

    def edited(self, scope: str | None) -> bool:
        view = self.views.get(scope)
        return scope in self.drafts and view is not None and self.drafts[scope] != view.branding

    def status(self, text: str) -> None:
        self.query_one("#brand-status", Static).update(text)

    def render_all(self) -> None:
        for side in SIDES:
            self.render_side(side)

    def render_side(self, side: str, cursor: int | None = None) -> None:
        scope = None if side == "system" else self.tenant
        tree = self.links_tree(side)
        if side == "tenant" and scope is None:
            self.query_one("#title-tenant", Static).update("Tenants")
            self.query_one("#summary-tenant", Static).update(self.no_tenant_text())
            tree.show_branding(Branding(None))
            self._scope_line()
            return
        branding = self.draft(scope)
        logo, icon = self.images.get((scope, "logo")), self.images.get((scope, "icon"))
        system_logo, system_icon = self.images.get((None, "logo")), self.images.get((None, "icon"))
        self.query_one(f"#title-{side}", Static).update(
            scope_title(self.views.get(scope), scope, self.edited(scope))
        )
        self.query_one(f"#summary-{side}", Static).update(
            summary(
                branding,
                logo,
                icon,
                scope is not None and logo is not None and logo == system_logo,
                scope is not None and icon is not None and icon == system_icon,
            )
        )
        if branding is not None:
            tree.show_branding(branding, cursor if cursor is not None else tree.selected_index)
        self._scope_line()

    def no_tenant_text(self) -> str:
        if self.caps is not None and not self.caps.tenants:
            return f"Tenant branding needs API 32.0; this server speaks {self.caps.version}."
        return "No tenants (orgs) are visible to this login."

    @property
    def brand(self) -> BrandingService:
        """The service, for code that runs only once the pane has one (no `setup_error`)."""
        if self.service is None:
            raise RuntimeError(self.setup_error or "no Cloud Director target")
        return self.service

    def _scope_line(self) -> None:
        parts = []
        if self.service is not None:
            version = f" API {self.caps.version}" if self.caps else ""
            parts.append(f"{self.service.target}{version}")
        if self.tenants:
            parts.append(
                f"tenant {self.tenant_pos + 1}/{len(self.tenants)}: {visible(self.tenant)}"
                "  [ ] switch"
            )
        if self.context.read_only:
            parts.append("READ-ONLY")
        self.query_one("#brand-scopes", Static).update(" - ".join(parts))

    def show_checks(self, scope: str | None) -> None:
        branding = self.draft(scope)
        if branding is None or self.caps is None:
            return
        errors, warnings = check_branding(branding, self.caps)
        lines = []
        if self.edited(scope):
            lines.append("Edited, not written: w shows the diff and writes; u drops the edits.")
        lines += [f"error: {p}" for p in errors[:1]] + [f"warning: {p}" for p in warnings[:1]]
        more = len(errors) + len(warnings) - min(len(errors), 1) - min(len(warnings), 1)
        if more > 0:
            lines[-1] += f" (+{more} more)"
        if not lines:
            lines.append(HINT)
        self.status("\n".join(lines[:2]))

    def set_draft(self, scope: str | None, branding: Branding, cursor: int | None = None) -> None:
        self.drafts[scope] = branding
        self.render_side("system" if scope is None else "tenant", cursor)
        self.show_checks(scope)

    @on(Tree.NodeHighlighted)
    def _highlighted(self) -> None:
        self.show_checks(self.scope())

    def _ready(self) -> bool:
        if self.draft(self.scope()) is None or self.caps is None:
            self.notify("Nothing loaded on this side yet.", severity="warning")
            return False
        return True
