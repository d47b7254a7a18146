"""The fast path of the PropertyCollector answer parser: a scanner over the regular SOAP shape.

vCenter (and the simulator) write ObjectContent/ObjectUpdate elements in one fixed layout
(`<objects><obj ..>..</obj><propSet><name>..</name><val ..>..</val></propSet>..</objects>`).
A compiled pattern reads simple values at C speed; any element that is not in that layout
(complex data objects, missingSet, whitespace, an unexpected attribute or entity) is handed, as
one well-formed fragment, to the ElementTree path in `parser.py`, so an odd answer is slower,
never wrong. Text is decoded as XML does it (the five entities, numeric references as code
points); an element with a raw CR, which XML reads as LF, goes to ElementTree. The bytes outside the fast-read object elements form a well-formed
skeleton that ElementTree parses at the end: for the paging token, update version, truncation,
faults and filter-level missingSet, and for any object element in a shape the scanner does not
match exactly (`<objects xmlns=...>`, `<vim25:objects>`), which is returned then. An object
read the simple way teaches its shape, and the next objects of that shape are read by one
pattern (`scanner_layout`), matched where they lie in the read (decoded a window at a time).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar
from xml.etree.ElementTree import XML, Element

from vconsole.vim.parser import (
    AnswerParser,
    AnswerTail,
    ObjectChange,
    ObjectProperties,
    PropertyChange,
    is_data_type,
    object_change,
    object_properties,
    record_change,
    value_of,
)
from vconsole.vim.scanner_layout import Layout, Layouts, Packer
from vconsole.vim.scanner_values import (
    Unusual,
    empty_array,
    read_boolean,
    read_moref,
    read_text,
    str_reading,
    text_or_empty_object,
)
from vconsole.vim.soap import MoRef

_Read = TypeVar("_Read")

_SIMPLE_PROP = re.compile(rb"<propSet><name>([^<]*)</name><val([^>]*)>([^<]*)</val></propSet>")
_OBJ = re.compile(rb'<obj type="([^"<]*)">([^<]*)</obj>')
_KIND = re.compile(rb"<kind>([^<]*)</kind>")
_PROP = re.compile(
    rb"<propSet><name>([^<]*)</name>(?:<val([^>]*)>([^<]*)</val>|(.*?))</propSet>", re.S
)
_CHANGE = re.compile(
    rb"<changeSet><name>([^<]*)</name><op>([^<]*)</op>"
    rb"(?:<val([^>]*)>([^<]*)</val>|(.*?))</changeSet>",
    re.S,
)
_XMLNS = re.compile(rb'\s(xmlns(?::[\w.-]+)?)="([^"]*)"')
_PREFIXED_TYPE = re.compile(rb"""\s[\w.-]+:type=(["'])([^"'<&]*)\1""")
_PLAIN_TYPE = re.compile(rb"""\stype=(["'])([^"'<&]*)\1""")
_PLAIN_ATTRS = re.compile(rb"""(?:\s+(?:[\w.-]+:)?type=(?:"[^"<&]*"|'[^'<&]*'))*\s*""")
"""The attributes a simple `val` carries; anything else goes to ElementTree."""
_XSI_DECLARATION = re.compile(
    rb"""\sxmlns:([\w.-]+)=(["'])http://www\.w3\.org/2001/XMLSchema-instance\2"""
)
"""The XML Schema instance namespace declared on the `val` itself, as govmomi's simulator
writes every value (`xmlns:XMLSchema-instance="..." XMLSchema-instance:type="xsd:int"`)."""
_PREFIXED_TYPE_NAME = re.compile(rb"""\s([\w.-]+):type=""")
_CR = b"\r"
"""A raw CR in an object element (XML reads CRLF and CR as LF): rare, left to ElementTree."""
_INTS = frozenset(("int", "long", "short", "byte"))
_FLOATS = frozenset(("double", "float"))


class FastAnswerParser:
    """Same interface as `AnswerParser` (feed/close/tail), several times faster on big answers."""

    def __init__(self, packer: Packer | None = None) -> None:
        """`packer`: see `scanner_layout.Packer` (None: every object as `ObjectProperties`)."""
        self._packer = packer
        self._buf = b""
        self._skeleton: list[bytes] = []
        self._namespaces: bytes | None = None
        self._converters: dict[bytes, Callable[[bytes], Any]] = {}
        self._names: dict[bytes, str] = {}
        self._layouts = Layouts()
        self.tail = AnswerTail()
        self.fallbacks = 0

    def feed(self, chunk: bytes) -> list[ObjectProperties | ObjectChange]:
        end = _last_end(chunk)
        if end < 0 or not self._buf:  # the elements up to the last end mark, read in place
            buf = self._buf + chunk if self._buf else chunk
            end = end if buf is chunk else _last_end(buf)
            if end < 0:
                self._buf = buf
                return []
            cut = buf.index(b">", end) + 1
            self._buf = buf[cut:]
            return self._scan(buf, 0, cut)
        # an element begun in an earlier read: completed with this one's start, the rest in place
        first = _first_end(chunk)
        cut = chunk.index(b">", end) + 1
        out = self._scan(self._buf + chunk[:first], 0, None)
        self._buf = chunk[cut:]
        return out + self._scan(chunk, first, cut)

    def close(self) -> list[ObjectProperties | ObjectChange]:
        rest, self._buf = self._buf, b""
        out = self._scan(rest, 0, None) if rest else []
        skeleton = b"".join(self._skeleton)
        if skeleton.strip():
            parser = AnswerParser()
            odd = parser.feed(skeleton) + parser.close()
            self.fallbacks += len(odd)
            out += odd
            self.tail = parser.tail
        return out

    def _scan(self, data: bytes, lo: int, hi: int | None) -> list[ObjectProperties | ObjectChange]:
        """The elements in `data[lo:hi]` (`hi` None: to the end), read where they are."""
        out: list[ObjectProperties | ObjectChange] = []
        hi = len(data) if hi is None else hi
        pos = lo
        skeleton = self._skeleton
        find, starts = data.find, data.startswith
        layouts = self._layouts
        text, text_lo, text_hi = "", lo, lo  # data[text_lo:text_hi] as text (see `_window`)
        while True:
            start = find(b"<object", pos, hi)
            if start < 0:
                break
            if starts(b"<objects>", start, hi):
                opening, closing, content = b"<objects>", b"</objects>", True
            elif starts(b"<objectSet>", start, hi):
                opening, closing, content = b"<objectSet>", b"</objectSet>", False
            else:
                skeleton.append(data[pos : start + 7])
                pos = start + 7
                continue
            if start > pos:
                skeleton.append(data[pos:start])
                if self._namespaces is None:
                    self._namespaces = _declarations(data[lo:start])
                pos = start
            if content and layouts.known:  # a run of objects of known shapes, read in place
                if start >= text_hi:
                    text, text_lo, text_hi = _window(data, start, hi)
                pos = layouts.run(text, start - text_lo, out) + text_lo
                if pos > start:
                    continue
            end = find(closing, start, hi)
            if end < 0:
                break
            block = data[start + len(opening) : end]
            pos = end + len(closing)
            if content:
                # no CR check first: layouts take no CR; none matched the text in place
                known = None if start < text_hi and text else layouts.read(block)
                out.append(known if known is not None else self._object(block))
            else:
                out.append(self._change(block))
        if pos < hi:
            skeleton.append(data[pos:hi])
        return out

    # -- one element ----------------------------------------------------------------------
    def _converter(self, attrs: bytes) -> Callable[[bytes], Any]:
        convert = self._converters.get(attrs)
        if convert is None:
            plain_attrs = _own_xsi_declaration_removed(attrs)
            if not _PLAIN_ATTRS.fullmatch(plain_attrs):
                raise Unusual(attrs)
            typed = _PREFIXED_TYPE.search(plain_attrs)
            plain = _PLAIN_TYPE.search(plain_attrs)
            xtype = typed.group(2).decode() if typed else ""
            kind = xtype.rpartition(":")[2]
            ref_type = plain.group(2).decode() if plain else None
            if kind in _INTS:
                convert = int
            elif kind == "boolean":
                convert = read_boolean
            elif kind in _FLOATS:
                convert = float
            elif ref_type is not None and (not kind or kind == "ManagedObjectReference"):
                convert = partial(read_moref, ref_type)
            elif kind.startswith("ArrayOf"):
                convert = empty_array
            elif is_data_type(xtype):
                convert = text_or_empty_object(kind)
            else:
                convert = read_text
            self._converters[attrs] = convert
        return convert

    def _value(self, attrs: bytes, text: bytes) -> Any:
        return self._converter(attrs)(text)

    def _fragment(self, tag: bytes, body: bytes) -> Element:
        self.fallbacks += 1
        ns = self._namespaces or b'xmlns="urn:vim25"'
        wrapped = b"<" + tag + b" " + ns + b">" + body + b"</" + tag + b">"
        return XML(wrapped)

    def _read_element(
        self,
        fast: Callable[[bytes], _Read],
        slow: Callable[[Element], _Read],
        tag: bytes,
        body: bytes,
    ) -> _Read:
        """`fast` reads the element; ElementTree (`slow`, on the element wrapped in `tag`) when
        it holds a carriage return (XML folds it) or anything else `fast` calls unusual."""
        if _CR not in body:
            try:
                return fast(body)
            except Unusual:
                pass
        return slow(self._fragment(tag, body))

    def _object(self, body: bytes) -> ObjectProperties:
        return self._read_element(self._fast_object, object_properties, b"objects", body)

    def _fast_object(self, body: bytes) -> ObjectProperties:
        obj = _OBJ.match(body)
        if obj is None:
            return object_properties(self._fragment(b"objects", body))
        names = self._names
        ref_type = names.get(obj.group(1))
        if ref_type is None:
            ref_type = names[obj.group(1)] = read_text(obj.group(1))
        ref = MoRef(ref_type, read_text(obj.group(2)))
        rest = obj.end()
        simple = _SIMPLE_PROP.findall(body, rest)
        if len(simple) == body.count(b"<propSet>", rest) and b"<missingSet>" not in body:
            converters = self._converters
            props: dict[str, Any] = {}
            for name, attrs, text in simple:
                key = names.get(name)
                if key is None:
                    key = names[name] = read_text(name)
                convert = converters.get(attrs) or self._converter(attrs)
                props[key] = convert(text)
            self._learn(obj.group(1), ref_type, simple)
            return ObjectProperties(ref, props)
        return self._mixed_object(ref, body, rest)

    def _learn(self, raw_type: bytes, ref_type: str, simple: list[tuple[bytes, ...]]) -> None:
        """Keep the shape of an object read the simple way, when every value has a plain
        reading (see `scanner_layout`): the next objects of that shape take one match."""
        props = []
        for name, attrs, _ in simple:
            reading = str_reading(self._converters[attrs])
            if reading is None:
                return
            props.append((name, self._names[name], attrs, reading))
        try:
            layout = Layout(raw_type, ref_type, props)
        except UnicodeDecodeError:  # not UTF-8: the objects take the usual way (and fail there)
            return
        if self._packer is not None:
            layout.make = self._packer(layout)
        self._layouts.learn(layout)

    def _mixed_object(self, ref: MoRef, body: bytes, pos: int) -> ObjectProperties:
        """An object with complex values: simple ones scanned, complex ones via ElementTree."""
        props: dict[str, Any] = {}
        for prop in _PROP.finditer(body, pos):
            if prop.start() != pos:
                return object_properties(self._fragment(b"objects", body))
            pos = prop.end()
            name = read_text(prop.group(1))
            if prop.group(2) is not None:
                props[name] = self._value(prop.group(2), prop.group(3))
            else:
                props[name] = self._complex(prop.group(4))
        if pos != len(body):
            return object_properties(self._fragment(b"objects", body))
        return ObjectProperties(ref, props)

    def _complex(self, val: bytes) -> Any:
        """A value with nested elements: parsed by ElementTree as one small fragment."""
        if not val.strip():
            return None
        wrapper = self._fragment(b"wrap", val)
        return value_of(wrapper[0]) if len(wrapper) else None

    def _change(self, body: bytes) -> ObjectChange:
        return self._read_element(self._fast_change, object_change, b"objectSet", body)

    def _fast_change(self, body: bytes) -> ObjectChange:
        kind = _KIND.match(body)
        obj = _OBJ.match(body, kind.end()) if kind else None
        if kind is None or obj is None:
            return object_change(self._fragment(b"objectSet", body))
        props: dict[str, Any] = {}
        removed: list[str] = []
        changes: list[PropertyChange] = []
        pos = obj.end()
        for change in _CHANGE.finditer(body, pos):
            if change.start() != pos:
                return object_change(self._fragment(b"objectSet", body))
            pos = change.end()
            name = read_text(change.group(1))
            op = read_text(change.group(2))
            if change.group(3) is not None:
                value, has_value = self._value(change.group(3), change.group(4)), True
            elif change.group(5).strip():
                if b"<val" not in change.group(5):
                    raise Unusual(change.group(5))
                value, has_value = self._complex(change.group(5)), True
            else:
                value, has_value = None, False
            record_change(name, op, value, has_value, props, removed, changes)
        if pos != len(body):
            return object_change(self._fragment(b"objectSet", body))
        ref = MoRef(read_text(obj.group(1)), read_text(obj.group(2)))
        return ObjectChange(
            ref, read_text(kind.group(1)), props, tuple(removed), changes=tuple(changes)
        )


def _last_end(data: bytes) -> int:
    """Where the last `</objects>` or `</objectSet>` in `data` begins (-1: none)."""
    end = data.rfind(b"</objects>")
    later = data.rfind(b"</objectSet>", end + 1)  # only after it: no scan of all the data
    return later if later >= 0 else end


def _first_end(data: bytes) -> int:
    """Where the first element closed in `data` ends (one is: `_last_end` found one)."""
    end = data.find(b"</objects>")
    other = data.find(b"</objectSet>", 0, len(data) if end < 0 else end)
    return data.index(b">", other if other >= 0 else end) + 1


WINDOW = 64 * 1024
"""Bytes decoded at a time for the in-place reads: a block this small is reused by the
allocator (a 256 KiB read decoded whole is a fresh mapping each time: page faults per VM)."""


def _window(data: bytes, start: int, hi: int) -> tuple[str, int, int]:
    """The text of `data` from `start` to the end of the last `</objects>` within `WINDOW`
    bytes (or `hi`), with where it begins and ends; "" when it is not ASCII (offsets differ)."""
    end = hi
    if hi - start > WINDOW:
        last = data.rfind(b"</objects>", start, start + WINDOW)
        end = last + len(b"</objects>") if last >= 0 else hi
    try:
        text = str(memoryview(data)[start:end], "utf-8")
    except UnicodeDecodeError:
        return "", start, end
    return (text if len(text) == end - start else ""), start, end


def _own_xsi_declaration_removed(attrs: bytes) -> bytes:
    """`attrs` without a declaration of the schema-instance namespace on the element itself,
    when that is the only declaration and the type attribute uses its prefix; any other
    declaration (it could rebind `xsd`, say) is left in, so ElementTree reads that value."""
    if b"xmlns" not in attrs:
        return attrs
    declared = _XSI_DECLARATION.findall(attrs)
    if len(declared) != 1 or attrs.count(b"xmlns") != 1:
        return attrs
    prefix = declared[0][0]
    if any(p != prefix for p in _PREFIXED_TYPE_NAME.findall(attrs)):
        return attrs
    return _XSI_DECLARATION.sub(b"", attrs)


def _declarations(head: bytes) -> bytes:
    """The namespace declarations in scope for the object elements (last one per prefix wins)."""
    found = {name: uri for name, uri in _XMLNS.findall(head)}
    found.setdefault(b"xmlns", b"urn:vim25")
    return b" ".join(name + b'="' + uri + b'"' for name, uri in found.items())
