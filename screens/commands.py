"""Command palette providers: pane jumps, plus the commands the current screen offers.

Only what makes sense here: the pane already on screen is not offered, and screen commands come
from the active screen's `palette_commands()`.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.types import IgnoreReturnCallbackType

from screens.panes import all_panes

Offer = tuple[str, str, IgnoreReturnCallbackType]
"""What a provider offers: title, help text, and what choosing it runs."""


class _OffersProvider(Provider):
    """Lists its offers when the palette opens and scores them against what is typed; a match
    in the help text counts `help_weight` of one in the title (0: titles only)."""

    help_weight = 0.0

    def _entries(self) -> list[Offer]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for title, help_text, run in self._entries():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._entries():
            score = matcher.match(title)
            if self.help_weight:
                score = max(score, matcher.match(help_text) * self.help_weight)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)


class PaneJumpProvider(_OffersProvider):
    """`Go to <pane>` for every pane other than the current one."""

    help_weight = 0.8

    def _entries(self) -> list[Offer]:
        current = getattr(self.screen, "pane_alias", "")
        return [
            (
                f"Go to {spec.title}",
                f":{' :'.join(spec.aliases)}  {spec.summary}",
                partial(self._jump, spec.alias),
            )
            for spec in all_panes()
            if spec.alias != current
        ]

    def _jump(self, alias: str) -> None:
        jump = getattr(self.app, "jump", None)
        if callable(jump):
            jump(alias)


class ScreenCommandsProvider(_OffersProvider):
    """The active screen's own actions (add target, test target, filter rows...)."""

    def _entries(self) -> list[Offer]:
        offered = getattr(self.screen, "palette_commands", None)
        if not callable(offered):
            return []
        return [(c.title, c.help, partial(self._run, c.action)) for c in offered()]

    async def _run(self, action: str) -> None:
        await self.screen.run_action(action)
