"""Checks on branding input before anything is sent: files, editor values, menu structure.

A file may be a whole UiBranding or only some of its fields (what the PowerShell module's
`-customLinks` example holds); fields it leaves out are taken from the scope's current values.
Every problem names its position (`customLinks[3] (item 4)`) and what would be accepted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from vconsole.errors import VconsoleError
from vconsole.models.branding import (
    KEY_URL_LINK,
    MENU_ITEM_TYPES,
    Branding,
    Capabilities,
    InputProblem,
    MenuItem,
    Theme,
)
from vconsole.services.branding_limits import (
    URL_MAX,
    item_position,
    limit_problems,
    shown,
    text_problem,
)

if TYPE_CHECKING:
    from vconsole.untyped import Json

FIELDS = ("portalName", "portalColor", "selectedTheme", "customLinks")
URL_SCHEMES = ("http", "https", "mailto")
_HEX = re.compile(r"#?[0-9A-Fa-f]{6}")


class BrandingInputError(VconsoleError, ValueError):
    """Input that cannot be sent; lists every problem found, each with its position."""

    title = "Invalid branding"

    def __init__(self, problems: list[InputProblem], source: str = "") -> None:
        self.problems = problems
        where = f"{source}: " if source else ""
        lines = [f"{where}{p}" for p in problems]
        super().__init__("\n".join(lines) or f"{where}invalid branding")


@dataclass(frozen=True)
class BrandingPatch:
    """Fields read from a file; `present` says which ones it set (the rest stay as they are)."""

    present: frozenset[str]
    portal_name: str | None = None
    portal_color: str | None = None
    theme: Theme | None = None
    links: tuple[MenuItem, ...] = ()
    warnings: tuple[InputProblem, ...] = ()

    def apply_to(self, current: Branding) -> Branding:
        """Read-merge-write: the scope's own current values fill what the file leaves out."""
        return Branding(
            portal_name=self.portal_name if "portalName" in self.present else current.portal_name,
            portal_color=(
                self.portal_color if "portalColor" in self.present else current.portal_color
            ),
            theme=self.theme if "selectedTheme" in self.present else current.theme,
            links=self.links if "customLinks" in self.present else current.links,
        )


def url_problem(url: str) -> str | None:
    """Why a link URL is refused, or None (http/https with a host, or mailto with an address).

    Length and control characters first (`branding_limits`), then the scheme; a URL Python
    cannot parse (`http://[::1`) is refused as such, never passed on.
    """
    if why := text_problem(url, URL_MAX, "a URL"):
        return why
    if url != url.strip() or any(c.isspace() for c in url.split("?", 1)[0]):
        return f"{shown(url)} contains spaces; accepted: http://, https:// or mailto: URLs"
    try:
        parsed = urlparse(url)
        parsed.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as exc:
        return f"{shown(url)} is not a valid URL ({exc}); accepted: http://, https:// or mailto:"
    scheme = parsed.scheme.lower()
    if scheme not in URL_SCHEMES:
        what = f"scheme {shown(parsed.scheme)}" if parsed.scheme else "no scheme"
        return f"{shown(url)} has {what}; accepted: http://, https:// or mailto: URLs"
    if scheme == "mailto":
        return None if "@" in parsed.path else f"{shown(url)} has no e-mail address after mailto:"
    if not parsed.hostname:
        return f"{shown(url)} has no host name"
    return None


def color_problem(color: str | None) -> str | None:
    if color is None or color == "":
        return None
    if _HEX.fullmatch(color):
        return None
    return f"{color!r} is not a hex colour; accepted: #RRGGBB (e.g. #0C0C01), or empty for the theme's default"


def parse_document(text: str, caps: Capabilities, source: str = "") -> BrandingPatch:
    """A JSON file in the API's shape -> a patch; BrandingInputError names every problem."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = InputProblem(f"line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}")
        raise BrandingInputError([problem], source) from None
    except RecursionError:
        problem = InputProblem("(top level)", "invalid JSON: nested too deeply")
        raise BrandingInputError([problem], source) from None
    problems: list[InputProblem] = []
    warnings: list[InputProblem] = []
    if not isinstance(body, dict):
        raise BrandingInputError(
            [InputProblem("(top level)", "expected a JSON object with portalName, customLinks, …")],
            source,
        )
    for key in body:
        if key not in FIELDS:
            warnings.append(
                InputProblem(
                    key, f"not a UiBranding field; ignored (known: {', '.join(FIELDS)})", True
                )
            )
    present = frozenset(k for k in FIELDS if k in body)
    if not present:
        problems.append(InputProblem("(top level)", f"none of {', '.join(FIELDS)} is present"))
    name = body.get("portalName")
    if "portalName" in body and not isinstance(name, str):
        problems.append(InputProblem("portalName", "expected a string"))
    color = body.get("portalColor")
    if color is not None and not isinstance(color, str):
        problems.append(InputProblem("portalColor", "expected a string like #0C0C01, or null"))
    elif isinstance(color, str) and (why := color_problem(color)):
        problems.append(InputProblem("portalColor", why))
    theme = _theme(body.get("selectedTheme"), problems)
    links: list[MenuItem] = []
    raw_links = body.get("customLinks")
    if "customLinks" in body:
        if not isinstance(raw_links, list):
            problems.append(InputProblem("customLinks", "expected a list of menu items"))
        else:
            for index, raw in enumerate(raw_links):
                item = _item(index, raw, problems)
                if item is not None:
                    links.append(item)
    if not problems and "customLinks" in body:
        errors, warns = check_links(tuple(links), caps)
        problems += errors
        warnings += warns
    if problems:
        raise BrandingInputError(problems, source)
    return BrandingPatch(
        present=present,
        portal_name=name if isinstance(name, str) else None,
        portal_color=color or None,
        theme=theme,
        links=tuple(links),
        warnings=tuple(warnings),
    )


def _theme(raw: Json, problems: list[InputProblem]) -> Theme | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        problems.append(
            InputProblem(
                "selectedTheme", 'expected {"themeType": "BUILT_IN"|"CUSTOM", "name": "…"}'
            )
        )
        return None
    kind = raw.get("themeType")
    return Theme(raw["name"], kind if isinstance(kind, str) and kind else "BUILT_IN")


def _item(index: int, raw: Json, problems: list[InputProblem]) -> MenuItem | None:
    where = item_position(index, raw)
    if not isinstance(raw, dict):
        problems.append(InputProblem(where, "expected an object with menuItemType"))
        return None
    kind = raw.get("menuItemType")
    if kind is None:
        hint = " (the pre-9.7 {key, url} format is not supported)" if "key" in raw else ""
        problems.append(
            InputProblem(
                where, f"menuItemType is missing; accepted: {', '.join(MENU_ITEM_TYPES)}{hint}"
            )
        )
        return None
    if kind not in MENU_ITEM_TYPES:
        problems.append(
            InputProblem(
                where, f"unknown menuItemType {kind!r}; accepted: {', '.join(MENU_ITEM_TYPES)}"
            )
        )
        return None
    for key in ("name", "url"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            problems.append(InputProblem(where, f"{key} must be a string"))
            return None
    return MenuItem(kind, raw.get("name"), raw.get("url"))


def check_links(
    links: tuple[MenuItem, ...], caps: Capabilities
) -> tuple[list[InputProblem], list[InputProblem]]:
    """(errors, warnings) for a whole customLinks list, as the portal would render it."""
    errors: list[InputProblem] = []
    warnings: list[InputProblem] = []
    seen_overrides: set[str] = set()
    for index, item in enumerate(links):
        where = item_position(index, item)
        if item.kind == KEY_URL_LINK:
            errors.append(
                InputProblem(
                    where,
                    "an old-style (API 9.5) {key, url} link, which the portal does not show; "
                    "make it a link with a name and a url",
                )
            )
        elif item.kind not in MENU_ITEM_TYPES:
            errors.append(
                InputProblem(
                    where,
                    f"unknown menuItemType {item.kind!r}; accepted: {', '.join(MENU_ITEM_TYPES)}",
                )
            )
        elif item.kind == "override":
            if item.name not in caps.overrides:
                errors.append(
                    InputProblem(
                        where,
                        f"override name {item.name!r} is not known to API {caps.version}; "
                        f"accepted: {', '.join(caps.overrides)}",
                    )
                )
            elif item.name in seen_overrides:
                warnings.append(InputProblem(where, f"{item.name!r} is overridden twice", True))
            seen_overrides.add(item.name or "")
            if item.url and (why := url_problem(item.url)):
                errors.append(InputProblem(where, why))
        elif item.kind == "link":
            if not item.name:
                errors.append(InputProblem(where, "a link needs a name (the text shown)"))
            if not item.url:
                errors.append(
                    InputProblem(where, "a link needs a url (http://, https:// or mailto:)")
                )
            elif why := url_problem(item.url):
                errors.append(InputProblem(where, why))
        elif item.kind == "section":
            if not item.name:
                errors.append(InputProblem(where, "a section needs a name (its heading)"))
            if item.url and (why := url_problem(item.url)):
                errors.append(InputProblem(where, why))
            elif item.url:
                warnings.append(
                    InputProblem(where, "a section's url is not shown by the portal", True)
                )
        elif item.url and (why := url_problem(item.url)):  # stored even if not shown
            errors.append(InputProblem(where, why))
        elif item.name or item.url:
            warnings.append(InputProblem(where, "a separator's name and url are ignored", True))
    warnings += _menu_shape(links)
    return errors, warnings


def _menu_shape(links: tuple[MenuItem, ...]) -> list[InputProblem]:
    """Warnings about the user menu as drawn: empty sections, separators at the ends or doubled."""
    menu = [(i, m) for i, m in enumerate(links) if m.kind != "override"]
    out: list[InputProblem] = []
    for pos, (index, item) in enumerate(menu):
        where = item_position(index, item)
        following = menu[pos + 1][1] if pos + 1 < len(menu) else None
        if item.kind == "separator":
            if pos == 0:
                out.append(InputProblem(where, "the user menu starts with a separator", True))
            if following is None:
                out.append(InputProblem(where, "the user menu ends with a separator", True))
            elif following.kind == "separator":
                out.append(InputProblem(where, "two separators in a row", True))
        if item.kind == "section" and (following is None or following.kind != "link"):
            out.append(InputProblem(where, "this section has no links under it", True))
    return out


def check_branding(
    b: Branding, caps: Capabilities
) -> tuple[list[InputProblem], list[InputProblem]]:
    """(errors, warnings) for a whole object about to be PUT."""
    errors, warnings = check_links(b.links, caps)
    errors += limit_problems(b)
    if b.portal_name is None:
        errors.insert(0, InputProblem("portalName", "is required by the API (32.0+)"))
    elif not b.portal_name.strip():
        warnings.insert(0, InputProblem("portalName", "is empty", True))
    if why := color_problem(b.portal_color):
        errors.insert(0, InputProblem("portalColor", why))
    return errors, warnings
