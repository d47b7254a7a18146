"""Text for the Branding pane's columns: the scope title and the summary lines above the tree."""

from __future__ import annotations

import re

from rich.text import Text

from vconsole.models.branding import Branding, BrandingView, ImageInfo
from widgets.safe_text import field_text

_HEX = re.compile(r"#?([0-9A-Fa-f]{6})")


def scope_title(view: BrandingView | None, tenant: str | None, edited: bool) -> Text:
    """The column's title, styled; the tenant's name is the org's, so its controls are shown."""
    if tenant is None:
        title = Text("System", style="bold")
    else:
        title = field_text(tenant, style="bold")
        if view is not None:
            style = "green" if view.own else "yellow"
            title.append(f"  {view.marker}", style=style)
    if edited:
        title.append("  *edited", style="bold magenta")
    return title


def colour_text(colour: str | None) -> Text:
    if not colour:
        return Text("(theme default)", style="dim")
    out = Text(colour)
    match = _HEX.fullmatch(colour)
    if match:
        out.append(" ")
        out.append("   ", style=f"on #{match.group(1)}")
    return out


def image_text(info: ImageInfo | None, inherited: bool) -> Text:
    if info is None:
        return Text("-", style="dim")
    out = Text(info.label())
    if inherited:
        out.append(" = system", style="dim")
    return out


def summary(
    branding: Branding | None,
    logo: ImageInfo | None,
    icon: ImageInfo | None,
    logo_inherited: bool = False,
    icon_inherited: bool = False,
) -> Text:
    if branding is None:
        return Text("loading…", style="dim")
    rows = [
        ("Name  ", field_text(branding.portal_name or "(none)")),
        ("Colour", colour_text(branding.portal_color)),
        ("Theme ", field_text(branding.theme.label() if branding.theme else "(none)")),
        ("Logo  ", image_text(logo, logo_inherited)),
        ("Icon  ", image_text(icon, icon_inherited)),
    ]
    out = Text(no_wrap=True, overflow="ellipsis")
    for i, (label, value) in enumerate(rows):
        if i:
            out.append("\n")
        out.append(label + " ", style="bold")
        out.append_text(value)
    return out
