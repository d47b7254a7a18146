"""The LACP text parsers as they were before they were made cheaper, kept as the oracle the
sameness tests compare the console's parsers with (`test_lacp_parsers_same.py`): the old
`clean`, `classify_message`, `parse_int` and `status get` loop, each a regex per line or text.
What did not change (the reading's branches per key, the builders, the output types) is the
console's own, so an answer's fields compare directly."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from vconsole.esx import lacp, pasted, tables
from vconsole.esx.lacp import ConfigOutput, LagNicCounters, StatsOutput
from vconsole.esx.lacp_status import (
    _INT_FIELDS,
    OutputKind,
    StatusOutput,
    StatusReading,
    parse_guarded,
    sentence_in,
)
from vconsole.esx.pasted import Pasted, unrecognised_message

_NO_LAG = re.compile(r"no running lacp group|lacp is supported", re.IGNORECASE)
_DISABLED = re.compile(r"lacp is disabled", re.IGNORECASE)
_ERROR = re.compile(r"^\s*(error|usage)\b", re.IGNORECASE | re.MULTILINE)
_INT = re.compile(r"-?\d{1,19}")
_LEGEND = re.compile(r"^[SFAP]\s+-\s+Device is", re.IGNORECASE)
_KEY_VALUE = re.compile(r"^([A-Za-z][A-Za-z ]{0,40}?)\s*:\s?(.*)$")


def old_clean(text: str) -> Pasted:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if (
        "\t" not in text
        and pasted._FLUSH_LINE.search(text) is not None
        and pasted._PROMPT_ANY_LINE.search(text) is None
        and not pasted._COMMAND_WORDS.match(next((line for line in lines if line.strip()), ""))
    ):
        return Pasted("\n".join(line.rstrip() for line in lines).strip("\n"))
    return pasted._clean_lines(lines)


def old_classify_message(text: str) -> tuple[OutputKind, str] | None:
    """Every text searched for each sentence, case-blind."""
    stripped = text.strip()
    return sentence_in(stripped) if stripped else (OutputKind.EMPTY, "")


def old_parse_int(value: str) -> int | None:
    value = value.strip()
    return int(value) if _INT.fullmatch(value) else None


def old_parse_status(text: str) -> StatusOutput:
    return parse_guarded(_old_parse_status, text, StatusOutput)


class _OldReading(StatusReading):
    """The reading's port fields as they were read (a regex per number)."""

    __slots__ = ()

    @staticmethod
    def port_value(name: str, value: str) -> object:
        if name == "port_state":
            return tuple(p.strip() for p in value.split(",") if p.strip())
        return old_parse_int(value) if name in _INT_FIELDS else value


def _old_parse_status(text: str) -> StatusOutput:
    """A regex per line for the legend and for `Key: value`, every key through the one chain
    of branches (the ports' fields last), esxcli's sentences searched for in every text."""
    reading = _OldReading()
    for raw in old_clean(text).text.splitlines():
        line = raw.strip()
        if not line or _LEGEND.match(line):
            continue
        match = _KEY_VALUE.match(line)
        if not match:
            reading.header(line)
            continue
        key, value = match.group(1).replace(" ", "").lower(), match.group(2).strip()
        reading.field(key, value, line)
    return reading.result(text, old_classify_message(text))


@contextlib.contextmanager
def old_helpers() -> Iterator[None]:
    """The table parsers' helpers as they were, for the length of the block."""
    saved = (tables.clean, tables.header_key, lacp.classify_message, lacp.parse_int)
    tables.clean, tables.header_key, lacp.classify_message, lacp.parse_int = (
        old_clean,
        tables.header_key.__wrapped__,  # as it was: worked out at every label
        old_classify_message,
        old_parse_int,
    )
    try:
        yield
    finally:
        tables.clean, tables.header_key, lacp.classify_message, lacp.parse_int = saved


def old_parse_config(text: str) -> ConfigOutput:
    with old_helpers():
        return lacp.parse_config(text)


def old_parse_stats(text: str) -> StatsOutput:
    with old_helpers():
        return parse_guarded(_old_parse_stats, text, StatsOutput)


def _old_parse_stats(text: str) -> StatsOutput:
    table = lacp._table_or_why(
        text,
        StatsOutput,
        lacp.STATS,
        lambda t: "rxlacpdus" in t.headers and "txlacpdus" in t.headers,
        "no table with Rx LACPDUs / Tx LACPDUs columns",
    )
    if not isinstance(table, tables.Table):
        return table
    pick = lacp._pick
    counters = tuple(
        LagNicCounters(
            dvs=pick(row, lacp._DVS_COLUMNS),
            lag_id=lacp._lag_key(pick(row, lacp._LAG_ID_COLUMNS)),
            nic=pick(row, lacp._NIC_COLUMNS),
            rx_lacpdus=old_parse_int(row.get("rxlacpdus", "")),
            tx_lacpdus=old_parse_int(row.get("txlacpdus", "")),
            rx_errors=old_parse_int(row.get("rxerrors", "")),
            tx_errors=old_parse_int(row.get("txerrors", "")),
        )
        for row in table.rows
    )
    columns = ("rxerrors", "rxlacpdus", "txerrors", "txlacpdus")
    for row, counter in zip(table.rows, counters, strict=True):
        bad = [name for name in columns if name in row and old_parse_int(row[name]) is None]
        if bad or not counter.nic:
            what = f"{bad[0]} {row[bad[0]]!r} is not a number" if bad else "a row without a NIC"
            return StatsOutput(
                OutputKind.UNRECOGNISED,
                message=unrecognised_message(lacp.STATS, text, what),
                raw=text,
            )
    return StatsOutput(OutputKind.OK, counters)
