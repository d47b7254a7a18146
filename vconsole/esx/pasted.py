"""What every ESXi text parser does first: undo what a terminal, web page or ticket did to output.

Output reaches the console straight from SSH, from captures, and pasted by admins: with CRLF line
ends, shell prompts (`~ # esxcli ...` on 5.x, `[root@esx01:~] esxcli ...` on 6.x+), a whole block
indented by a guide or a chat, or the output of a neighbouring command. `clean` removes the
first three; `identify` names the command whose shape the text has, so an "unrecognised" answer
can say "this is `esxcfg-mpath -l` output" instead of failing silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PROMPT = re.compile(
    r"""^\s*(?:
        ~\s*[#$]                              # 5.x busybox prompt: `~ #`
      | \[[^\]\s]*@[^\]]*\]\s*[#$]?           # 6.x+: `[root@esx01:~]`
      | [\w.-]+@[\w.-]+:\S*\s*[#$]            # bash-style `root@esx01:~ #`
      | [#$](?=\s|$)                          # a bare `#` or `$` before a command
    )(?P<command>.*)$""",
    re.VERBOSE,
)
_COMMAND_WORDS = re.compile(r"^\s*(?:esxcli|localcli|esxcfg-[\w-]+|vmkping|bitfusion)\b")


@dataclass(frozen=True)
class Pasted:
    """Output with its prompt lines, CRs and common indentation removed.

    `command` is the command line a removed prompt line carried ("" when there was none).
    """

    text: str
    command: str = ""


_PROMPT_ANY_LINE = re.compile(_PROMPT.pattern, re.VERBOSE | re.MULTILINE)
_FLUSH_LINE = re.compile(r"^\S", re.MULTILINE)
_PROMPT_MARKS = "~@#$"  # every prompt `_PROMPT` knows holds one of these


def clean(text: str) -> Pasted:
    """CRLF/CR to LF, prompt and echoed command lines out, the common indentation removed.

    Output straight from a host has none of these; that case is found by whole-text scans and
    costs one pass, as 1,000 hosts' paths are parsed on every refresh.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if (
        "\t" not in text
        and _FLUSH_LINE.search(text) is not None
        and (not any(mark in text for mark in _PROMPT_MARKS) or not _PROMPT_ANY_LINE.search(text))
        and not _COMMAND_WORDS.match(next((line for line in lines if line.strip()), ""))
    ):
        return Pasted("\n".join([line.rstrip() for line in lines]).strip("\n"))
    return _clean_lines(lines)


def _clean_lines(lines: list[str]) -> Pasted:
    """`clean` line by line: prompts and a leading echoed command dropped, then dedented."""
    kept: list[str] = []
    command = ""
    for line in lines:
        prompt = _PROMPT.match(line)
        if prompt is not None:
            command = command or " ".join(prompt.group("command").split())
            continue
        if _COMMAND_WORDS.match(line) and not any(k.strip() for k in kept):
            command = command or " ".join(line.split())
            continue
        kept.append(line.rstrip())
    return Pasted(_dedent(kept), command)


def _dedent(lines: list[str]) -> str:
    """Remove the indentation every non-blank line shares (tabs count as 8 columns)."""
    expanded = [_expand_lead(line) for line in lines]
    indents = [len(line) - len(line.lstrip(" ")) for line in expanded if line.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(line[cut:] if line.strip() else "" for line in expanded).strip("\n")


def _expand_lead(line: str) -> str:
    body = line.lstrip(" \t")
    return line[: len(line) - len(body)].expandtabs(8) + body


_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (command, re.compile(pattern, re.MULTILINE | re.IGNORECASE))
    for command, pattern in (
        ("esxcfg-mpath -l", r"^\s*Adapter: \S+ Channel: \d+ Target: \d+ LUN: \d+"),
        ("esxcli storage nmp device list", r"^\s*Path Selection Policy Device Config:"),
        ("esxcli storage nmp path list", r"^\s*Group State:"),
        ("esxcli storage core path list", r"^\s*Adapter Identifier:"),
        ("esxcli storage nmp psp roundrobin deviceconfig get", r"^\s*Limit Type:"),
        ("esxcli network ip interface list", r"^\s*Netstack Instance:"),
        ("esxcli network ip interface ipv4 get", r"^\s*Name\s+IPv4 Address\b"),
        ("esxcli network nic list", r"^\s*Name\s+PCI Device\b"),
        ("esxcfg-nics -l", r"^\s*Name\s+PCI\s+Driver\s+Link\b"),
        ("esxcli network vswitch dvs vmware list", r"^\s*VDS ID:"),
        ("esxcli network ip netstack list", r"^\s*Key:\s*\S+\s*\n\s*Name:"),
        ("esxcli network vswitch dvs vmware lacp status get", r"^\s*LAGID:"),
        ("esxcli network vswitch dvs vmware lacp stats get", r"\bRx LACPDUs\b"),
        ("esxcli network vswitch dvs vmware lacp config get", r"^\s*DVS Name\s+LAG\b"),
        ("vmkping", r"\bbytes from\b|^PING "),
    )
)


def identify(text: str) -> str:
    """The command whose output `text` looks like (a pasted prompt wins), or ""."""
    pasted = clean(text)
    if pasted.command:
        return pasted.command
    for command, pattern in _SHAPES:
        if pattern.search(pasted.text):
            return command
    return ""


def unrecognised_message(expected: str, text: str, reason: str) -> str:
    """`unrecognised output of <expected>: <reason>`, naming the other command when known."""
    other = identify(text)
    same = re.sub(r"^localcli\b", "esxcli", other)  # localcli runs the same commands
    if other and same not in expected and expected not in same:
        return f"unrecognised output of {expected}: this is `{other}` output ({reason})"
    return f"unrecognised output of {expected}: {reason}"


class UnrecognisedOutput(ValueError):
    """Raised by the list parsers that return plain lists, when the text is not the expected
    command's output: the message says what was expected and what was seen; `raw` keeps it."""

    def __init__(self, command: str, text: str, reason: str) -> None:
        super().__init__(unrecognised_message(command, text, reason))
        self.command = command
        self.raw = text
        self.reason = reason
