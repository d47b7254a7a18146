"""Garbage collection held back while big answers are read or big refreshes build their rows.

Reading 45,000 VMs makes some 200,000 long-lived objects (property maps, references, rows).
CPython runs a full collection each time the long-lived objects grow by a quarter, walking all
of them: about a quarter of the load's CPU. These objects form no cycles (reference counting
frees them), so while any streamed read is in progress full collections wait; young
collections still run, and the first full collection after the last read ends does the work.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_POSTPONED = 1_000_000
"""Young-generation collections between full ones while a read is in progress (never, in effect)."""

_lock = threading.Lock()
_readers = 0
_saved: tuple[int, int, int] | None = None


@contextlib.contextmanager
def full_collections_postponed() -> Iterator[None]:
    """Within this block (any number at once, from any thread), no full collection starts."""
    global _readers, _saved
    with _lock:
        if _readers == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(_saved[0], _saved[1], _POSTPONED)
        _readers += 1
    try:
        yield
    finally:
        with _lock:
            _readers -= 1
            if _readers == 0 and _saved is not None:
                young, middle, _ = gc.get_threshold()
                gc.set_threshold(young, middle, _saved[2])
                _saved = None


def held_back() -> bool:
    """True while some streamed read holds full collections back."""
    return _readers > 0


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
