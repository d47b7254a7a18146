"""Object layouts for the scanner: one compiled pattern per object shape already read.

A VM answer repeats one shape thousands of times: the same type, the same property names in
the same order, each `val` with the same attributes. Once the scanner has read an object the
usual way, its shape becomes one pattern with a group per value; the next objects of that shape
are read by one match and one C-level conversion per value, with no per-property dispatch.
Groups accept no `<` and no `&` (so the text is the value, with no reference to decode), and
numbers only in plain decimal: anything else misses the pattern and takes the usual way.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from vconsole.vim.parser import ObjectProperties
from vconsole.vim.soap import MoRef

if sys.version_info >= (3, 11):
    from operator import call
else:

    def call(convert: Callable[[str], Any], text: str) -> Any:
        return convert(text)


ANY_TEXT = "([^<&]*)"
SOME_TEXT = "([^<&]+)"
INTEGER = "(-?[0-9]+)"
DECIMAL = r"(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)"

StrReading = tuple[Callable[[str], Any], str]
"""How a value of one `val` shape is read from its text: converter and the group it must match."""

MAX_LAYOUTS = 8
"""Shapes kept per answer: VMs differ by the properties a powered-off VM leaves unset."""


class Layout:
    """One object shape: `<obj type=..>` then the same propSets, values as pattern groups."""

    __slots__ = ("converters", "keys", "pattern", "ref_type")

    def __init__(
        self,
        raw_type: bytes,
        ref_type: str,
        props: Sequence[tuple[bytes, str, bytes, StrReading]],
    ) -> None:
        """`props`: per propSet, its raw name, its key (the name decoded), the raw attributes
        of its `val`, and how that value is read."""
        parts = [re.escape(f'<obj type="{raw_type.decode()}">'), ANY_TEXT, "</obj>"]
        for raw_name, _, attrs, (_, group) in props:
            parts.append(re.escape(f"<propSet><name>{raw_name.decode()}</name><val"))
            parts.append(re.escape(f"{attrs.decode()}>"))
            parts.append(group)
            parts.append("</val></propSet>")
        self.pattern = re.compile("".join(parts))
        self.ref_type = ref_type
        self.keys = tuple(key for _, key, _, _ in props)
        self.converters = tuple(reading[0] for _, _, _, reading in props)

    def read(self, text: str) -> ObjectProperties | None:
        """The object in `text` (an `objects` element's content), or None if not this shape."""
        match = self.pattern.fullmatch(text)
        if match is None:
            return None
        values = match.groups()
        props = dict(zip(self.keys, map(call, self.converters, values[1:]), strict=True))
        return ObjectProperties(MoRef(self.ref_type, values[0]), props)


class Layouts:
    """The shapes seen in one answer, most recently matched first."""

    __slots__ = ("hits", "known")

    def __init__(self) -> None:
        self.known: list[Layout] = []
        self.hits = 0
        """Objects read by a layout (the tests check the fast way was taken)."""

    def read(self, body: bytes) -> ObjectProperties | None:
        if not self.known:
            return None
        try:
            text = body.decode()
        except UnicodeDecodeError:
            return None
        known = self.known
        for i, layout in enumerate(known):
            found = layout.read(text)
            if found is not None:
                if i:
                    known.insert(0, known.pop(i))
                self.hits += 1
                return found
        return None

    def learn(self, layout: Layout) -> None:
        self.known.insert(0, layout)
        del self.known[MAX_LAYOUTS:]
