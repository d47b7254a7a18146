"""Several `vmkping` probes in one SSH exec, each read back by the ordinary vmkping parser.

An SSH server caps the sessions per connection (OpenSSH's MaxSessions defaults to 10), so the
console never opens more than 8 channels to a host; a k-ary search over many pairs still wants
dozens of probes in flight. One exec therefore starts a batch of probes on the host's busybox
ash, each in the background, and `wait`s for all of them. Only ash features every ESXi shell
has are used: `{ ...; }`, `|`, `&`, `wait`, `while read -r`, `echo`, `$?` and `2>&1`; no
temporary files (a host in lockdown or with a read-only /tmp still runs it).

Lines of parallel probes interleave on the shared stdout, so every line a probe prints (its
stdout and stderr, then `rc <exit>` last) is prefixed with a random per-exec nonce and the
probe's index. Text from the host (vmkping's own output, a host name) cannot know the nonce,
so it cannot forge a line of another probe or close a section early; a probe whose section is
missing, has no `rc` line, or has text after it comes back as `None`: unrecognised, never a pass.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from vconsole.tokens import Command

MAX_PROBES = 64  # per exec: beyond this a host would run an unusual number of vmkping processes
_NONCE = re.compile(r"vc[0-9a-f]{16}")
_RC = re.compile(r"rc (\d{1,3})")


@dataclass(frozen=True)
class ShellScript(Command):
    """A fixed shell script around validated commands; `line` is the script itself.

    Only `vmkping_batch` builds one: its own syntax around `Command.line`s, whose tokens were
    validated and quoted, plus a nonce of hex digits; nothing else reaches the script.
    """

    script: str = ""

    @property
    def line(self) -> str:
        return self.script


@dataclass(frozen=True)
class ProbeSection:
    """What one probe of a batch printed (stdout and stderr together) and its exit status."""

    text: str
    exit: int


def new_nonce() -> str:
    return "vc" + secrets.token_hex(8)


def batch_script(commands: Sequence[Command], nonce: str | None = None) -> ShellScript:
    """One exec running every command in the background, each line tagged `<nonce> <i> `."""
    if not 1 <= len(commands) <= MAX_PROBES:
        raise ValueError(f"a batch holds 1 to {MAX_PROBES} probes, not {len(commands)}")
    tag = nonce or new_nonce()
    if not _NONCE.fullmatch(tag):
        raise ValueError("the nonce must be 'vc' and 16 hex digits")
    jobs = [
        f'{{ {c.line} 2>&1; echo "rc $?"; }} | while read -r l; do echo "{tag} {i} $l"; done &'
        for i, c in enumerate(commands)
    ]
    return ShellScript(tokens=("sh",), script="\n".join([*jobs, "wait"]))


def nonce_of(script: ShellScript) -> str:
    found = _NONCE.search(script.script)
    return found.group(0) if found else ""


def read_batch(stdout: str, nonce: str, count: int) -> list[ProbeSection | None]:
    """Each probe's section, in order; `None` where it is missing or malformed.

    A line belongs to probe i only if it starts with exactly `<nonce> <i> `; any other line
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
        if m := _RC.fullmatch(rest.strip()):
            ended[i] = int(m.group(1))
        else:
            lines[i].append(rest)
    return [
        ProbeSection("".join(line + "\n" for line in lines[i]), code)
        if (code := ended[i]) is not None and not broken[i]
        else None
        for i in range(count)
    ]
