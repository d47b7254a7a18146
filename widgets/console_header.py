"""The console's top line: active profile, read-only badge and a per-target connection strip.

The active connection is always visible (k9s); a profile `colour` paints the profile name so a
production profile looks different at a glance.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from rich.errors import StyleSyntaxError
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

log = logging.getLogger(__name__)

HEALTH_STYLES: dict[str, str] = {
    "ok": "bold green",
    "connected": "bold green",
    "degraded": "bold yellow",
    "connecting": "cyan",
    "down": "bold red",
    "refused": "bold red",
}


@dataclass(frozen=True)
class TargetHealth:
    """One target's state as the header shows it (reason shown on the connections screen)."""

    name: str
    state: str
    reason: str = ""


@dataclass(frozen=True)
class HeaderInfo:
    """Everything the header line shows; the app hands a new one down when anything changes."""

    profile: str = ""
    read_only: bool = False
    colour: str | None = None
    targets: tuple[TargetHealth, ...] = field(default_factory=tuple)


def describe_state(name: str, state: object) -> TargetHealth:
    """Read a session-layer TargetState (or a bare Health) into words, tolerating either shape."""
    health = getattr(state, "health", state)
    word = getattr(health, "value", health)
    reason = getattr(state, "reason", "") or getattr(state, "detail", "") or ""
    return TargetHealth(name, str(word).lower() if word is not None else "unknown", str(reason))


def health_from_states(states: Mapping[str, object]) -> tuple[TargetHealth, ...]:
    return tuple(describe_state(name, state) for name, state in states.items())


class ConsoleHeader(Widget):
    """One line; the connection strip is cut with `+N` when the terminal is narrow."""

    DEFAULT_CSS = """
    ConsoleHeader {
        dock: top;
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text;
    }
    """

    info: reactive[HeaderInfo] = reactive(HeaderInfo, layout=False)

    def __init__(self, info: HeaderInfo | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        if info is not None:
            self.set_reactive(ConsoleHeader.info, info)

    def render(self) -> Text:
        return self._render_line(self.info, max(self.size.width, 20))

    @classmethod
    def _render_line(cls, info: HeaderInfo, width: int) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(" vconsole ", Style(bold=True))
        profile_style = Style(bold=True, reverse=True)
        if info.colour:
            try:
                profile_style = Style.parse(f"bold on {info.colour}")
            except StyleSyntaxError as exc:  # the profile's colour is not one rich knows
                log.debug("profile colour %r not usable: %s", info.colour, exc)
        line.append(f" {info.profile or 'no profile'} ", profile_style)
        if info.read_only:
            line.append(" ")
            line.append(" RO ", Style.parse("bold black on yellow"))
        line.append("  ")
        cls._append_strip(line, info.targets, width - line.cell_len)
        return line

    @staticmethod
    def _append_strip(line: Text, targets: tuple[TargetHealth, ...], room: int) -> None:
        if not targets:
            line.append("no targets", Style(dim=True))
            return
        used = 0
        for index, target in enumerate(targets):
            piece_len = len(target.name) + 1 + len(target.state) + 2
            left = len(targets) - index
            reserve = 0 if left == 1 else len(f"+{left - 1}")
            if used + piece_len + reserve > room and index > 0:
                line.append(f"+{left}", Style(bold=True))
                return
            line.append(target.name + " ")
            line.append(target.state, Style.parse(HEALTH_STYLES.get(target.state, "dim")))
            line.append("  ")
            used += piece_len
