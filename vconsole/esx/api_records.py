"""Reading esxcli's structured answers (over the vSphere API, or replayed from a capture).

Field names are esxcli's internal names (`NetstackInstance`, `RxLACPDUs`), the same as its XML
formatter prints; they are matched after dropping case and punctuation, the way the text parsers
match column headers, so `LAGID`, `LagId` and `lag_id` are one field. A list with one element
arrives from the wire as a bare value, so every list read accepts either.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_INT = re.compile(r"-?\d{1,19}")


@functools.lru_cache(maxsize=4096)
def norm(name: str) -> str:
    """A field name reduced to lower-case letters and digits; cached: an answer's records share
    a few dozen names, looked up on every read (an MTU matrix maps hundreds of pings)."""
    return _NOT_ALNUM.sub("", name.lower())


@dataclass(frozen=True)
class Record:
    """One structure of an answer, with tolerant typed reads."""

    fields: dict[str, Any]

    @classmethod
    def of(cls, value: Any) -> Record:
        if isinstance(value, Record):
            return value
        if not isinstance(value, dict):
            return cls({})
        return cls({norm(str(k)): v for k, v in value.items() if not str(k).startswith("_")})

    def get(self, *names: str) -> Any:
        for name in names:
            key = norm(name)
            if key in self.fields:
                return self.fields[key]
        return None

    def has(self, *names: str) -> bool:
        return any(norm(n) in self.fields for n in names)

    def text(self, *names: str) -> str:
        value = self.get(*names)
        if value is None or isinstance(value, (dict, list)):
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value).strip()

    def number(self, *names: str) -> int | None:
        value = self.get(*names)
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = self.text(*names)
        return int(text) if _INT.fullmatch(text) else None

    def flag(self, *names: str) -> bool | None:
        value = self.get(*names)
        if isinstance(value, bool):
            return value
        text = self.text(*names).lower()
        return {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(
            text
        )

    def words(self, *names: str) -> tuple[str, ...]:
        """A list of strings: repeated elements, or one comma-separated string (`a,b,`)."""
        return tuple(w for item in as_list(self.get(*names)) for w in _split(item))

    def records(self, *names: str) -> tuple[Record, ...]:
        return tuple(Record.of(v) for v in as_list(self.get(*names)) if isinstance(v, dict))

    def child(self, *names: str) -> Record:
        value = self.get(*names)
        if isinstance(value, list):
            value = value[0] if value else None
        return Record.of(value)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return list(value)
    return [value]


def _split(item: Any) -> Iterable[str]:
    if isinstance(item, (dict, list)) or item is None:
        return ()
    return (part.strip() for part in str(item).split(",") if part.strip())


def records_of(values: Iterable[Any]) -> tuple[Record, ...]:
    return tuple(Record.of(v) for v in values)


def na(text: str) -> str:
    """esxcli prints `N/A` or `-` for a field with no value; the text parsers read it as ""."""
    return "" if text in ("N/A", "-") else text
