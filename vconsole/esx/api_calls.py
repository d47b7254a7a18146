"""The esxcli call over the vSphere API that each of the console's host commands corresponds to.

A host reached through vCenter gets no shell: the same `Command` the SSH path would send is read
back into an esxcli namespace, method and named arguments for `ExecuteSoap` (the managed method
executer, as `govc host.esxcli` and PowerCLI `Get-EsxCli -V2` use it). The builders already
validated every token; each argument is checked again here by its own validator, so nothing that
reaches the executer was not a validated token. `vmkping` becomes `network diag ping`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from vconsole import tokens
from vconsole.errors import InvalidToken
from vconsole.tokens import Command

API_VERSION = "urn:vim25/5.0"  # the version string govc sends with every ExecuteSoap


@dataclass(frozen=True)
class EsxcliCall:
    """One esxcli method call: `namespace` dotted (`network.ip.interface`), `method` the verb."""

    namespace: str
    method: str
    args: tuple[tuple[str, str], ...] = ()
    mutating: bool = False

    @functools.cached_property
    def moid(self) -> str:
        """The handler object the host registers for the namespace."""
        return "ha-cli-handler-" + self.namespace.replace(".", "-")

    @functools.cached_property
    def method_name(self) -> str:
        return f"vim.EsxCLI.{self.namespace}.{self.method}"

    @functools.cached_property
    def line(self) -> str:
        """How the audit log and transcripts show the call: namespace, method, then arguments."""
        words = [f"esxcli {self.namespace.replace('.', ' ')} {self.method}"]
        words += [f"{name}={value}" for name, value in self.args]
        return " ".join(words)

    def arg(self, name: str) -> str | None:
        return next((value for key, value in self.args if key == name), None)


def _word(value: str, field: str) -> str:
    return tokens.plain_word(value, field)


def _count(low: int, high: int) -> Callable[[str, str], str]:
    def check(value: str, field: str) -> str:
        return str(tokens.payload_size(value, field, minimum=low, maximum=high))

    return check


def _seconds(value: str, field: str) -> str:
    text = tokens.plain_word(value, field)
    try:
        number = float(text)
    except ValueError:
        raise InvalidToken(field, value, "seconds from 0.01 to 60") from None
    if not 0.01 <= number <= 60:
        raise InvalidToken(field, value, "seconds from 0.01 to 60")
    return text


def _choice(*allowed: str) -> Callable[[str, str], str]:
    def check(value: str, field: str) -> str:
        if value not in allowed:
            raise InvalidToken(field, value, " or ".join(allowed))
        return value

    return check


def _module(value: str, field: str) -> str:
    text = tokens.plain_word(value, field)
    if not text.replace("_", "").isalnum():
        raise InvalidToken(field, value, "a driver module name such as i40en")
    return text


Validator = Callable[[str, str], str]
_PARAMS: dict[str, Validator] = {
    "dvs": lambda v, f: tokens.dvs_name(v, f),
    "lagid": lambda v, f: tokens.lag_id(v, f),
    "timeout": _choice("0", "1"),
    "nicname": lambda v, f: tokens.vmnic_name(v, f),
    "option": lambda v, f: tokens.advanced_option(v, f),
    "device": lambda v, f: tokens.device_id(v, f),
    "type": _choice("latency", "iops"),
    "iops": _count(1, 10000),
    "latencyevaltime": _count(10000, 300000),
    "numsamplingcycles": _count(16, 160),
    "host": lambda v, f: tokens.target_address(v, f),
    "interface": lambda v, f: tokens.vmk_name(v, f),
    "netstack": lambda v, f: tokens.netstack_name(v, f),
    "size": _count(0, 65487),
    "count": _count(1, 100),
    "interval": _seconds,
    "wait": _seconds,
    "df": _choice("true"),
    "ipv6": _choice("true"),
    "ipv4": _choice("true"),
    "module": _module,
}


def _flags(*flags: str) -> dict[str, str]:
    """`"-l --lag-id"` -> `{"-l": "lagid", "--lag-id": "lagid"}`: each option's parameter is
    its long option without dashes."""
    out: dict[str, str] = {}
    for spelled in flags:
        names = spelled.split()
        out |= dict.fromkeys(names, names[-1].replace("-", ""))
    return out


# Per esxcli method: short/long option -> parameter name.
_OPTIONS: dict[str, dict[str, str]] = {
    "network.vswitch.dvs.vmware.lacp.config.get": _flags("-s --dvs"),
    "network.vswitch.dvs.vmware.lacp.status.get": _flags("-s --dvs"),
    "network.vswitch.dvs.vmware.lacp.stats.get": _flags("-s --dvs"),
    "network.vswitch.dvs.vmware.lacp.timeout.set": _flags(
        "-l --lag-id", "-t --timeout", "-s --dvs", "-n --nic-name"
    ),
    "system.settings.advanced.list": _flags("-o --option"),
    "system.module.parameters.list": _flags("-m --module"),
    "storage.nmp.psp.roundrobin.deviceconfig.get": _flags("-d --device"),
    "storage.nmp.psp.roundrobin.deviceconfig.set": _flags(
        "-d --device", "-t --type", "-I --iops", "--latency-eval-time", "--num-sampling-cycles"
    ),
}
_NO_ARGS = (
    "network.ip.interface.list",
    "network.ip.interface.ipv4.get",
    "network.ip.interface.ipv6.address.list",
    "network.ip.netstack.list",
    "network.nic.list",
    "network.vswitch.dvs.vmware.list",
    "storage.nmp.device.list",
    "storage.core.path.list",
    "storage.nmp.path.list",
    "storage.core.device.list",
    "storage.vmfs.extent.list",
)
_WRITES = ("set",)


class NoApiEquivalent(InvalidToken):
    """The command has no esxcli method the console sends over the API."""

    title = "No API equivalent"


@functools.lru_cache(maxsize=4096)
def esxcli_call(command: Command) -> EsxcliCall:
    """The API call for a console command; raises naming the command when there is none.
    Both are immutable, and a matrix sends each probe's command to every host: kept."""
    words = list(command.tokens)
    if words and words[0] == "vmkping":
        return _ping(words[1:])
    if not words or words[0] not in ("esxcli", "localcli"):
        raise NoApiEquivalent("command", command.line, "an esxcli command or vmkping")
    path: list[str] = []
    rest = words[1:]
    while rest and not rest[0].startswith("-"):
        path.append(rest.pop(0))
    if len(path) < 2:
        raise NoApiEquivalent("command", command.line, "an esxcli namespace and method")
    full = ".".join(path)
    options = _OPTIONS.get(full)
    if options is None and full not in _NO_ARGS:
        raise NoApiEquivalent("command", command.line, "one of the esxcli commands the panes use")
    args = _options(rest, options or {}, command.line)
    mutating = path[-1] in _WRITES
    if mutating != command.mutating:
        raise NoApiEquivalent("command", command.line, "a command whose write flag matches")
    return EsxcliCall(".".join(path[:-1]), path[-1], tuple(args), mutating)


def _options(rest: list[str], options: dict[str, str], line: str) -> list[tuple[str, str]]:
    args: list[tuple[str, str]] = []
    while rest:
        word = rest.pop(0)
        flag, eq, inline = word.partition("=")
        name = options.get(flag)
        if name is None:
            raise NoApiEquivalent("argument", word, f"an option of `{line}` the console knows")
        if eq:
            value = inline
        elif rest:
            value = rest.pop(0)
        else:
            raise InvalidToken(flag, "", "a value after the option")
        args.append((name, _PARAMS[name](value, name)))
    return args


_PING_FLAGS = {"-I": "interface", "-S": "netstack", "-s": "size", "-c": "count", "-i": "interval"}


def _ping(words: list[str]) -> EsxcliCall:
    """`vmkping [-6] [-I vmk] [-S stack] [-d] -s N -c N [-i I] -W W TARGET` as `network diag ping`."""
    args: list[tuple[str, str]] = []
    target: str | None = None
    while words:
        word = words.pop(0)
        if word == "-6":
            args.append(("ipv6", "true"))
        elif word == "-4":
            args.append(("ipv4", "true"))
        elif word == "-d":
            args.append(("df", "true"))
        elif word in _PING_FLAGS or word == "-W":
            if not words:
                raise InvalidToken(word, "", "a value after the option")
            name = _PING_FLAGS.get(word, "wait")
            args.append((name, _PARAMS[name](words.pop(0), name)))
        elif not word.startswith("-") and target is None:
            target = _PARAMS["host"](word, "host")
        else:
            raise NoApiEquivalent("argument", word, "a vmkping option the console sends")
    if target is None:
        raise InvalidToken("host", "", "a target address")
    return EsxcliCall("network.diag", "ping", (("host", target), *args))
