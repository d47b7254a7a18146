"""How the scanner reads a simple value's text: as XML does (the five entities, numeric
references as code points), converted as its `xsi:type` says; and the same reading, on decoded
text with no reference in it, for a layout (`scanner_layout`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from vconsole.vim.scanner_layout import (
    ANY_TEXT,
    BOOLEAN,
    DECIMAL,
    INTEGER,
    SOME_TEXT,
    References,
    StrReading,
)
from vconsole.vim.soap import MoRef

_REFERENCE = re.compile(r"&([^;&<]*)(;?)")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def read_boolean(text: bytes) -> bool:
    return text == b"true"


class Unusual(Exception):
    """Raised inside the scanner for a shape it does not read exactly; ElementTree takes over."""


def read_text(text: bytes) -> str:
    """Character data as an XML parser gives it (the element holds no raw CR: the scanner
    sends one with a CR to ElementTree, as XML folds it)."""
    if b"&" not in text:
        return text.decode()
    return _REFERENCE.sub(_reference, text.decode())


def _reference(match: re.Match[str]) -> str:
    """One entity or character reference, as XML defines them; anything else (`&nbsp;`, a
    bare `&`, `&#0;`) is not read here: ElementTree decides (and refuses, as XML does)."""
    ref, closed = match.group(1), match.group(2)
    if closed and ref in _NAMED:
        return _NAMED[ref]
    number = re.fullmatch(r"#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))", ref) if closed else None
    if number is not None:
        code = int(number.group(1), 16) if number.group(1) else int(number.group(2))
        allowed = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
        if allowed or 0x10000 <= code <= 0x10FFFF:
            return chr(code)
    raise Unusual(match.group(0).encode())


def text_or_empty_object(kind: str) -> Callable[[bytes], Any]:
    """For a data-object-typed `val` with no children (an enum value, or an empty object)."""
    return partial(_data_text, kind)


def _data_text(kind: str, text: bytes) -> Any:
    if not text:
        return {"_type": kind}
    return text.decode() if b"&" not in text else read_text(text)


def str_reading(convert: Callable[[bytes], Any]) -> StrReading | None:
    """The same conversion on the decoded text of a value with no reference in it, and the
    text it accepts (an enum value must not be empty: that is an empty data object); None
    for the rare kinds a layout does not read (empty arrays)."""
    if convert is int:
        return int, INTEGER
    if convert is float:
        return float, DECIMAL
    if convert is read_boolean:
        return BOOLEAN, ANY_TEXT
    if convert is read_text:
        return str, ANY_TEXT
    if isinstance(convert, partial) and convert.func is read_moref:
        return References(*convert.args).__getitem__, ANY_TEXT
    if isinstance(convert, partial) and convert.func is _data_text:
        return str, SOME_TEXT
    return None


def read_moref(ref_type: str, text: bytes) -> MoRef:
    return MoRef(ref_type, read_text(text))


def empty_array(_: bytes) -> list[Any]:
    return []
