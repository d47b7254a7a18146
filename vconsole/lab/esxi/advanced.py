"""`esxcli system settings advanced list|set`, `esxcfg-advcfg -g|-s`, `esxcli system version get`.

`esxcfg-advcfg -g` prints `Value of <Name> is <n>` ([V] format from a test library); the
`advanced list` block follows the reference's [R] field order, with `Host Specific` and
`Impact` on 7.0+ hosts ([R]). Option names not held by the host give an [R] error.
`system version get` prints Product/Version/Build/Update/Patch ([R] layout; the `Build` value
form `Releasebuild-N` is [V] from esxcli-formatters.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from vconsole.lab.esxi.options import EsxcliError, Opt, int_option, parse_options
from vconsole.lab.esxi.output import Cell, Reply, field_lines
from vconsole.lab.esxi.state import PSP_LATENCY_OPTION, HostState
from vconsole.lab.scenario_checks import TEAM_UP_DELAY_DEFAULT_MS, TEAM_UP_DELAY_OPTION

_DESCRIPTIONS = {
    PSP_LATENCY_OPTION: "Enable latency based Round Robin PSP",
    TEAM_UP_DELAY_OPTION: "Delay (ms) before a teaming uplink that came up is used",
}
_DEFAULTS = {PSP_LATENCY_OPTION: 1, TEAM_UP_DELAY_OPTION: TEAM_UP_DELAY_DEFAULT_MS}
_RANGES = {PSP_LATENCY_OPTION: (0, 1), TEAM_UP_DELAY_OPTION: (0, 600000)}


def _option(state: HostState, path: str) -> str:
    wanted = "/" + path.strip("/")
    for name in state.advanced:
        if name.lower() == wanted.lower():
            return name
    raise EsxcliError(f"Unable to find option {wanted.rsplit('/', 1)[-1]}")


def _major(version: str) -> int:
    head = version.split(".")[0]
    return int(head) if head.isdigit() else 8


def option_fields(state: HostState, name: str) -> list[tuple[str, Cell]]:
    """One option as `advanced list` shows it."""
    low, high = _RANGES.get(name, (0, 2147483647))
    fields: list[tuple[str, Cell]] = [
        ("Path", name),
        ("Type", "integer"),
        ("Int Value", state.advanced[name]),
        ("Default Int Value", _DEFAULTS.get(name, 0)),
        ("Min Value", low),
        ("Max Value", high),
        ("String Value", ""),
        ("Default String Value", ""),
        ("Valid Characters", ""),
        ("Description", _DESCRIPTIONS.get(name, "")),
    ]
    if _major(state.host.version) >= 7:
        fields += [("Host Specific", False), ("Impact", "none")]
    return fields


def option_names(state: HostState, args: Sequence[str]) -> list[str]:
    """The options `advanced list` selects (`-o` one by name, `-t` a subtree)."""
    opts = parse_options(args, (Opt("option", "o"), Opt("tree", "t"), Opt("delta", "d", flag=True)))
    if "option" in opts:
        return [_option(state, opts["option"])]
    prefix = opts.get("tree", "/")
    return sorted(n for n in state.advanced if n.startswith(prefix))


def advanced_list(state: HostState, args: Sequence[str]) -> Reply:
    return Reply(
        "\n".join(
            "\n".join(field_lines(option_fields(state, n))) + "\n"
            for n in option_names(state, args)
        )
    )


def advanced_set(state: HostState, args: Sequence[str]) -> Reply:
    opts = parse_options(
        args,
        (Opt("option", "o", required=True), Opt("int-value", "i"), Opt("default", "d", flag=True)),
    )
    name = _option(state, opts["option"])
    value = _DEFAULTS.get(name, 0) if "default" in opts else None
    if "int-value" in opts:
        value = int_option(opts["int-value"], "-i|--int-value")
    if value is None:
        raise EsxcliError("Missing required parameter -i|--int-value")
    _store(state, name, value)
    return Reply()


def _store(state: HostState, name: str, value: int) -> None:
    low, high = _RANGES.get(name, (0, 2147483647))
    if not low <= value <= high:
        raise EsxcliError(f"Invalid value {value} for option {name}: expected {low} to {high}")
    with state.lock:
        state.advanced[name] = value


def esxcfg_advcfg(state: HostState, argv: Sequence[str]) -> Reply:
    """`esxcfg-advcfg -g PATH` or `-s VALUE PATH`."""
    args = list(argv[1:])
    try:
        if len(args) == 2 and args[0] == "-g":
            name = _option(state, args[1])
        elif len(args) == 3 and args[0] == "-s":
            name = _option(state, args[2])
            _store(state, name, int_option(args[1], "-s"))
        else:
            return Reply(stderr="Usage: esxcfg-advcfg -g <option> | -s <value> <option>\n", exit=1)
    except EsxcliError as exc:
        return Reply(stderr=f"{exc}\n", exit=1)
    return Reply(f"Value of {name.rsplit('/', 1)[-1]} is {state.advanced[name]}\n")


def version_get(state: HostState, args: Sequence[str]) -> Reply:
    parse_options(args, ())
    version = state.host.version
    parts = version.split(".")
    update = parts[2] if len(parts) > 2 else "0"
    fields: list[tuple[str, Cell]] = [
        ("Product", "VMware ESXi"),
        ("Version", version),
        ("Build", f"Releasebuild-{state.host.build}"),
        ("Update", update),
        ("Patch", 0),
    ]
    return Reply("\n".join(field_lines(fields)) + "\n")


COMMANDS = {
    ("system", "version", "get"): version_get,
    ("system", "settings", "advanced", "list"): advanced_list,
    ("system", "settings", "advanced", "set"): advanced_set,
}
