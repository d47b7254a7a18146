"""Command palette providers: pane jumps, plus the commands the current screen offers.

Only what makes sense here: the pane already on screen is not offered, and screen commands come
from the active screen's `palette_commands()`.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from screens.panes import all_panes


class PaneJumpProvider(Provider):
    """`Go to <pane>` for every pane other than the current one."""

    def _entries(self) -> list[tuple[str, str, str]]:
        current = getattr(self.screen, "pane_alias", "")
        return [
            (f"Go to {spec.title}", f":{' :'.join(spec.aliases)}  {spec.summary}", spec.alias)
            for spec in all_panes()
            if spec.alias != current
        ]

    async def discover(self) -> Hits:
        for title, help_text, alias in self._entries():
            yield DiscoveryHit(title, partial(self._jump, alias), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, alias in self._entries():
            score = max(matcher.match(title), matcher.match(help_text) * 0.8)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self._jump, alias), help=help_text
                )

    def _jump(self, alias: str) -> None:
        jump = getattr(self.app, "jump", None)
        if callable(jump):
            jump(alias)


class ScreenCommandsProvider(Provider):
    """The active screen's own actions (add target, test target, filter rows...)."""

    def _commands(self) -> list[tuple[str, str, str]]:
        offered = getattr(self.screen, "palette_commands", None)
        if not callable(offered):
            return []
        return [(c.title, c.help, c.action) for c in offered()]

    async def discover(self) -> Hits:
        for title, help_text, action in self._commands():
            yield DiscoveryHit(title, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self._run, action), help=help_text
                )

    async def _run(self, action: str) -> None:
        await self.screen.run_action(action)
