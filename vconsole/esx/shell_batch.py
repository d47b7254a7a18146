"""Several commands in one SSH exec on a host's busybox ash, each answer read back on its own.

Every exec is a channel open, an exec request, output, exit status, EOF and close on both ends,
so a host's commands cost less as one exec. Only ash features every ESXi shell has are used:
`{ ...; }`, `|`, `&`, `wait`, `while read -r`, `echo`, `$?` and `2>&1`; no temporary files (a
host in lockdown or with a read-only /tmp still runs it).

Each command's section (stdout and stderr together) carries a random per-exec nonce and the
command's index and ends with exactly one `<nonce> <i> rc <exit>` line. Text from the host cannot
know the nonce, so it cannot forge a line of another command or close a section early; a
section that is missing, has no `rc` line, or has text after it comes back as `None`:
unrecognised, never a pass. Commands run either all at once in the background, where their
lines interleave so the shell tags every line (`batch_script`, `read_batch`), or one after
another between an opening `<nonce> <i> begin` line and the closing `rc` line, their output
passed through untouched (`sequence_script`, `read_sequence`): no subshell or loop per line, and
indentation (esxcli's nested blocks) arrives exactly as printed.
"""

from __future__ import annotations

import re
import secrets
import threading
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
    """`vc` and 16 hex digits, never handed out twice: eight bytes of the operating system's
    randomness, drawn 4 KiB at a time (a refresh of 1,000 hosts made 1,000 system calls)."""
    with _RANDOM_LOCK:
        if len(_RANDOM) < 8:
            _RANDOM[:] = secrets.token_bytes(_RANDOM_DRAW)
        drawn = bytes(_RANDOM[-8:])
        del _RANDOM[-8:]
    return "vc" + drawn.hex()


_RANDOM_DRAW = 4096
_RANDOM = bytearray()  # unused random bytes; each nonce takes (and removes) its eight
_RANDOM_LOCK = threading.Lock()  # batches are built on any loop and in pool threads


def _checked(commands: Sequence[Command], nonce: str | None) -> str:
    if not 1 <= len(commands) <= MAX_COMMANDS:
        raise ValueError(f"a batch holds 1 to {MAX_COMMANDS} probes, not {len(commands)}")
    if any(c.mutating for c in commands):
        raise ValueError("a batch holds read-only commands only")
    tag = nonce or new_nonce()
    if not _NONCE.fullmatch(tag):
        raise ValueError("the nonce must be 'vc' and 16 hex digits")
    return tag


def batch_script(commands: Sequence[Command], nonce: str | None = None) -> ShellScript:
    """One exec running every command in the background, each line tagged `<nonce> <i> `."""
    tag = _checked(commands, nonce)
    jobs = [
        f'{{ {c.line} 2>&1; echo "rc $?"; }} | while read -r l; do echo "{tag} {i} $l"; done &'
        for i, c in enumerate(commands)
    ]
    return ShellScript(tokens=("sh",), script="\n".join([*jobs, "wait"]))


def sequence_script(commands: Sequence[Command], nonce: str | None = None) -> ShellScript:
    """One exec running the commands in order, each between `<nonce> <i> begin` and its `rc`."""
    tag = _checked(commands, nonce)
    steps = [
        f'echo "{tag} {i} begin"; {c.line} 2>&1; echo "{tag} {i} rc $?"'
        for i, c in enumerate(commands)
    ]
    return ShellScript(tokens=("sh",), script="\n".join(steps))


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


def read_sequence(stdout: str, nonce: str, count: int) -> list[Section | None]:
    """Each command's section of a `sequence_script`, in order; `None` where it is missing or
    malformed: no `begin`, no `rc` line (output without a final newline swallows it), a second
    `begin`, or a line starting with the nonce that is not this section's own `rc` line."""
    prefix = nonce + " "
    texts: list[list[str]] = [[] for _ in range(count)]
    codes: list[int | None] = [None] * count
    seen = [False] * count
    broken = [False] * count
    current: int | None = None
    for raw in stdout.split("\n")[:-1]:  # whole lines only: a cut last line proves nothing
        if current is not None and not raw.startswith(prefix):
            texts[current].append(raw)
            continue
        if not raw.startswith(prefix):
            continue  # the host's own noise between sections
        index, _, rest = raw[len(prefix) :].partition(" ")
        known = index.isdigit() and int(index) < count and str(int(index)) == index
        i = int(index) if known else -1
        if current is not None and (i != current or rest == "begin"):
            broken[current] = True  # a marker inside an open section: not what the script prints
            current = None
        if i < 0:
            continue
        if rest == "begin":
            broken[i] = broken[i] or seen[i]
            seen[i], current = True, i
        elif current == i and (m := _RC.fullmatch(rest)):
            codes[i], current = int(m.group(1)), None
        else:
            broken[i] = True
    return [
        Section("".join(line + "\n" for line in texts[i]), code)
        if (code := codes[i]) is not None and not broken[i]
        else None
        for i in range(count)
    ]
