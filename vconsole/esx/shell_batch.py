"""Several commands in one SSH exec on a host's busybox ash, each answer read back on its own.

Every exec is a channel open, an exec request, output, exit status, EOF and close on both ends,
so a host's commands cost less as one exec. Only ash features every ESXi shell has are used:
`{ ...; }`, `|`, `&`, `wait`, `while read -r`, `echo`, `$?` and `2>&1`; no temporary files (a
host in lockdown or with a read-only /tmp still runs it).

Every line a command prints (stdout and stderr together, then `rc <exit>` last) is prefixed with
a random per-exec nonce and the command's index. Text from the host cannot know the nonce, so it
cannot forge a line of another command or close a section early; a section that is missing, has
no `rc` line, or has text after it comes back as `None`: unrecognised, never a pass. Commands
run either all at once in the background (their lines interleave, so each line must be tagged)
or one after another with `IFS=` kept empty so indented output (esxcli's nested blocks) arrives
exactly as printed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from vconsole.tokens import Command

MAX_COMMANDS = 64  # per exec: beyond this a host would run an unusual number of processes
_NONCE = re.compile(r"vc[0-9a-f]{16}")
_RC = re.compile(r"rc (\d{1,3})")


@dataclass(frozen=True)
class ShellScript(Command):
    """A fixed shell script around validated commands; `line` is the script itself.

    Only `batch_script` builds one: its own syntax around `Command.line`s, whose tokens were
    validated and quoted, plus a nonce of hex digits; nothing else reaches the script.
    """

    script: str = ""

    @property
    def line(self) -> str:
        return self.script


@dataclass(frozen=True)
class Section:
    """What one command of a batch printed (stdout and stderr together) and its exit status."""

    text: str
    exit: int


def new_nonce() -> str:
    return "vc" + secrets.token_hex(8)


def batch_script(
    commands: Sequence[Command], nonce: str | None = None, *, parallel: bool = True
) -> ShellScript:
    """One exec running every command, each output line tagged `<nonce> <i> `.

    `parallel` starts each command in the background and waits for all; otherwise they run in
    order, each line read with `IFS=` so its leading blanks are kept."""
    if not 1 <= len(commands) <= MAX_COMMANDS:
        raise ValueError(f"a batch holds 1 to {MAX_COMMANDS} probes, not {len(commands)}")
    if any(c.mutating for c in commands):
        raise ValueError("a batch holds read-only commands only")
    tag = nonce or new_nonce()
    if not _NONCE.fullmatch(tag):
        raise ValueError("the nonce must be 'vc' and 16 hex digits")
    read = "read -r l" if parallel else "IFS= read -r l"
    jobs = [
        f'{{ {c.line} 2>&1; echo "rc $?"; }} | while {read}; do echo "{tag} {i} $l"; done'
        for i, c in enumerate(commands)
    ]
    if parallel:
        return ShellScript(tokens=("sh",), script="\n".join([*(j + " &" for j in jobs), "wait"]))
    return ShellScript(tokens=("sh",), script="\n".join(jobs))


def nonce_of(script: ShellScript) -> str:
    found = _NONCE.search(script.script)
    return found.group(0) if found else ""


def read_batch(stdout: str, nonce: str, count: int) -> list[Section | None]:
    """Each command's section, in order; `None` where it is missing or malformed.

    A line belongs to command i only if it starts with exactly `<nonce> <i> `; any other line
    (the host's own noise) is ignored. A section must end with its one `rc N` line.
    """
    lines: list[list[str]] = [[] for _ in range(count)]
    ended: list[int | None] = [None] * count
    broken = [False] * count
    prefix = nonce + " "
    for raw in stdout.splitlines():
        if not raw.startswith(prefix):
            continue
        index, _, rest = raw[len(prefix) :].partition(" ")
        if not index.isdigit() or int(index) >= count or str(int(index)) != index:
            continue
        i = int(index)
        if ended[i] is not None:
            broken[i] = True  # text after the closing `rc` line: not what the script prints
            continue
        if "rc " in rest and (m := _RC.fullmatch(rest.strip())):
            ended[i] = int(m.group(1))
        else:
            lines[i].append(rest)
    return [
        Section("".join(line + "\n" for line in lines[i]), code)
        if (code := ended[i]) is not None and not broken[i]
        else None
        for i in range(count)
    ]
