"""What a pane screen is given when opened, and how the registry describes a pane.

Its own module so that pane screens and the registry (`screens.panes`, which imports every
pane screen) never import each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vconsole.sessions.protocols import ProfileView, Sessions


@dataclass(frozen=True)
class PaneContext:
    """What a pane screen gets when opened: the shared session manager and the profile."""

    manager: Sessions
    profile: ProfileView
    read_only: bool
    alias: str
    """The alias the admin typed (`:vm` vs `:host` opens the inventory on a different tab)."""

    def target_names(self, *kinds: str) -> list[str]:
        """The profile's targets of these kinds, by name; none for a profile that lists none."""
        names = getattr(self.profile, "names", None)
        return names(*kinds) if callable(names) else []


@dataclass(frozen=True)
class PaneSpec:
    """One pane slot. `alias` is the canonical `:name`; `aliases` all names that open it."""

    alias: str
    aliases: tuple[str, ...]
    title: str
    key: str | None
    """A direct key (digits 1-6 on the six panes), or None."""
    summary: str = ""


def pane_for(panes: Sequence[PaneSpec], alias: str) -> PaneSpec | None:
    """The pane of `panes` opened by `:alias` (case-insensitive, leading `:` allowed), or None."""
    wanted = alias.strip().lstrip(":").lower()
    return next((spec for spec in panes if wanted in spec.aliases), None)
