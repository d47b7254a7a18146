"""A re-read that finds what a cache already holds keeps the objects it held.

The five-minute re-reads of vCenter (LAGs, the multipath layout, the GPU servers' placement)
build their results amid the read's transient objects. Kept in the cache, a fresh result pins
the Python arenas the read took while the rest of them empties, so an idle console's memory
stepped up at each re-read. An equal result is dropped with the read's transients instead, and
the cached objects, made where memory had settled, stay.
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")
K = TypeVar("K")


def kept_if_equal(old: T | None, new: T) -> T:
    """`old` when it equals `new` (the same content), else `new`."""
    return old if old is not None and old == new else new


def kept_refs(old: dict[K, T] | None, new: dict[K, T]) -> dict[K, T]:
    """Managed-object references: `old` when every one names the same object through the same
    connection (pyVmomi compares only the ids; a reference carries the stub it calls through)."""
    if old is None or old != new:
        return new
    same_stub = all(
        getattr(old[k], "_stub", None) is getattr(v, "_stub", None) for k, v in new.items()
    )
    return old if same_stub else new
