"""esxcli's namespace tree, global options and its error/usage answers.

[R] wording: `Error: Unknown command or namespace <path>` for a wrong name (reference §8 of
esxcli-storage-multipath.md); a bare namespace prints `Usage: esxcli <ns> {cmd} [cmd options]`
and the names below it, as the [V] lacp namespace help shows (descriptions only where the
reference has them). Errors go to stderr with exit 1 (the reference allows stdout or stderr).
Only the default formatter is served; `--formatter` with another value is refused by name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Union

from vconsole.lab.esxi import advanced, checks, diagping, lacp, network, storage
from vconsole.lab.esxi.options import EsxcliError
from vconsole.lab.esxi.output import Reply
from vconsole.lab.esxi.state import HostState

Handler = Callable[[HostState, Sequence[str]], Reply]
Node = dict[str, Union["Node", Handler]]

_DESCRIPTIONS = {
    "config": "Command to get LACP configuration",
    "stats": "Command to get LACP protocol statistics",
    "status": "Command to get LACP port status",
    "timeout": "Command to set LACP LAG timeout",
}


def _build_tree() -> Node:
    root: Node = {}
    for module in (network, lacp, storage, advanced, diagping, checks):
        for path, handler in module.COMMANDS.items():
            node = root
            for name in path[:-1]:
                child = node.setdefault(name, {})
                assert isinstance(child, dict)
                node = child
            node[path[-1]] = handler
    return root


TREE = _build_tree()


def _usage(path: Sequence[str], node: Node) -> str:
    spaces = sorted(k for k, v in node.items() if isinstance(v, dict))
    commands = sorted(k for k, v in node.items() if not isinstance(v, dict))
    ns = " ".join(["esxcli", *path])
    lines = [f"Usage: {ns} {{cmd}} [cmd options]", ""]
    for title, names in (("Available Namespaces:", spaces), ("Available Commands:", commands)):
        if names:
            lines.append(title)
            lines.extend(f"  {n:<20}{_DESCRIPTIONS.get(n, '')}".rstrip() for n in names)
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def esxcli(state: HostState, argv: Sequence[str]) -> Reply:
    args = list(argv[1:])
    while args and args[0].startswith("--"):
        opt, _, value = args.pop(0).partition("=")
        if opt == "--formatter" and value not in ("", "default"):
            return _error(
                f"Formatter '{value}' is not available in this lab host; use the default formatter"
            )
        if opt not in ("--formatter", "--debug", "--format-param"):
            return _error(f"Invalid option {opt}")
    node: Node = TREE
    path: list[str] = []
    while args:
        name = args[0]
        child = node.get(name)
        if child is None:
            if name.startswith("-"):
                break
            return _error(f"Unknown command or namespace {' '.join([*path, name])}")
        args.pop(0)
        path.append(name)
        if isinstance(child, dict):
            node = child
            continue
        try:
            return child(state, args)
        except EsxcliError as exc:
            return _error(str(exc))
    return Reply(_usage(path, node), exit=0 if not args else 1)


def _error(message: str) -> Reply:
    return Reply(stderr=f"Error: {message}\n", exit=1)
