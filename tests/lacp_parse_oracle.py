"""The LACP text parsers as they were before they were made cheaper, kept as the oracle the
sameness tests compare the console's parsers with (`test_lacp_parsers_same.py`): the old
`clean`, `classify_message`, `parse_int` and `status get` loop, each a regex per line or text.
The builders and output types are the console's own, so an answer's fields compare directly."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from vconsole.esx import lacp, pasted, tables
from vconsole.esx.lacp import ConfigOutput, LagNicCounters, StatsOutput
from vconsole.esx.lacp_status import (
    _INT_FIELDS,
    _PORT_FIELDS,
    LagStatus,
    OutputKind,
    StatusOutput,
    _LagBuilder,
    _NicBuilder,
    parse_guarded,
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
    stripped = text.strip()
    if not stripped:
        return OutputKind.EMPTY, ""
    for pattern, kind in ((_NO_LAG, OutputKind.NO_LAG), (_DISABLED, OutputKind.DISABLED)):
        match = pattern.search(stripped)
        if match:
            line = next(ln for ln in stripped.splitlines() if pattern.search(ln))
            return kind, line.strip()
    if _ERROR.search(stripped):
        return OutputKind.ERROR, stripped.splitlines()[0].strip()[:200]
    return None


def old_parse_int(value: str) -> int | None:
    value = value.strip()
    return int(value) if _INT.fullmatch(value) else None


def old_parse_status(text: str) -> StatusOutput:
    return parse_guarded(_old_parse_status, text, StatusOutput)


def _old_parse_status(text: str) -> StatusOutput:  # noqa: C901  (kept as it was)
    lags: list[LagStatus] = []
    unparsed: list[str] = []
    lag: _LagBuilder | None = None
    nic = _NicBuilder()
    section = ""
    pending_header = ""

    def close_nic() -> None:
        nonlocal nic, section
        if lag is not None and not nic.empty() and (nic.nic or nic.local or nic.partner):
            lag.nics.append(nic.build())
        nic = _NicBuilder()
        section = ""

    def close_lag() -> None:
        nonlocal lag
        close_nic()
        if lag is not None and (lag.lag_id or lag.nics):
            lags.append(LagStatus(lag.dvs, lag.lag_id, lag.mode, tuple(lag.nics)))
        lag = None

    for raw in old_clean(text).text.splitlines():
        line = raw.strip()
        if not line or _LEGEND.match(line):
            continue
        match = _KEY_VALUE.match(line)
        if not match:
            if _NO_LAG.search(line) or _DISABLED.search(line):
                continue
            close_lag()
            pending_header = line
            continue
        key, value = match.group(1).replace(" ", "").lower(), match.group(2).strip()
        if key == "dvswitch":
            close_lag()
            lag = _LagBuilder(dvs=value or pending_header)
            continue
        if lag is None:
            if key == "lagid":
                lag = _LagBuilder(dvs=pending_header)
            else:
                unparsed.append(line)
                continue
        if key == "lagid":
            if lag.lag_id:
                dvs = lag.dvs
                close_lag()
                lag = _LagBuilder(dvs=dvs)
            lag.lag_id = str(old_parse_int(value)) if old_parse_int(value) is not None else value
        elif key == "mode" and not section:
            lag.mode = value
        elif key == "flags" and not section and " - " in value:
            continue
        elif key == "niclist":
            close_nic()
        elif key == "localinformation":
            if nic.local:
                close_nic()
            section = "local"
        elif key == "partnerinformation":
            if nic.partner:
                close_nic()
            section = "partner"
        elif key == "nic":
            if nic.nic:
                close_nic()
            nic.nic = value
        elif key == "state":
            if nic.state:
                close_nic()
            nic.state = value
        elif key in _PORT_FIELDS and section:
            name = _PORT_FIELDS[key]
            target = nic.local if section == "local" else nic.partner
            if name in target:
                close_nic()
                target = nic.local if section == "local" else nic.partner
            if name == "port_state":
                target[name] = tuple(p.strip() for p in value.split(",") if p.strip())
            elif name in _INT_FIELDS:
                target[name] = old_parse_int(value)
            else:
                target[name] = value
        else:
            unparsed.append(line)
    close_lag()
    message = old_classify_message(text)
    nameless = [lag for lag in lags if any(not nic.nic for nic in lag.nics)]
    line = "esxcli network vswitch dvs vmware lacp status get"
    if nameless:
        why = f"a port of LAG {nameless[0].lag_id or '?'} has no 'Nic:' line"
        return StatusOutput(
            OutputKind.UNRECOGNISED,
            message=unrecognised_message(line, text, why),
            unparsed=tuple(unparsed),
            raw=text,
        )
    if lags:
        return StatusOutput(
            OutputKind.OK, tuple(lags), message[1] if message else "", tuple(unparsed)
        )
    if message:
        return StatusOutput(message[0], message=message[1], unparsed=tuple(unparsed))
    why = "no LAG block (no 'DVSwitch:'/'LAGID:' lines)"
    return StatusOutput(
        OutputKind.UNRECOGNISED,
        message=unrecognised_message(line, text, why),
        unparsed=tuple(unparsed),
        raw=text,
    )


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
