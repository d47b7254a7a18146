"""A full garbage collection while the admin is away from the keyboard, once a minute at most.

A console left open makes cyclic garbage at every background refresh (Textual's widgets, render
caches and rows refer to each other). CPython frees it only at a full collection, which comes
when the long-lived objects have grown by a quarter: every 4-5 minutes on the default lab, by
which time Python has taken new arenas for the garbage. It keeps an arena while any block in it
is alive, so the console's memory crept up by each of those peaks. Collecting every minute keeps
the peak low. The collection walks every object (0.1-0.2 s on the default lab), so it waits
until no key has come for `quiet_s` and no streamed read is in progress. It is also the
full collection big refreshes defer (`gc_pause.defer_full_collection`); one deferred for
`gc_pause.MAX_DEFER_S` runs at the next tick even while keys keep coming, so garbage in cycles
is freed at a bounded point.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from vconsole.vim import gc_pause

EVERY_S = 60.0
QUIET_S = 10.0


class IdleCollector:
    """Decides, at each `tick`, whether now is the time for a full collection, and runs it."""

    def __init__(
        self,
        every_s: float = EVERY_S,
        quiet_s: float = QUIET_S,
        clock: Callable[[], float] = time.monotonic,
        collect: Callable[[], object] = gc.collect,
    ) -> None:
        self.every_s, self.quiet_s = every_s, quiet_s
        self._clock, self._collect = clock, collect
        now = clock()
        self._last_input = now
        self._last_collect = now
        self.collections = 0

    def input_seen(self) -> None:
        """The admin pressed a key (or clicked): the next collection waits for quiet again."""
        self._last_input = self._clock()

    def tick(self) -> bool:
        """Collect if the keyboard has been quiet long enough and the last collection is old
        enough (or a deferred collection is overdue), and neither a streamed read nor a
        refresh holds collections back."""
        now = self._clock()
        quiet = now - self._last_input >= self.quiet_s and now - self._last_collect >= self.every_s
        if not (quiet or gc_pause.overdue(self._clock)):
            return False
        if gc_pause.held_back() or not gc.isenabled():
            return False
        self._collect()
        gc_pause.collection_done()
        self._last_collect = self._clock()
        self.collections += 1
        return True
