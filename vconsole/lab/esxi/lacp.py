"""`esxcli network vswitch dvs vmware lacp config get | status get | stats get | timeout set`.

Sources (esxcli-lacp.md): `stats get` columns are [V] (VDNet 5.1 sample); `status get` keys
and order are [V] (VDNet), its 5.5+ layout [R] (§2b) — followed here with one deviation: NICs
are separated by esxcli's 6-space line as in the [V] DVPort list, and empty structure labels
keep their trailing space (`Nic List: `) as [V] `DVPort: ` does. `config get` uses the [R]
5.5+ columns (§4) without the unknown trailing ones. A silent partner shows KB 439174's zeros
(Device ID 00:00:00:00:00:00, Oper Key 0, Port Number 0), `State: Stand-alone`, empty partner
Flags/Port State [R], local Port State `ACT,AGG,DEF,` [R: DEF by analogy] and Rx LACPDUs 0
while Tx keeps counting. Errors of `timeout set` are [R] wording.
"""

from __future__ import annotations

from collections.abc import Sequence

from vconsole.lab.esxi.options import EsxcliError, Opt, int_option, parse_options
from vconsole.lab.esxi.output import Cell, Reply, field_lines, table
from vconsole.lab.esxi.state import HostState, lacp_interval
from vconsole.lab.scenario import Lag

FLAGS_LEGEND = (
    "S - Device is sending Slow LACPDUs, F - Device is sending fast LACPDUs, "
    "A - Device is in active mode, P - Device is in passive mode"
)
NO_LAG = "No running LACP group on the host\n"
_ZERO_MAC = "00:00:00:00:00:00"
_DVS_OPT = Opt("dvs", "s")


def _lags(state: HostState, args: Sequence[str]) -> list[Lag]:
    opts = parse_options(args, (_DVS_OPT,))
    return [g for g in state.host.lags if opts.get("dvs", g.dvs) == g.dvs]


def _mode_letter(mode: str) -> str:
    return "P" if mode.lower() == "passive" else "A"


def _speed_letter(timeout: str) -> str:
    return "F" if timeout == "fast" else "S"


def _port_state(active: bool, fast: bool, bundled: bool) -> str:
    bits = (["ACT"] if active else []) + (["FTO"] if fast else []) + ["AGG"]
    bits += ["SYN", "COL", "DIST"] if bundled else ["DEF"]
    return ",".join(bits) + ","


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


CONFIG_HEADERS = (
    "DVS Name", "LAG Name", "LAG ID", "NICs", "Timeout", "Mode", "Nic Number", "Load Balance",
)  # fmt: skip
STATS_HEADERS = ("DVSwitch", "LAGID", "NIC", "Rx Errors", "Rx LACPDUs", "Tx Errors", "Tx LACPDUs")


def config_rows(state: HostState, args: Sequence[str]) -> list[list[Cell | list[str]]]:
    """One row per LAG under CONFIG_HEADERS; NICs stay a list (the API keeps it one)."""
    rows: list[list[Cell | list[str]]] = []
    for g in _lags(state, args):
        timeout = state.lacp_timeout.get((g.lag_id, g.nics[0]), g.timeout) if g.nics else g.timeout
        rows.append(
            [
                g.dvs,
                g.name,
                g.lag_id,
                list(g.nics),
                timeout.capitalize(),
                g.mode.capitalize(),
                len(g.nics),
                g.load_balancing,
            ]
        )
    return rows


def config_get(state: HostState, args: Sequence[str]) -> Reply:
    rows = [
        [",".join(c) if isinstance(c, list) else c for c in r] for r in config_rows(state, args)
    ]
    return Reply(table(CONFIG_HEADERS, rows))


Fields = list[tuple[str, Cell]]


def nic_status(state: HostState, lag: Lag, idx: int, nic: str) -> tuple[Fields, Fields, str]:
    """(local information, partner information, state) of one LAG member port."""
    local_timeout = state.lacp_timeout.get((lag.lag_id, nic), lag.timeout)
    silent = nic in lag.partner_silent
    active = _mode_letter(lag.mode) == "A"
    key = 12 + lag.lag_id
    local: Fields = [
        ("Admin Key", key),
        ("Flags", _speed_letter(local_timeout) + _mode_letter(lag.mode)),
        ("Oper Key", key),
        ("Port Number", 32768 + idx),
        ("Port Priority", 255),
        ("Port State", _port_state(active, local_timeout == "fast", not silent)),
    ]
    if silent:
        partner: Fields = [
            ("Age", "00:00:00"),
            ("Device ID", _ZERO_MAC),
            ("Flags", ""),
            ("Oper Key", 0),
            ("Port Number", 0),
            ("Port Priority", 0),
            ("Port State", ""),
        ]
    else:
        age = state.uptime() % lacp_interval(lag.partner_timeout)
        partner = [
            ("Age", _hms(age)),
            ("Device ID", lag.partner_system),
            ("Flags", _speed_letter(lag.partner_timeout) + "A"),
            ("Oper Key", lag.partner_key),
            ("Port Number", 282 + idx),
            ("Port Priority", 32768),
            ("Port State", _port_state(True, lag.partner_timeout == "fast", True)),
        ]
    return local, partner, "Stand-alone" if silent else "Bundled"


def lag_status(g: Lag) -> Fields:
    """The LAG-level fields of `status get` (before its Nic List)."""
    return [
        ("DVSwitch", g.dvs),
        ("Flags", FLAGS_LEGEND),
        ("LAGID", g.lag_id),
        ("Mode", g.mode.capitalize()),
    ]


def status_lags(state: HostState, args: Sequence[str]) -> list[Lag]:
    """The LAGs `status get` reports (none when the host runs no LACP group)."""
    lags = _lags(state, args)
    return lags if state.host.lags else []


def status_get(state: HostState, args: Sequence[str]) -> Reply:
    lags = _lags(state, args)
    if not state.host.lags:
        return Reply(NO_LAG)
    blocks = []
    for g in lags:
        lines = [g.dvs]
        lines += field_lines([*lag_status(g), ("Nic List", "")])
        for i, nic in enumerate(g.nics):
            if i:
                lines.append(" " * 6)
            local, partner, port_state = nic_status(state, g, i, nic)
            fields: Fields = [
                ("Local Information", ""),
                *local,
                ("Nic", nic),
                ("Partner Information", ""),
                *partner,
                ("State", port_state),
            ]
            lines += field_lines(fields, " " * 9)
        blocks.append("\n".join(lines))
    return Reply("\n\n".join(blocks) + "\n" if blocks else "")


def stats_rows(state: HostState, args: Sequence[str]) -> list[list[Cell]]:
    now = state.uptime()
    rows: list[list[Cell]] = []
    for g in _lags(state, args):
        for nic in g.nics:
            rx = 0 if nic in g.partner_silent else int(now // lacp_interval(g.partner_timeout))
            rows.append([g.dvs, g.lag_id, nic, 0, rx, 0, state.lacp_tx(g, nic, now)])
    return rows


def stats_get(state: HostState, args: Sequence[str]) -> Reply:
    return Reply(table(STATS_HEADERS, stats_rows(state, args)))


def timeout_set(state: HostState, args: Sequence[str]) -> Reply:
    opts = parse_options(
        args,
        (
            Opt("lag-id", "l", required=True),
            Opt("timeout", "t", required=True),
            Opt("dvs", "s", required=True),
            Opt("nic-name", "n"),
        ),
    )
    lag_id = int_option(opts["lag-id"], "-l|--lag-id")
    if opts["timeout"] not in ("0", "1"):
        raise EsxcliError(
            f"Invalid value '{opts['timeout']}' for option -t|--timeout: 0 (long) or 1 (short)"
        )
    lag = state.lag(lag_id)
    if lag is None or lag.dvs != opts["dvs"]:
        raise EsxcliError(f"LAG {lag_id} is not found on DVS {opts['dvs']}")
    nics = list(lag.nics)
    if "nic-name" in opts:
        if opts["nic-name"] not in lag.nics:
            raise EsxcliError(f"NIC {opts['nic-name']} is not in LAG {lag_id}")
        nics = [opts["nic-name"]]
    for nic in nics:
        state.set_lacp_timeout(lag, nic, "fast" if opts["timeout"] == "1" else "slow")
    return Reply()


_NS = ("network", "vswitch", "dvs", "vmware", "lacp")
COMMANDS = {
    (*_NS, "config", "get"): config_get,
    (*_NS, "status", "get"): status_get,
    (*_NS, "stats", "get"): stats_get,
    (*_NS, "timeout", "set"): timeout_set,
}
