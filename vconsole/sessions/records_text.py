"""The text of an answer through vCenter: its records as indented JSON, keys sorted.

`json.dumps(records, indent=1, sort_keys=True)` is what transcripts, captures and replays have
always shown. With `indent` set the standard library drops to its pure-Python encoder, which
yields every token through nested generators; an answer's text is made only when read, but a
capture reads every answer's. This writes the same characters from the same C string quoting,
by joins; anything outside
plain JSON data (keys that are not text, other types, cycles) goes to `json.dumps` itself, so
the text and its errors are the library's.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii as _quoted
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vconsole.untyped import Json

_INFINITY = float("inf")


class _NotPlain(Exception):
    """A value the library must encode itself (a non-text key, an unknown type)."""


def records_text(records: Sequence[Json] | None) -> str:
    """`json.dumps(list(records), indent=1, sort_keys=True)`, character for character."""
    listed = list(records or ())
    try:
        return _encoded(listed, "\n")
    except (_NotPlain, RecursionError, TypeError):
        return json.dumps(listed, indent=1, sort_keys=True)


def _encoded(value: object, indent: str) -> str:
    """`indent` is a newline and the spaces of the level `value` starts on."""
    if type(value) is str:
        return _quoted(value)
    if type(value) is dict:
        return _mapping(value, indent)
    if type(value) is list or type(value) is tuple:
        if not value:
            return "[]"
        inner = indent + " "
        items = [_encoded(item, inner) for item in value]
        return "[" + inner + ("," + inner).join(items) + indent + "]"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is float:
        return _float(value)
    raise _NotPlain(type(value).__name__)


def _mapping(value: dict[object, object], indent: str) -> str:
    if not value:
        return "{}"
    inner = indent + " "
    parts = []
    for key in sorted(value):  # type: ignore[type-var]  # mixed keys: TypeError, as json's
        if type(key) is not str:
            raise _NotPlain("key")
        parts.append(_quoted(key) + ": " + _encoded(value[key], inner))
    return "{" + inner + ("," + inner).join(parts) + indent + "}"


def _float(value: float) -> str:
    """As the library writes a float, NaN and the infinities included."""
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)
