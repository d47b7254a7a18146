"""`esxcli network vswitch dvs vmware lacp status|stats|config get`: command lines and parsers.

Formats (see the LACP reference): the 5.1-era `status get` block (parsed in `lacp_status`) and
the 5.1-era `config get` and `stats get` tables are verbatim samples and are parsed exactly.
The 5.5+ `config get` columns are unknown, so table columns are matched by header name, and
unknown columns are ignored. Every parser returns a result with a `kind`; text it cannot read
gives `unrecognised`, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from vconsole.esx.lacp_status import (
    LacpAnswer,
    LacpPortInfo,
    LagNicStatus,
    LagStatus,
    OutputKind,
    StatusOutput,
    classify_message,
    parse_guarded,
    parse_int,
    parse_status,
)
from vconsole.esx.pasted import unrecognised_message
from vconsole.esx.tables import Table, read_table
from vconsole.tokens import Command, dvs_name, lag_id, vmnic_name

_Output = TypeVar("_Output")

BASE = ("esxcli", "network", "vswitch", "dvs", "vmware", "lacp")


def status_command(dvs: str | None = None) -> Command:
    """Per-NIC bundle state, flags and partner of every LAG on the host (or one switch)."""
    return Command.of(*BASE, "status", "get", *_dvs_filter(dvs))


def stats_command(dvs: str | None = None) -> Command:
    """LACPDU counters per LAG x NIC."""
    return Command.of(*BASE, "stats", "get", *_dvs_filter(dvs))


def config_command(dvs: str | None = None) -> Command:
    """The host's view of LAG configuration (ids, NICs, mode)."""
    return Command.of(*BASE, "config", "get", *_dvs_filter(dvs))


def timeout_set_command(dvs: str, lag: int | str, timeout: str, nic: str | None = None) -> Command:
    """`lacp timeout set`: the only way to change the timeout on a DVS <= 7.0.0 (KB 376191)."""
    if timeout not in TIMEOUT_VALUES:
        from vconsole.errors import InvalidToken

        raise InvalidToken("timeout", timeout, "fast or slow")
    words = [*BASE, "timeout", "set", "-l", lag_id(lag), "-t", TIMEOUT_VALUES[timeout]]
    words += ["-s", dvs_name(dvs)]
    if nic is not None:
        words += ["-n", vmnic_name(nic)]
    return Command.of(*words, mutating=True)


TIMEOUT_VALUES = {"fast": "1", "slow": "0"}


def _dvs_filter(dvs: str | None) -> tuple[str, ...]:
    return ("-s", dvs_name(dvs)) if dvs else ()


READ_COMMANDS = (status_command(), stats_command(), config_command())
"""The read-only command lines the LACP pane runs on every host (also captured)."""

__all__ = [
    "READ_COMMANDS",
    "ConfigOutput",
    "HostLagConfig",
    "LacpPortInfo",
    "LagNicCounters",
    "LagNicStatus",
    "LagStatus",
    "OutputKind",
    "StatsOutput",
    "StatusOutput",
    "config_command",
    "parse_config",
    "parse_stats",
    "parse_status",
    "stats_command",
    "status_command",
    "timeout_set_command",
]


@dataclass(frozen=True, slots=True)
class LagNicCounters:
    dvs: str
    lag_id: str
    nic: str
    rx_lacpdus: int | None
    tx_lacpdus: int | None
    rx_errors: int | None
    tx_errors: int | None


class StatsOutput(LacpAnswer[LagNicCounters]):
    @property
    def counters(self) -> tuple[LagNicCounters, ...]:
        return self.items


_DVS_COLUMNS = ("dvswitch", "dvsname", "dvs", "switch", "vds", "vdsname")
_LAG_ID_COLUMNS = ("lagid", "lagkey", "id")
_NIC_COLUMNS = ("nic", "nicname", "vmnic", "uplink")


def _pick(row: dict[str, str], names: tuple[str, ...]) -> str:
    return next((row[n] for n in names if n in row), "")


def parse_stats(text: str) -> StatsOutput:
    """Parse `lacp stats get` (columns found by header name)."""
    return parse_guarded(_parse_stats, text, StatsOutput)


def _table_or_why(
    text: str,
    output: Callable[..., _Output],
    line: str,
    has_columns: Callable[[Table], bool],
    missing: str,
) -> Table | _Output:
    """The whole table of a `stats`/`config get` answer, or the `output` saying why there is
    none: esxcli's own sentence, no table with the columns, or lines outside the table."""
    table = read_table(text)
    if table is None or not has_columns(table):
        message = classify_message(text)
        if message:
            return output(message[0], message=message[1])
        return output(
            OutputKind.UNRECOGNISED, message=unrecognised_message(line, text, missing), raw=text
        )
    if not table.complete:
        return output(
            OutputKind.UNRECOGNISED,
            message=unrecognised_message(line, text, table.why_incomplete),
            unparsed=table.skipped,
            raw=text,
        )
    return table


def _parse_stats(text: str) -> StatsOutput:
    table = _table_or_why(
        text,
        StatsOutput,
        STATS,
        lambda t: "rxlacpdus" in t.headers and "txlacpdus" in t.headers,
        "no table with Rx LACPDUs / Tx LACPDUs columns",
    )
    if not isinstance(table, Table):
        return table
    counters = tuple(
        LagNicCounters(
            dvs=_pick(row, _DVS_COLUMNS),
            lag_id=_lag_key(_pick(row, _LAG_ID_COLUMNS)),
            nic=_pick(row, _NIC_COLUMNS),
            rx_lacpdus=parse_int(row.get("rxlacpdus", "")),
            tx_lacpdus=parse_int(row.get("txlacpdus", "")),
            rx_errors=parse_int(row.get("rxerrors", "")),
            tx_errors=parse_int(row.get("txerrors", "")),
        )
        for row in table.rows
    )
    for row, counter in zip(table.rows, counters, strict=True):
        bad = [
            name
            for name, attribute in _COUNTER_COLUMNS.items()
            if name in row and getattr(counter, attribute) is None
        ]
        if bad or not counter.nic:
            what = f"{bad[0]} {row[bad[0]]!r} is not a number" if bad else "a row without a NIC"
            return StatsOutput(
                OutputKind.UNRECOGNISED,
                message=unrecognised_message(STATS, text, what),
                raw=text,
            )
    return StatsOutput(OutputKind.OK, counters)


STATS = stats_command().line
CONFIG = config_command().line
_COUNTER_COLUMNS = {
    "rxerrors": "rx_errors",
    "rxlacpdus": "rx_lacpdus",
    "txerrors": "tx_errors",
    "txlacpdus": "tx_lacpdus",
}  # column -> field; a column present whose field is None did not read as a number


def _lag_key(value: str) -> str:
    number = parse_int(value)
    return str(number) if number is not None else value


# ---------------------------------------------------------------- config get


@dataclass(frozen=True, slots=True)
class HostLagConfig:
    """One row of `lacp config get`: the LAG as this host has it configured."""

    dvs: str
    lag_id: str
    lag_name: str = ""
    nics: tuple[str, ...] = ()
    enabled: bool | None = None
    mode: str = ""
    timeout: str = ""
    load_balance: str = ""
    nic_count: int | None = None


class ConfigOutput(LacpAnswer[HostLagConfig]):
    @property
    def lags(self) -> tuple[HostLagConfig, ...]:
        return self.items


def parse_config(text: str) -> ConfigOutput:
    """Parse `lacp config get` (5.1 table verbatim; later columns matched by header name)."""
    return parse_guarded(_parse_config, text, ConfigOutput)


def _parse_config(text: str) -> ConfigOutput:
    table = _table_or_why(
        text,
        ConfigOutput,
        CONFIG,
        lambda t: any(h in t.headers for h in _LAG_ID_COLUMNS + ("lagname",)),
        "no table with a LAG ID column",
    )
    if not isinstance(table, Table):
        return table
    lags = tuple(_config_row(row) for row in table.rows)
    for row, lag in zip(table.rows, lags, strict=True):
        enabled = row.get("enabled")
        if parse_int(lag.lag_id) is None or (enabled is not None and lag.enabled is None):
            what = f"LAG ID {lag.lag_id!r}" if parse_int(lag.lag_id) is None else "Enabled"
            return ConfigOutput(
                OutputKind.UNRECOGNISED,
                message=unrecognised_message(CONFIG, text, f"{what} is not what esxcli prints"),
                raw=text,
            )
    message = classify_message(text)
    return ConfigOutput(OutputKind.OK, lags, message[1] if message else "")


def _config_row(row: dict[str, str]) -> HostLagConfig:
    enabled_text = row.get("enabled", "").lower()
    nics = tuple(n.strip() for n in re.split(r"[,\s]+", _pick(row, ("nics", "niclist", "nic"))))
    return HostLagConfig(
        dvs=_pick(row, _DVS_COLUMNS),
        lag_id=_lag_key(_pick(row, _LAG_ID_COLUMNS)),
        lag_name=row.get("lagname", ""),
        nics=tuple(n for n in nics if n),
        enabled={"true": True, "false": False}.get(enabled_text),
        mode=row.get("mode", ""),
        timeout=_pick(row, ("timeout", "timeoutmode", "lacptimeout")),
        load_balance=_pick(row, ("loadbalance", "loadbalancing", "loadbalancealgorithm")),
        nic_count=parse_int(_pick(row, ("nicnumber", "numberofnics", "niccount", "uplinknum"))),
    )
