"""Text layouts esxcli uses by default: column tables and indented key/value blocks.

Layout rules come from the [V] samples in the reference (ip interface ipv4 get, nic list, lacp
stats get, dvs vmware list): two spaces between columns, a dashes row, numbers and booleans
right-aligned, strings left-aligned, and the last column sized by its header only (nic list
shows `-----------` under a longer Description). `key: value` lines keep the trailing space an
empty value leaves (dvs list `Uplinks: `).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Cell = str | int | bool

FIELD_INDENT = "   "
NESTED_INDENT = " " * 9
NESTED_SEPARATOR = " " * 6


@dataclass(frozen=True)
class Reply:
    """What one command line answers: its two streams and its exit status."""

    stdout: str = ""
    stderr: str = ""
    exit: int = 0


def cell_text(value: Cell) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """An esxcli table; an empty result prints nothing ([R]: no sample of an empty table)."""
    if not rows:
        return ""
    right = [all(isinstance(r[i], (int, bool)) for r in rows) for i in range(len(headers))]
    texts = [[cell_text(c) for c in r] for r in rows]
    last = len(headers) - 1
    widths = [
        len(h) if i == last else max(len(h), *(len(t[i]) for t in texts))
        for i, h in enumerate(headers)
    ]

    def line(cells: Sequence[str], rjust: Sequence[bool]) -> str:
        parts = [
            c.rjust(widths[i]) if rjust[i] else (c if i == last else c.ljust(widths[i]))
            for i, c in enumerate(cells)
        ]
        return "  ".join(parts)

    out = [line(list(headers), right), "  ".join("-" * w for w in widths)]
    out.extend(line(t, right) for t in texts)
    return "\n".join(out) + "\n"


def field_lines(fields: Sequence[tuple[str, Cell]], indent: str = FIELD_INDENT) -> list[str]:
    return [f"{indent}{k}: {cell_text(v)}" for k, v in fields]


def blocks(items: Sequence[tuple[str, Sequence[tuple[str, Cell]]]]) -> str:
    """A list of structures: the key at column 0, fields indented 3, blank line between."""
    parts = []
    for header, fields in items:
        parts.append("\n".join([header, *field_lines(fields)]))
    return "\n\n".join(parts) + "\n" if parts else ""


def nested_list(items: Sequence[Sequence[tuple[str, Cell]]]) -> list[str]:
    """Items of a nested list: fields indented 9, items split by a line of 6 spaces ([V] DVPort)."""
    out: list[str] = []
    for i, fields in enumerate(items):
        if i:
            out.append(NESTED_SEPARATOR)
        out.extend(field_lines(fields, NESTED_INDENT))
    return out
