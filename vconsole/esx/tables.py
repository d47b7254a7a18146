"""Tolerant reader for esxcli's default table layout (header row, dash ruler, padded rows).

The dash ruler is the authority: it gives the column count and each column's width (esxcli
pads every column to its widest cell, label included). When the padding survives, cells are cut
at the ruler's column starts, so empty cells and values with spaces keep their place. When a
web page, chat or tab conversion collapsed it, the header words are grouped into the ruler's
columns by width and by the vocabulary of known esxcli labels, and each row's words are grouped
by width; a grouping that is not the only possible one leaves the row unread, and the caller
reports the whole table as unrecognised rather than guessing. `--formatter=csv` output is read too.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass

from vconsole.esx.pasted import clean

_RULER = re.compile(r"^\s*-+(?:[ \t]+-+)*\s*$")
_GAP = re.compile(r"\t+|\s{2,}")


@functools.lru_cache(maxsize=512)  # every host's table has the same few labels
def header_key(label: str) -> str:
    """`Rx LACPDUs`, `RxLACPDUs` and `rx_lacpdus` all become `rxlacpdus`."""
    return _NOT_KEY.sub("", label.lower())


_NOT_KEY = re.compile(r"[^a-z0-9]")


VOCABULARY = frozenset(
    header_key(label)
    for label in (
        # lacp stats get / config get (esxcli-lacp.md; 5.5+ config columns are [R])
        *("DVSwitch", "LAGID", "NIC", "Rx Errors", "Rx LACPDUs", "Tx Errors", "Tx LACPDUs"),
        *("DVS Name", "LAG ID", "NICs", "Enabled", "Mode", "LAG Name", "Timeout"),
        *("Nic Number", "Load Balance"),
        # ip interface ipv4 get, nic list, esxcfg-nics -l (esxcli-network-inventory.md)
        *("Name", "IPv4 Address", "IPv4 Netmask", "IPv4 Broadcast", "Address Type"),
        *("Gateway", "DHCP DNS", "PCI Device", "Driver", "Admin Status", "Link Status"),
        *("Speed", "Duplex", "MAC Address", "MTU", "Description", "PCI", "Link"),
    )
)
"""Column labels esxcli is known to print; used to regroup a header whose padding was lost."""


@dataclass(frozen=True)
class Table:
    """Cells by normalised header name.

    `skipped` holds rows that could not be split into the columns for certain, and `problem`
    says why the header could not be; a table with either is not a complete reading.
    """

    headers: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    skipped: tuple[str, ...] = ()
    problem: str = ""

    @property
    def complete(self) -> bool:
        return not self.problem and not self.skipped

    @property
    def why_incomplete(self) -> str:
        if self.problem:
            return self.problem
        if self.skipped:
            return f"{len(self.skipped)} row(s) do not split into the columns: {self.skipped[0]!r}"
        return ""


def read_table(text: str, free_last: bool = False) -> Table | None:
    """The first table in `text`, or None when there is no header/ruler pair or CSV header.

    `free_last`: the last column holds free text longer than its ruler (`nic list`'s
    Description), so its words are never split into columns of their own.
    """
    lines = clean(text).text.split("\n")
    for index, line in enumerate(lines):
        if index > 0 and _RULER.match(line) and lines[index - 1].strip():
            return _read_ruled(lines[index - 1], line, lines[index + 1 :], free_last)
    return _read_csv(lines)


def _read_ruled(header: str, ruler: str, body: list[str], free_last: bool) -> Table:
    tabs = "\t" in ruler or "\t" in header
    runs = list(re.finditer(r"-+", ruler))
    starts = [m.start() for m in runs]
    widths = [m.end() - m.start() for m in runs]
    aligned = (
        not tabs
        and all(b.start() - a.end() >= 2 for a, b in zip(runs, runs[1:], strict=False))
        and all(
            start < len(header)
            and header[start] != " "
            and (start == 0 or header[start - 1] == " ")
            for start in starts
        )
    )
    labels = _slice(header, starts) if aligned else None
    if labels is None:
        labels = _regroup_header(header, widths)
    if labels is None:
        return Table(
            (), (), problem=f"header {header.strip()!r} does not split into {len(starts)} columns"
        )
    keys = tuple(header_key(label) for label in labels)
    rows: list[dict[str, str]] = []
    skipped: list[str] = []
    for line in body:
        if not line.strip() or _RULER.match(line):
            continue
        padded = "\t" not in line and (len(starts) == 1 or "  " in line.strip())
        cells = _slice(line, starts) if aligned and padded else None
        if cells is None:
            cells = _regroup_row(line, widths, free_last)
        if cells is None:
            skipped.append(line)
            continue
        rows.append(dict(zip(keys, cells, strict=True)))
    return Table(keys, tuple(rows), tuple(skipped))


def _regroup_header(header: str, widths: list[int]) -> list[str] | None:
    parts = _GAP.split(header.strip())
    if len(parts) == len(widths):
        return parts
    options = _groupings(header.split(), widths, bounded_last=True)
    if not options:
        return None
    scored = [(sum(header_key(label) in VOCABULARY for label in o), o) for o in options]
    best = max(score for score, _ in scored)
    winners = [o for score, o in scored if score == best]
    return winners[0] if len(winners) == 1 else None


def _regroup_row(line: str, widths: list[int], free_last: bool) -> list[str] | None:
    parts = _GAP.split(line.strip())
    if len(parts) == len(widths) and _fits(parts, widths, free_last):
        return parts
    options = _groupings(line.split(), widths, bounded_last=not free_last)
    return options[0] if len(options) == 1 else None


def _fits(cells: list[str], widths: list[int], free_last: bool) -> bool:
    bounded = widths[:-1] if free_last else widths
    return all(len(cell) <= width for cell, width in zip(cells, bounded, strict=False))


def _groupings(
    words: list[str], widths: list[int], bounded_last: bool, limit: int = 64
) -> list[list[str]]:
    """Every way to put `words`, in order, into len(widths) non-empty cells no wider than their
    column (stops after `limit`: that many readings is as good as none)."""
    out: list[list[str]] = []
    columns = len(widths)

    def walk(i: int, col: int, acc: list[str]) -> None:
        if len(out) > limit:
            return
        if col == columns - 1:
            cell = " ".join(words[i:])
            if i < len(words) and (not bounded_last or len(cell) <= widths[col]):
                out.append([*acc, cell])
            return
        for j in range(i + 1, len(words) - (columns - col - 1) + 1):
            cell = " ".join(words[i:j])
            if len(cell) > widths[col]:
                break
            walk(j, col + 1, [*acc, cell])

    walk(0, 0, [])
    return out


def _slice(line: str, starts: list[int]) -> list[str] | None:
    """Cells cut at the column starts; None when a value straddles a column boundary."""
    if line[: starts[0]].strip():
        return None
    for start in starts[1:]:
        if start < len(line) and line[start - 1] != " " and line[start] != " ":
            return None
    cells = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(line)
        cells.append(line[start:end].strip())
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
