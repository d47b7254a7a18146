"""Cloud Director portal branding as the console sees it: UiBranding, its menu items, diffs.

Shapes follow the legacy API (reference vcd-branding-api.md §3, 32.0+): `portalName`,
`portalColor`, `selectedTheme {themeType, name}` and an ordered `customLinks` list of
`{name, menuItemType, url}`. An empty `portalColor` and null mean the same (theme default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MENU_ITEM_TYPES = ("link", "section", "override", "separator")
KEY_URL_LINK = "key-url"
"""Kind given to an old-style (API 9.5 and before) `{key, url}` link read from a server: its key
is kept as the name and it is written back in the same shape, never silently converted."""
BASE_OVERRIDES = ("help", "about", "vmrc")
IMPRINT_FROM = 36.0  # `imprint` is seen in a 10.3 GET (KB 325688); earlier support unknown


@dataclass(frozen=True)
class Theme:
    name: str
    theme_type: str = "BUILT_IN"

    def to_api(self) -> dict[str, str]:
        return {"themeType": self.theme_type, "name": self.name}

    def label(self) -> str:
        return f"{self.name} ({self.theme_type})"


@dataclass(frozen=True)
class MenuItem:
    """One `customLinks` entry: an override of a built-in link, a section, link or separator."""

    kind: str
    name: str | None = None
    url: str | None = None

    def to_api(self) -> dict[str, Any]:
        """The item as the PowerShell module writes it: absent name/url are left out."""
        if self.kind == KEY_URL_LINK:
            return {"key": self.name, "url": self.url}
        out: dict[str, Any] = {}
        if self.name is not None:
            out["name"] = self.name
        out["menuItemType"] = self.kind
        if self.url is not None or self.kind == "override":
            out["url"] = self.url
        return out

    def label(self) -> str:
        if self.kind == "separator":
            return "separator"
        if self.kind == KEY_URL_LINK:
            return f'9.5-style link "{self.name or ""}" {self.url or "-"}'
        if self.kind == "section":
            return f'section "{self.name or ""}"'
        target = self.url if self.url else "(VMware default)" if self.kind == "override" else "-"
        return f'{self.kind} "{self.name or ""}" {target}'


@dataclass(frozen=True)
class Branding:
    """A whole UiBranding; a PUT sends all of it (the server replaces, never merges)."""

    portal_name: str | None
    portal_color: str | None = None
    theme: Theme | None = None
    links: tuple[MenuItem, ...] = ()

    @classmethod
    def from_api(cls, body: Any) -> Branding:
        """Tolerant reading of a server answer (unknown fields ignored, nulls allowed)."""
        if not isinstance(body, dict):
            raise ValueError("a UiBranding must be a JSON object")
        theme = body.get("selectedTheme")
        links = []
        for item in body.get("customLinks") or []:
            if isinstance(item, dict) and "menuItemType" not in item and "key" in item:
                links.append(
                    MenuItem(KEY_URL_LINK, _opt_str(item.get("key")), _opt_str(item.get("url")))
                )
            elif isinstance(item, dict):
                links.append(
                    MenuItem(
                        str(item.get("menuItemType") or ""),
                        _opt_str(item.get("name")),
                        _opt_str(item.get("url")),
                    )
                )
        return cls(
            portal_name=_opt_str(body.get("portalName")),
            portal_color=_opt_str(body.get("portalColor")) or None,
            theme=(
                Theme(str(theme.get("name")), str(theme.get("themeType") or "BUILT_IN"))
                if isinstance(theme, dict) and theme.get("name")
                else None
            ),
            links=tuple(links),
        )

    def to_api(self) -> dict[str, Any]:
        """The PUT body, keys in the module's order (portalName, portalColor, theme, links)."""
        return {
            "portalName": self.portal_name,
            "portalColor": self.portal_color or "",
            "selectedTheme": self.theme.to_api() if self.theme else None,
            "customLinks": [item.to_api() for item in self.links],
        }

    @property
    def overrides(self) -> tuple[tuple[int, MenuItem], ...]:
        return tuple((i, m) for i, m in enumerate(self.links) if m.kind == "override")

    @property
    def user_menu(self) -> tuple[tuple[int, MenuItem], ...]:
        return tuple((i, m) for i, m in enumerate(self.links) if m.kind != "override")


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class BrandingView:
    """One scope's branding: the system's, or a tenant's own or inherited one."""

    tenant: str | None  # None: system
    branding: Branding
    own: bool = True
    """False when the tenant has no branding of its own (its GET answers the system's)."""

    @property
    def scope(self) -> str:
        return "system" if self.tenant is None else f"tenant {self.tenant}"

    @property
    def marker(self) -> str:
        if self.tenant is None:
            return "system"
        return "own" if self.own else "inherited from system"


@dataclass(frozen=True)
class ImageInfo:
    """What the console can tell about a logo or icon without drawing it."""

    kind: str  # "logo" | "icon"
    content_type: str
    size: int
    width: int | None = None
    height: int | None = None
    sha256: str = ""

    def label(self) -> str:
        dims = f" {self.width}x{self.height}" if self.width and self.height else ""
        size = f"{self.size} B" if self.size < 10240 else f"{self.size // 1024} KB"
        return f"{self.content_type.rsplit('/', 1)[-1]}{dims} {size}"


@dataclass(frozen=True)
class InputProblem:
    """A problem in branding input; `position` names the field or item (`customLinks[3]`)."""

    position: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.position}: {self.message}"


@dataclass(frozen=True)
class FieldChange:
    position: str
    before: str
    after: str

    def __str__(self) -> str:
        if not self.before:
            return f"  + {self.position}: {self.after}"
        if not self.after:
            return f"  - {self.position}: {self.before}"
        return f"  ~ {self.position}: {self.before} -> {self.after}"


@dataclass(frozen=True)
class BrandingDiff:
    """Exactly what a write changes, field by field and item by item."""

    scope: str
    changes: tuple[FieldChange, ...] = ()
    note: str = ""

    @property
    def empty(self) -> bool:
        return not self.changes and not self.note

    def text(self) -> str:
        """One line per change; a line break inside a value is shown, so it cannot forge one."""
        from vconsole.textsafe import visible

        head = f"Changes to {visible(self.scope)}:"
        if self.empty:
            return f"{head} none"
        lines = [head]
        if self.note:
            lines.append(f"  ! {visible(self.note)}")
        lines += [visible(str(c)) for c in self.changes]
        return "\n".join(lines)


@dataclass(frozen=True)
class Capabilities:
    """What the server's API version offers this pane."""

    version: str
    overrides: tuple[str, ...] = BASE_OVERRIDES
    tenants: bool = True
    icons: bool = True
    deprecated_note: str = ""

    @classmethod
    def for_version(cls, version: str) -> Capabilities:
        major, _, minor = version.partition(".")
        number = int(major) + int((minor or "0")[:1]) / 10
        overrides = BASE_OVERRIDES + (("imprint",) if number >= IMPRINT_FROM else ())
        note = (
            "the legacy branding API is deprecated from 37.1 (successor: brandingThemes)"
            if number >= 37.1
            else ""
        )
        return cls(version, overrides, number >= 32.0, number >= 32.0, note)


@dataclass(frozen=True)
class Backup:
    """A saved 'before' state: a branding object (or an image) of one scope."""

    path: str
    target: str
    tenant: str | None
    kind: str  # "branding" | "logo" | "icon"
    own: bool
    taken_at: str
    api_version: str
    branding: Branding | None = None
    image_type: str = ""
    image: bytes = field(default=b"", repr=False)
    raw: Any = field(default=None, repr=False, compare=False)  # the body exactly as saved
