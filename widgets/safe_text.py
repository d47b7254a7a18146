"""Server and file text as Rich `Text`: never parsed as markup, control characters visible.

A DataTable parses a `str` cell as markup (`[red]` would colour it, `[link=...]` would make a
hyperlink) and a raw ESC would reach the terminal; `Text(visible(value))` is shown as it is.
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text

from vconsole.textsafe import visible


def field_text(value: object, style: str = "") -> Text:
    """One field (a name, a URL): no markup, no line breaks, controls shown as escapes."""
    return Text(visible(value), style=style)


def block_text(value: str) -> str:
    """A multi-line block (a command's output, a diff): real line ends kept, the rest visible."""
    return visible(value, keep_newlines=True)


def safe_cell(value: object) -> object:
    """A DataTable cell: a string stays a string (tests and filters compare it), but with
    controls made visible and markup escaped, so the table shows it literally."""
    return escape(visible(value)) if isinstance(value, str) else value
