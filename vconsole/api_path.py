"""Paths for Cloud Director and vCenter HTTP APIs, built from literal bases and encoded segments.

A name or id that goes into a URL is data, never path syntax: `x/../..` as a tenant must not
reach `/cloudapi/branding`. So callers never format values into a path string; they pass them
here as segments, each percent-encoded whole (`/`, `?`, `#`, `%` included) so httpx sends it as
one segment and its dot-segment normalisation has nothing to act on. Org names are also checked
as tokens first, so a typo or an attack is refused with the field named before any I/O.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from vconsole.errors import InvalidToken

# Cloud Director documents no character set for org names (the API schema types `name` as a
# plain string); the console accepts the conservative set every portal URL
# (`/tenant/<org>`) works with and refuses anything else before any request.
ORG_NAME_ACCEPTED = (
    "an organization name: 1-128 letters, digits, '-', '_' or '.', starting with a letter or digit"
)
_ORG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def org_name(value: object, field: str = "tenant") -> str:
    """A Cloud Director org name, unchanged when valid; InvalidToken naming `field` otherwise."""
    if not isinstance(value, str) or not _ORG_NAME.fullmatch(value):
        raise InvalidToken(field, value, ORG_NAME_ACCEPTED)
    return value


def segment(value: object, field: str = "id") -> str:
    """One path segment, percent-encoded whole; empty, `.`, `..` and control characters refused."""
    accepted = "a non-empty id without control characters (not '.' or '..')"
    if not isinstance(value, str) or value in ("", ".", "..") or _CONTROL.search(value):
        raise InvalidToken(field, value, accepted)
    return quote(value, safe="")


def join(base: str, *segments: tuple[str, str] | str) -> str:
    """`base` (a literal path of the API) followed by each value as one encoded segment.

    A segment is either a literal word of the API (`"logo"`) or `(field, value)` for data.
    """
    if not base.startswith("/") or base.endswith("/"):
        raise ValueError(f"an API base path starts with '/' and has no trailing '/': {base!r}")
    parts = [base]
    for item in segments:
        if isinstance(item, tuple):
            field, value = item
            parts.append(segment(value, field))
        else:
            parts.append(segment(item, "path"))
    return "/".join(parts)
