"""Size and character limits on every branding field the console writes to Cloud Director.

The API documents none: no `maxLength` or `maxItems` appears in any UiBranding spec version
(reference vcd-branding-api.md §3.3 [SPEC]), and what the server does with a 1 MB portal name
is unknown. So the console sets its own conservative limits rather than find out on
production: 255 characters for a portal or link name (a database name column's usual size),
2,048 for a URL (what browsers and proxies reliably carry), 100 menu items. Control and bidi
characters are refused in names, as they are in URLs: a portal shows them to every tenant.
"""

from __future__ import annotations

import re

from vconsole.models.branding import Branding, InputProblem, MenuItem

NAME_MAX = 255
URL_MAX = 2048
LINKS_MAX = 100
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(value: str, limit: int = 60) -> str:
    """A value quoted for an error message: cut short, control characters made visible."""
    from vconsole.textsafe import visible

    text = visible(value)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def item_position(index: int, item: object = None) -> str:
    """`customLinks[3] (item 4, link "Help Desk")`: the API index and the 1-based count."""
    extra = ""
    if isinstance(item, MenuItem):
        extra = f", {item.kind}" + (f' "{item.name}"' if item.name else "")
    elif isinstance(item, dict):
        kind = item.get("menuItemType")
        name = item.get("name")
        extra = (f", {kind}" if isinstance(kind, str) else "") + (
            f' "{name}"' if isinstance(name, str) and name else ""
        )
    return f"customLinks[{index}] (item {index + 1}{extra})"


def text_problem(value: str, limit: int, what: str) -> str | None:
    """Why a name or URL is refused for its length or characters, or None."""
    if len(value) > limit:
        return f"is {len(value):,} characters long; accepted: at most {limit:,} ({what})"
    if _CONTROL.search(value):
        return f"{shown(value)} contains control or bidi characters; accepted: printable text"
    return None


def limit_problems(b: Branding) -> list[InputProblem]:
    """Every field over its limit or carrying control characters, each named."""
    out: list[InputProblem] = []
    if b.portal_name is not None and (why := text_problem(b.portal_name, NAME_MAX, "a name")):
        out.append(InputProblem("portalName", why))
    if len(b.links) > LINKS_MAX:
        out.append(
            InputProblem("customLinks", f"has {len(b.links)} items; accepted: at most {LINKS_MAX}")
        )
    for index, item in enumerate(b.links):
        if item.name is not None and (why := text_problem(item.name, NAME_MAX, "a name")):
            out.append(InputProblem(f"{item_position(index)} name", why))
    return out
