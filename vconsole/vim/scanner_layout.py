"""Object layouts for the scanner: one compiled pattern per object shape already read.

A VM answer repeats one shape thousands of times: the same type, the same property names in
the same order, each `val` with the same attributes. Once the scanner has read an object the
usual way, its shape becomes one pattern with a group per value; the next objects of that shape
are read by one match and one C-level conversion per value, with no per-property dispatch.
Groups accept no `<`, no `&` (so the text is the value, with no reference to decode) and no CR
(which XML folds), numbers only in plain decimal: anything else misses the pattern and takes
the usual way. A layout is learned from an object without CR, so its literal parts hold none.
A reader that wants the matched texts themselves (the inventory store, for its VMs) hands the
parser a `Packer`: a layout it accepts gives what the packer made of the match instead.
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


ANY_TEXT = "([^<&\r]*)"
SOME_TEXT = "([^<&\r]+)"
INTEGER = "(-?[0-9]+)"
DECIMAL = r"(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)"

BOOLEAN: Callable[[str], bool] = "true".__eq__
"""How a layout reads an `xsd:boolean` (one object, so a packer can tell the reading)."""

StrReading = tuple[Callable[[str], Any], str]
"""How a value of one `val` shape is read from its text: converter and the group it must match."""

Packer = Callable[["Layout"], "Callable[[tuple[str, ...]], ObjectProperties] | None"]
"""Asked once per new layout: how to make an object from the match's groups (the moid, then
each value's text, in the layout's order), or None to read that shape the usual way."""

MAX_LAYOUTS = 8
"""Shapes kept per answer: VMs differ by the properties a powered-off VM leaves unset."""


class References(dict[str, MoRef]):
    """One MoRef per value within an answer, made on first sight: the VMs of one host share
    its reference (fewer objects to make, to hold and for the collector to walk)."""

    def __init__(self, ref_type: str) -> None:
        super().__init__()
        self.ref_type = ref_type

    def __missing__(self, value: str) -> MoRef:
        ref = self[value] = MoRef(self.ref_type, value)
        return ref


class Layout:
    """One object shape: `<obj type=..>` then the same propSets, values as pattern groups."""

    __slots__ = ("converters", "element", "hits", "keys", "make", "pattern", "ref_type")

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
        self.element = re.compile(f"<objects>{self.pattern.pattern}</objects>")
        """The whole `objects` element: matched in place in a chunk's text (no search for
        its end, no copy of it; its content holds no `</objects>`, as the learned one had none)."""
        self.ref_type = ref_type
        self.keys = tuple(key for _, key, _, _ in props)
        self.converters = tuple(reading[0] for _, _, _, reading in props)
        self.hits = 0
        self.make: Callable[[tuple[str, ...]], ObjectProperties] | None = None

    def props(self, values: tuple[str, ...]) -> dict[str, Any]:
        """The properties of a match's groups (a new dict each time)."""
        return dict(zip(self.keys, map(call, self.converters, values[1:]), strict=True))


class Layouts:
    """The shapes seen in one answer, the most used first (a layout overtakes the one before
    it when it has read more objects: VMs of two shapes, mixed, do not swap places each time)."""

    __slots__ = ("known",)

    def __init__(self) -> None:
        self.known: list[Layout] = []

    @property
    def hits(self) -> int:
        """Objects read by a layout (the tests check the fast way was taken)."""
        return sum(layout.hits for layout in self.known)

    def read(self, body: bytes) -> ObjectProperties | None:
        """The object in `body` (an `objects` element's content), or None if no layout
        matches it."""
        if not self.known:
            return None
        try:
            text = body.decode()
        except UnicodeDecodeError:
            return None
        known = self.known
        for i, layout in enumerate(known):
            match = layout.pattern.fullmatch(text)
            if match is not None:
                layout.hits += 1
                if i and layout.hits > known[i - 1].hits:
                    known[i - 1], known[i] = layout, known[i - 1]
                values = match.groups()
                if layout.make is not None:
                    return layout.make(values)
                return ObjectProperties(MoRef(layout.ref_type, values[0]), layout.props(values))
        return None

    def run(self, text: str, pos: int, out: list[Any]) -> int:
        """Read the `objects` elements at `pos` in `text` while a layout matches them, into
        `out`; where the first one no layout reads begins (`pos` if none was read)."""
        known = self.known
        append = out.append
        while known:
            layout = known[0]
            match = layout.element.match(text, pos)
            if match is None:
                for i in range(1, len(known)):
                    layout = known[i]
                    match = layout.element.match(text, pos)
                    if match is not None:
                        if layout.hits >= known[i - 1].hits:
                            known[i - 1], known[i] = layout, known[i - 1]
                        break
                else:
                    return pos
            layout.hits += 1
            pos = match.end()
            values = match.groups()
            make = layout.make
            append(
                make(values)
                if make is not None
                else ObjectProperties(MoRef(layout.ref_type, values[0]), layout.props(values))
            )
        return pos

    def learn(self, layout: Layout) -> None:
        """A new shape goes last (the least used is dropped when there are too many)."""
        del self.known[MAX_LAYOUTS - 1 :]
        self.known.append(layout)
