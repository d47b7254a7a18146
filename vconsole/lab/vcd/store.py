"""What the lab's Cloud Director remembers: branding, logos, icons, themes, CSS.

A PUT stores exactly what was sent (reference §3.3: no merge on PUT). Stored objects are echoed
with every item carrying `name`, `menuItemType` and `url` (null when absent), as the real GET in
KB 325688 shows `url: null`. Validation messages are reconstructed (§3.4: real text unknown).
State is written to `branding.json` in the lab's state dir so `lab stop`/`start` keeps it.
"""

from __future__ import annotations

import base64
import copy
import json
import struct
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

MENU_ITEM_TYPES = ("link", "section", "override", "separator")
THEME_TYPES = ("BUILT_IN", "CUSTOM")
LOGO_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
ICON_TYPES = ("image/png", "image/x-icon")
IMAGE_LIMIT = 512 * 1024  # 9.0's documented logo limit; later limits unknown


def _png(rgb: tuple[int, int, int]) -> bytes:
    """A valid 1x1 PNG in one colour: the lab's stand-in for the product logo and icon."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


DEFAULT_LOGO = _png((0x14, 0x6E, 0xB4))
DEFAULT_ICON = _png((0x00, 0x79, 0xB8))


def default_system_branding() -> dict[str, Any]:
    return {
        "portalName": "VMware Cloud Director",
        "portalColor": None,
        "selectedTheme": {"themeType": "BUILT_IN", "name": "Default"},
        "customLinks": [
            {"name": "help", "menuItemType": "override", "url": None},
            {"name": "about", "menuItemType": "override", "url": None},
            {"name": "vmrc", "menuItemType": "override", "url": None},
        ],
    }


class BrandingInvalid(ValueError):
    """A body the server refuses with 400 BAD_REQUEST; the message names the field."""


@dataclass
class Image:
    content_type: str
    data: bytes


@dataclass
class BrandingState:
    system: dict[str, Any] = field(default_factory=default_system_branding)
    tenants: dict[str, dict[str, Any]] = field(default_factory=dict)
    themes: list[dict[str, str]] = field(
        default_factory=lambda: [
            {"themeType": "BUILT_IN", "name": "Default"},
            {"themeType": "BUILT_IN", "name": "Dark"},
        ]
    )
    css: dict[str, str] = field(default_factory=dict)
    logos: dict[str, Image] = field(default_factory=dict)  # "" is the system logo
    icons: dict[str, Image] = field(default_factory=dict)
    transfers: dict[str, tuple[str, str, int]] = field(
        default_factory=dict
    )  # id -> theme,file,size
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def theme(self, name: str) -> dict[str, str] | None:
        for t in self.themes:
            if t["name"] == name:
                return t
        return None

    def save(self, path: Path) -> None:
        def images(d: dict[str, Image]) -> dict[str, Any]:
            return {
                k: {"contentType": v.content_type, "data": base64.b64encode(v.data).decode()}
                for k, v in d.items()
            }

        doc = {
            "system": self.system,
            "tenants": self.tenants,
            "themes": self.themes,
            "css": self.css,
            "logos": images(self.logos),
            "icons": images(self.icons),
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=1))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> BrandingState:
        doc = json.loads(path.read_text())

        def images(d: dict[str, Any]) -> dict[str, Image]:
            return {k: Image(v["contentType"], base64.b64decode(v["data"])) for k, v in d.items()}

        return cls(
            system=doc["system"],
            tenants=doc["tenants"],
            themes=doc["themes"],
            css=doc.get("css", {}),
            logos=images(doc.get("logos", {})),
            icons=images(doc.get("icons", {})),
        )


def _url_ok(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https"):
        return bool(parsed.netloc)
    return parsed.scheme == "mailto" and bool(parsed.path)


def validate_branding(body: Any, state: BrandingState, api_version: float) -> dict[str, Any]:
    """The stored form of a PUT body, or BrandingInvalid naming the offending field."""
    if not isinstance(body, dict):
        raise BrandingInvalid("The request body must be a UiBranding JSON object.")
    menu_items = api_version >= 32.0
    if menu_items:
        for required in ("portalName", "customLinks"):
            if body.get(required) is None:
                raise BrandingInvalid(f"UiBranding.{required} is required.")
    name = body.get("portalName")
    if name is not None and not isinstance(name, str):
        raise BrandingInvalid("UiBranding.portalName must be a string.")
    color = body.get("portalColor")
    if color is not None and not isinstance(color, str):
        raise BrandingInvalid("UiBranding.portalColor must be a string.")
    theme = body.get("selectedTheme")
    stored_theme: dict[str, str] | None = None
    if theme is not None:
        if not isinstance(theme, dict) or not isinstance(theme.get("name"), str):
            raise BrandingInvalid("UiBranding.selectedTheme must be a UiTheme with a name.")
        known = state.theme(theme["name"])
        if known is None:
            raise BrandingInvalid(f"Theme {theme['name']!r} does not exist.")
        stored_theme = {"themeType": known["themeType"], "name": known["name"]}
    links = body.get("customLinks")
    stored_links: list[dict[str, Any]] | None = None
    if links is not None:
        if not isinstance(links, list):
            raise BrandingInvalid("UiBranding.customLinks must be an array.")
        stored_links = [_menu_item(item, i, menu_items) for i, item in enumerate(links)]
    return {
        "portalName": name,
        "portalColor": color,
        "selectedTheme": stored_theme,
        "customLinks": stored_links,
    }


def _menu_item(item: Any, index: int, menu_items: bool) -> dict[str, Any]:
    where = f"customLinks[{index}]"
    if not isinstance(item, dict):
        raise BrandingInvalid(f"{where} must be an object.")
    if not menu_items:
        return {"key": item.get("key"), "url": item.get("url")}
    kind = item.get("menuItemType")
    if kind not in MENU_ITEM_TYPES:
        raise BrandingInvalid(
            f"{where}.menuItemType: {kind!r} is not one of [{', '.join(MENU_ITEM_TYPES)}]."
        )
    for key in ("name", "url"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise BrandingInvalid(f"{where}.{key} must be a string.")
    url = item.get("url")
    if url is not None and url != "" and not _url_ok(url):
        raise BrandingInvalid(f"{where}.url: {url!r} is not a well-formed URL.")
    return {"name": item.get("name"), "menuItemType": kind, "url": url}


def echo(stored: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(stored)
