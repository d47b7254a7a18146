"""Filtering and export of inventory rows, shared by the pane and `vconsole inventory`.

The filter follows the console's `/` grammar (regex, case-insensitive, a leading `!` keeps the
rows that do not match) and looks at every column's text as the table shows it. A row's text is
its cells joined by newlines and searched with MULTILINE, so `^`/`$` anchor at cell edges.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vconsole.models.inventory import COLUMNS, InventoryRow, ObjectKind

if TYPE_CHECKING:
    from vconsole.untyped import Json


class FilterError(ValueError):
    """The filter text is not a usable regular expression; the message says why."""


@dataclass(frozen=True)
class RowMatcher:
    """A compiled filter; `keeps(text)` takes a row's joined cell text (see `row_text`)."""

    pattern: re.Pattern[str] | None
    negate: bool = False
    text: str = ""

    def keeps(self, text: str) -> bool:
        if self.pattern is None:
            return True
        return (self.pattern.search(text) is not None) != self.negate


MATCH_ALL = RowMatcher(None)


def filter_regex(text: str, flags: int = re.IGNORECASE) -> tuple[re.Pattern[str] | None, bool]:
    """The `/` grammar, read the same for every filter of the console: (pattern, negate), no
    pattern for empty text or a bare `!`; FilterError names the regex and what is wrong."""
    negate = text.startswith("!")
    body = text[1:] if negate else text
    if not body:
        return None, negate
    try:
        with warnings.catch_warnings():  # "possible nested set" is not the admin's concern
            warnings.simplefilter("ignore")
            return re.compile(body, flags), negate
    except re.error as exc:
        raise FilterError(f"filter: invalid regex {body!r}: {exc}") from None
    except (RecursionError, OverflowError):
        raise FilterError("filter: the regex is nested or repeated too deeply") from None


def compile_filter(text: str) -> RowMatcher:
    """`regex` keeps matching rows, `!regex` the others; empty (or a bare `!`) keeps all."""
    pattern, negate = filter_regex(text, re.IGNORECASE | re.MULTILINE)
    return MATCH_ALL if pattern is None else RowMatcher(pattern, negate, text)


def cell_text(value: object) -> str:
    """How a value reads in the table, the filter and the CSV."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def row_cells(row: InventoryRow) -> list[str]:
    return [cell_text(v) for v in row.values()]


def row_text(row: InventoryRow) -> str:
    """All cells of a row, one per line, plus its access marker (for the filter)."""
    text = "\n".join(row_cells(row))
    return f"{text}\n{row.access}" if row.denied else text


def filter_rows(rows: Iterable[InventoryRow], matcher: RowMatcher) -> list[InventoryRow]:
    if matcher.pattern is None:
        return list(rows)
    return [row for row in rows if matcher.keeps(row_text(row))]


def sort_rows(
    rows: Sequence[InventoryRow], column: str, reverse: bool = False
) -> list[InventoryRow]:
    """Numbers numerically (empty last), text case-insensitively."""

    def key(row: InventoryRow) -> tuple[int, float | str]:
        value = getattr(row, column, None)
        if value is None or value == "":
            return (2, "")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (0, value)
        return (1, cell_text(value).lower())

    return sorted(rows, key=key, reverse=reverse)


def export_columns(kind: ObjectKind) -> list[str]:
    """CSV/JSON keys: identity first, then the type's columns (no duplicates)."""
    keys = ["vcenter", "type", "name", "moid", "parent", "parent_moid", "datacenter"]
    for column in COLUMNS[kind]:
        if column.key not in keys:
            keys.append(column.key)
    return keys


def as_records(
    rows: Iterable[InventoryRow], stale: set[str] | None = None
) -> list[dict[str, Json]]:
    """JSON-ready dicts: every field, `denied` paths, and `stale` when its vCenter dropped."""
    out = []
    for row in rows:
        record = row.as_json()
        record["stale"] = row.vcenter in (stale or set())
        out.append(record)
    return out


def to_json(rows: Iterable[InventoryRow], stale: set[str] | None = None) -> str:
    return json.dumps(as_records(rows, stale), indent=2, default=str)


def to_csv(rows: Sequence[InventoryRow], kind: ObjectKind, stale: set[str] | None = None) -> str:
    """One header line with the JSON keys, one line per row (as the table shows values)."""
    keys = export_columns(kind) + ["denied", "stale"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(keys)
    for record in as_records(rows, stale):
        record["type"] = kind.value
        record["denied"] = ";".join(record.get("denied", []))
        writer.writerow([cell_text(record.get(k)) for k in keys])
    return buffer.getvalue()
