"""Reading esxcli's default text output: `Key: value` blocks under header lines, and errors.

Shared by the storage parsers. Indentation is not relied on (scraped samples lose it); prompts,
CRLF and a header line ending in `:` are undone first, so what admins paste reads the same.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from vconsole.esx.pasted import clean


class OutputKind(str, enum.Enum):
    """What a command's output turned out to be."""

    OK = "ok"
    EMPTY = "empty"  # nothing printed: e.g. a host without NMP devices
    ERROR = "error"  # esxcli printed an error instead of data
    UNRECOGNISED = "unrecognised"


_Item = TypeVar("_Item")


@dataclass(frozen=True)
class Listing(Generic[_Item]):
    """A parsed `... list` answer: what it turned out to be, its items in esxcli's order,
    esxcli's own message when it printed one, and the text kept when it could not be read.
    Each answer names its items (`devices`, `paths`, ...) in a subclass."""

    kind: OutputKind
    items: tuple[_Item, ...] = ()
    message: str = ""
    raw: str = ""


_KEY = re.compile(r"[A-Za-z][A-Za-z0-9 /()_.\-]{0,80}")
_ERROR = re.compile(r"^\s*(error|usage)\b", re.IGNORECASE)
_HEADER_ID = re.compile(r"[^\s:]*[.\d][^\s]*")
"""A device or path UID (`naa.6000...`, `fc.2000...:2100...-naa...`): a header even with a `:`."""


@dataclass(frozen=True)
class Block:
    """One item of an esxcli structure list: the header line and its `Key: value` fields."""

    header: str
    fields: dict[str, str]

    def get(self, key: str) -> str:
        return self.fields.get(key, "").strip()


def read_blocks(text: str) -> list[Block]:
    """Split esxcli list output into blocks; a line that is not `Key: value` starts a block.

    Indentation is not relied on (scraped samples lose it); a key seen twice without a header
    between also starts a block. Pasted prompt lines (`[root@host:~] esxcli ...`, `~ # ...`)
    are skipped, and `naa.600a0980383044:` is a header, not an empty field.
    """
    blocks: list[Block] = []
    header = ""
    fields: dict[str, str] = {}
    started = False
    for raw in clean(text).text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        cut = line.find(": ")
        key = None
        if cut >= 0:
            key = _key(line[:cut])
        elif line[-1] == ":" and not _HEADER_ID.fullmatch(line[:-1]):
            key = _key(line[:-1])
        if key is not None:
            if key in fields:
                blocks.append(Block(header, fields))
                header, fields = "", {}
            fields[key] = line[cut + 2 :].strip() if cut >= 0 else ""
            started = True
            continue
        if started:
            blocks.append(Block(header, fields))
        header, fields, started = line.rstrip(":"), {}, True
    if started:
        blocks.append(Block(header, fields))
    return blocks


@functools.lru_cache(maxsize=1024)
def _key(text: str) -> str | None:
    """A field name (`Device Display Name`) with spaces normalised, or None for a header text
    such as a path UID or device id (a few dozen names repeat, hence the cache)."""
    if not _KEY.fullmatch(text):
        return None
    return " ".join(text.split())


def classify(text: str) -> tuple[OutputKind, str] | None:
    stripped = text.strip()
    if not stripped:
        return OutputKind.EMPTY, ""
    first = stripped.splitlines()[0].strip()
    if _ERROR.match(first) or first.lower().startswith(("unknown ", "unable to ", "invalid ")):
        return OutputKind.ERROR, first[:200]
    return None


def first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0].strip()[:200] if stripped else ""


def to_int(value: str) -> int | None:
    match = re.fullmatch(r"\s*(-?\d{1,12})(?:\s+\w+)?\s*", value)
    return int(match.group(1)) if match else None


def to_bool(value: str) -> bool | None:
    low = value.strip().lower()
    if low in ("true", "1", "yes", "on"):
        return True
    if low in ("false", "0", "no", "off"):
        return False
    return None
