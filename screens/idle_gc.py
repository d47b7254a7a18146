"""A full garbage collection once a minute while nobody is at the keyboard.

Background refreshes leave garbage in reference cycles (table rows rebuilt with their render
caches, pyVmomi results, finished workers) that only a full collection frees. Python runs one
when the objects that survived the younger generations exceed a quarter of the long-lived ones;
a console holds ~250k, so that is many minutes of refreshes, and the heap grows in between and
stays fragmented after. Collecting while idle keeps the pile one minute deep.
"""

from __future__ import annotations

import gc
import time
from typing import TYPE_CHECKING

from textual import events

if TYPE_CHECKING:
    from textual.app import App

    _App = App[int]
else:
    _App = object

IDLE_COLLECT_S = 60.0
_INPUT = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)


class IdleCollect(_App):
    """Mix into the App (before App); call `arm_idle_collect` once mounted."""

    _last_input: float = 0.0

    def arm_idle_collect(self) -> None:
        self._last_input = time.monotonic()
        self.set_interval(IDLE_COLLECT_S, self.collect_when_idle)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, _INPUT):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def collect_when_idle(self) -> bool:
        """Collect unless a key or the mouse was used within the last interval (a full
        collection takes ~0.1 s, a stall a typing admin would notice)."""
        if time.monotonic() - self._last_input < IDLE_COLLECT_S:
            return False
        gc.collect()
        return True
