"""Text from outside (servers, captures, config files, users) made safe to show on a terminal.

A VM name, portal name or esxcli line is data: an ESC or OSC sequence in it must not move the
cursor, retitle the window or write a hyperlink; a CR or LF inside one field must not forge a
line of a diff or a table; a bidi override must not reverse what the admin reads. `visible`
shows each such character as an escape (`\\x1b`, `\\n`, `\\u202e`) so it is seen, not obeyed.
JSON output keeps the exact value: only text meant for eyes goes through here.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# C0 and C1 controls, DEL; bidi embeddings, overrides and isolates and the implicit marks;
# zero-width and invisible formatting characters; line and paragraph separators.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
_UNSAFE_KEEP_LF = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object, *, keep_newlines: bool = False) -> str:
    """`text` with every control, bidi and invisible character shown as an escape.

    One field (a name, a URL) keeps no line breaks; `keep_newlines` is for a multi-line block
    such as a command's output, whose LFs are real line ends (a CR is still shown).
    """
    value = text if isinstance(text, str) else str(text)
    pattern = _UNSAFE_KEEP_LF if keep_newlines else _UNSAFE
    return pattern.sub(_escape, value)


def is_clean(text: str) -> bool:
    """True when `visible` would leave the text unchanged (nothing to defuse)."""
    return _UNSAFE.search(text) is None
