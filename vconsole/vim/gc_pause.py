"""Garbage collection held back while big answers are read or big refreshes build their rows.

Reading 45,000 VMs makes some 200,000 long-lived objects (property maps, references, rows).
CPython runs a full collection each time the long-lived objects grow by a quarter, walking all
of them: about a quarter of the load's CPU. These objects form no cycles (reference counting
frees them), so while any streamed read is in progress full collections wait; young
collections still run, and the first full collection after the last read ends does the work.

A refresh that replaces every row (20,000 paths at 1,000 hosts) grows the long-lived objects by
more than a quarter each time, so CPython would walk them all right after each refresh, while
the admin waits for the next. Such a refresh defers that full collection (`defer_full_collection`)
to the idle collector's next quiet moment, and at the latest `MAX_DEFER_S` later.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Callable, Iterator

_POSTPONED = 1_000_000
"""Young-generation collections between full ones while a read is in progress (never, in effect)."""
MAX_DEFER_S = 300.0
"""A deferred full collection waits this long at most, even while the admin never stops typing
(the idle collector then runs it anyway, or the next deferring refresh does)."""

_lock = threading.Lock()
_readers = 0
_deferred_at: float | None = None  # when the first deferring refresh ended, if still pending
_saved: tuple[int, int, int] | None = None


def _apply() -> None:
    """Postpone full collections while a read runs or one is deferred; restore them after.
    Called under `_lock`."""
    global _saved
    wanted = _readers > 0 or _deferred_at is not None
    if wanted and _saved is None:
        _saved = gc.get_threshold()
        gc.set_threshold(_saved[0], _saved[1], _POSTPONED)
    elif not wanted and _saved is not None:
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, _saved[2])
        _saved = None


@contextlib.contextmanager
def full_collections_postponed() -> Iterator[None]:
    """Within this block (any number at once, from any thread), no full collection starts."""
    global _readers
    with _lock:
        _readers += 1
        _apply()
    try:
        yield
    finally:
        with _lock:
            _readers -= 1
            _apply()


def held_back() -> bool:
    """True while some streamed read holds full collections back."""
    return _readers > 0


def defer_full_collection(clock: Callable[[], float] = time.monotonic) -> None:
    """A refresh has just made its rows: the full collection they would set off waits for
    `collect_deferred` (the idle collector's). If one has waited `MAX_DEFER_S` already, it
    runs now, so cyclic garbage is freed at a bounded point even with no quiet moment."""
    global _deferred_at
    if overdue(clock):
        collect_deferred()
    with _lock:
        if _deferred_at is None:
            _deferred_at = clock()
        _apply()


def deferred() -> bool:
    """True while a full collection some refresh deferred has not run yet."""
    return _deferred_at is not None


def overdue(clock: Callable[[], float] = time.monotonic) -> bool:
    """A deferred full collection has waited `MAX_DEFER_S` or more."""
    since = _deferred_at
    return since is not None and clock() - since >= MAX_DEFER_S


def collection_done() -> None:
    """A full collection has run: nothing is deferred any more."""
    global _deferred_at
    with _lock:
        _deferred_at = None
        _apply()


def collect_deferred() -> int:
    """The full collection refreshes deferred (or any full collection), now."""
    found = gc.collect()
    collection_done()
    return found


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic collector waits while a refresh builds its rows (20,000 paths at 1,000
    hosts), which all outlive it: collecting meanwhile walks the growing heap again and again
    and frees nothing, about half the CPU of joining and judging. For synchronous blocks only."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
