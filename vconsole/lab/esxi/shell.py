"""The ESXi shell subset: split a command line with shlex and hand it to its command.

Unknown commands answer like ESXi's busybox sh: `sh: xyz: not found` on stderr, exit 127.
`vmware -v` prints `VMware ESXi <version> build-<build>` ([R]: the common form of that line).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence

from vconsole.lab.esxi.advanced import esxcfg_advcfg
from vconsole.lab.esxi.esxcli import esxcli
from vconsole.lab.esxi.output import Reply
from vconsole.lab.esxi.sh import looks_like_script, run_script
from vconsole.lab.esxi.state import HostState
from vconsole.lab.esxi.vmkping import vmkping

Command = Callable[[HostState, Sequence[str]], Reply]


def _vmware(state: HostState, argv: Sequence[str]) -> Reply:
    if list(argv[1:]) in (["-v"], ["-vl"], ["-lv"]):
        return Reply(f"VMware ESXi {state.host.version} build-{state.host.build}\n")
    return Reply(stderr="usage: vmware -v\n", exit=1)


def _hostname(state: HostState, argv: Sequence[str]) -> Reply:
    return Reply(f"{state.name}\n")


COMMANDS: dict[str, Command] = {
    "esxcli": esxcli,
    "localcli": esxcli,
    "vmkping": vmkping,
    "ping": vmkping,
    "esxcfg-advcfg": esxcfg_advcfg,
    "vmware": _vmware,
    "hostname": _hostname,
}


def run_line(state: HostState, line: str) -> Reply:
    """Answer one exec'd command line from the host's scenario and run-time state.

    A line with shell syntax (`;`, `&`, `|`, groups, `while read`, `$`) runs through the ash
    subset in `sh`, whose simple commands come back here as argv."""
    if looks_like_script(line):
        # a real network's pings block their thread: there jobs keep a thread each
        clock = state.clock if state.real_network is None else None
        return run_script(line, lambda argv: run_argv(state, argv), clock)
    try:
        argv = shlex.split(line)
    except ValueError as exc:
        return Reply(stderr=f"sh: syntax error: {exc}\n", exit=2)
    return run_argv(state, argv)


def run_argv(state: HostState, argv: Sequence[str]) -> Reply:
    if not argv:
        return Reply()
    name = argv[0].rsplit("/", 1)[-1]
    command = COMMANDS.get(name)
    if command is None:
        return Reply(stderr=f"sh: {argv[0]}: not found\n", exit=127)
    return command(state, argv)
