"""One colour per verdict on every pane, so `critical` in LACP looks like `critical` in triage.

Verdicts are string enums, so a plain value (`"warning"`) finds its style too.
"""

from __future__ import annotations

from rich.text import Text

from vconsole.models.common import Verdict

VERDICT_STYLES: dict[str, str] = {
    Verdict.OK: "green",
    Verdict.INFO: "cyan",
    Verdict.WARNING: "yellow",
    Verdict.CRITICAL: "bold red",
    Verdict.ERROR: "magenta",
}


def verdict_cell(verdict: Verdict, text: str | None = None, *, extra: str = "") -> Text:
    """`text` (default: the verdict's own word) in the verdict's colour, plus `extra` style."""
    style = " ".join(s for s in (VERDICT_STYLES[verdict], extra) if s)
    return Text(verdict.value if text is None else text, style=style)
