"""Tolerant reader for esxcli's default table layout (header row, dashes row, padded rows).

The dashes row gives each column's start, so empty cells and values with spaces survive
(the 5.1-era `lacp config get` sample has an empty NICs cell). esxcli separates columns by two
spaces; text pasted from a web page often keeps one, and then a row is split into words and
kept only when it has one word per column. `--formatter=csv` output (header of internal names, trailing comma) is read too.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

_DASHES = re.compile(r"^\s*-+(\s+-+)*\s*$")


@dataclass(frozen=True)
class Table:
    """Cells by normalised header name; `skipped` holds rows that did not fit the columns."""

    headers: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    skipped: tuple[str, ...] = ()


def header_key(label: str) -> str:
    """`Rx LACPDUs`, `RxLACPDUs` and `rx_lacpdus` all become `rxlacpdus`."""
    return re.sub(r"[^a-z0-9]", "", label.lower())


def read_table(text: str) -> Table | None:
    """The first table in `text`, or None when there is no header/dashes pair or CSV header."""
    lines = text.expandtabs(8).splitlines()
    for index, line in enumerate(lines):
        if index > 0 and _DASHES.match(line) and lines[index - 1].strip():
            return _read_padded(lines[index - 1], line, lines[index + 1 :])
    return _read_csv(lines)


def _read_padded(header: str, dashes: str, body: list[str]) -> Table:
    runs = list(re.finditer(r"-+", dashes))
    starts = [m.start() for m in runs]
    gaps_kept = all(b.start() - a.end() >= 2 for a, b in zip(runs, runs[1:], strict=False))
    aligned = gaps_kept and all(
        start < len(header) and header[start] != " " and (start == 0 or header[start - 1] == " ")
        for start in starts
    )
    labels = _slice(header, starts) if aligned else None
    if labels is None:
        labels = re.split(r"\s{2,}", header.strip())
        if len(labels) != len(starts):
            labels = _join_label_words(header.split(), len(starts))
    keys = tuple(header_key(label) for label in labels)
    rows: list[dict[str, str]] = []
    skipped: list[str] = []
    for line in body:
        if not line.strip() or _DASHES.match(line):
            continue
        cells = _slice(line, starts) if aligned else None
        if cells is None or len(cells) != len(keys):
            words = line.split()
            cells = words if len(words) == len(keys) else None
        if cells is None:
            skipped.append(line)
            continue
        rows.append(dict(zip(keys, cells, strict=True)))
    return Table(keys, tuple(rows), tuple(skipped))


_FIRST_WORDS = {"rx", "tx", "dvs", "lag", "nic", "load", "port", "admin", "oper", "mac", "pci"}
"""First words of two-word column labels (`Rx LACPDUs`, `LAG ID`), to re-join squeezed headers."""


def _join_label_words(words: list[str], columns: int) -> list[str]:
    """Rebuild labels from a header whose padding was lost: join `Rx` + `LACPDUs` and the like."""
    labels = list(words)
    index = 0
    while len(labels) > columns and index < len(labels) - 1:
        if labels[index].lower() in _FIRST_WORDS:
            labels[index : index + 2] = [f"{labels[index]} {labels[index + 1]}"]
        index += 1
    return labels


def _slice(line: str, starts: list[int]) -> list[str] | None:
    """Cells cut at the column starts; None when a value straddles a column boundary."""
    for start in starts[1:]:
        if start < len(line) and line[start - 1] != " " and line[start] != " ":
            return None
    cells = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(line)
        cells.append(line[start:end].strip())
    if line[: starts[0]].strip():
        return None
    return cells


def _read_csv(lines: list[str]) -> Table | None:
    content = [line for line in lines if line.strip()]
    if len(content) < 1 or "," not in content[0]:
        return None
    parsed = list(csv.reader(io.StringIO("\n".join(content))))
    header = parsed[0]
    if header and header[-1] == "":
        header = header[:-1]
    keys = tuple(header_key(label) for label in header)
    if not keys or any(not key or not key.isalnum() for key in keys):
        return None
    rows: list[dict[str, str]] = []
    skipped: list[str] = []
    for cells in parsed[1:]:
        if cells and cells[-1] == "" and len(cells) == len(keys) + 1:
            cells = cells[:-1]
        if len(cells) != len(keys):
            skipped.append(",".join(cells))
            continue
        rows.append(dict(zip(keys, (c.strip() for c in cells), strict=True)))
    return Table(keys, tuple(rows), tuple(skipped))
