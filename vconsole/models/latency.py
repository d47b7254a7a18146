"""Latency windows: a path's or device's millisecond samples over vCenter's query window.

Rows keep a window as one tuple of floats, p50/p95/max first (`pack`), which the cyclic
collector does not track; `WindowField` hands it out as a `LatencyWindow` when read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from vconsole.models.common import named_json


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p50 of 15 samples is the 8th smallest)."""
    return _nearest_rank(sorted(values), pct)


def _nearest_rank(ordered: Sequence[float], pct: float) -> float:
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


Packed = tuple[float, ...]
"""A window as rows keep it: (p50, p95, max, *samples)."""


class LatencyWindow:
    """Millisecond samples over the query window, oldest first; missing samples left out.

    Held as one tuple of floats, p50/p95/max first (one sort per window, read many times: each
    path is compared with its siblings). Rows keep that tuple, not this object (`WindowField`): the
    cyclic collector stops tracking a tuple of floats, but walks every instance at each
    collection, and a refresh at 1,000 hosts makes 50,000 windows."""

    __slots__ = ("packed",)
    packed: Packed

    def __init__(self, samples: Sequence[float]) -> None:
        object.__setattr__(self, "packed", pack(tuple(samples)))

    @classmethod
    def of(cls, values: Sequence[float]) -> LatencyWindow | None:
        packed = pack_values(values)
        return None if packed is None else cls.unpacked(packed)

    @classmethod
    def unpacked(cls, packed: Packed) -> LatencyWindow:
        window = cls.__new__(cls)
        object.__setattr__(window, "packed", packed)
        return window

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"LatencyWindow is read-only: cannot set {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LatencyWindow):
            return NotImplemented
        return self.packed[3:] == other.packed[3:]

    def __hash__(self) -> int:
        return hash(self.packed[3:])

    def __repr__(self) -> str:
        return f"LatencyWindow(samples={self.samples!r})"

    @property
    def samples(self) -> tuple[float, ...]:
        return self.packed[3:]

    @property
    def p50(self) -> float:
        return self.packed[0]

    @property
    def p95(self) -> float:
        return self.packed[1]

    @property
    def max(self) -> float:
        return self.packed[2]

    @property
    def last(self) -> float:
        return self.packed[-1]

    def as_json(self) -> dict[str, Any]:
        return named_json(self, "p50 p95 max last samples")


def pack(samples: tuple[float, ...]) -> Packed:
    """A window of at least one sample as rows keep it. _nearest_rank for 50 and 95 looked up
    by length (`_RANKS`): both ranks are within 1..len for any length."""
    ordered = sorted(samples)
    n = len(ordered)
    p50, p95 = _RANKS[n] if n < _RANKED else _ranks(n)
    return (ordered[p50], ordered[p95], ordered[-1], *samples)


def _ranks(n: int) -> tuple[int, int]:
    """The positions of p50 and p95 (nearest rank) in `n` sorted samples."""
    return math.ceil(0.5 * n) - 1, math.ceil(0.95 * n) - 1


_RANKED = 64  # windows up to this length (the usual one is 15) find their ranks in a table
_RANKS = (  # 50,000 windows a refresh: two ceil() each saved
    (0, 0),
    *(_ranks(n) for n in range(1, _RANKED)),
)


def pack_values(values: Sequence[float]) -> Packed | None:
    """`pack` of the samples that are there (gaps: -1, None, NaN left out); None if none is."""
    try:  # the usual window has no gap: nothing to leave out, so no Python per sample
        whole = min(values) >= 0
        if whole:
            total = sum(values)
            whole = total == total  # a NaN sum: a NaN sample to leave out
    except (TypeError, ValueError):  # a None among the values, or no values
        whole = False
    if whole:
        samples = tuple(map(float, values))
        ordered = sorted(samples)
        n = len(ordered)
        p50, p95 = _RANKS[n] if n < _RANKED else _ranks(n)
        return (ordered[p50], ordered[p95], ordered[-1], *samples)  # pack, spelled out
    kept = tuple([float(v) for v in values if v is not None and v >= 0])
    return pack(kept) if kept else None


READ_PACKED, WRITE_PACKED = attrgetter("_read"), attrgetter("_write")  # a row's packed windows


class WindowField:
    """A row's latency field: set from a LatencyWindow (or a packed one, as the join makes
    them), kept packed, read back as a LatencyWindow; no window is None."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = "_" + name

    def __get__(self, obj: object, owner: type | None = None) -> LatencyWindow | None:
        if obj is None:
            return None  # the dataclass field's default
        packed = getattr(obj, self.key)
        return None if packed is None else LatencyWindow.unpacked(packed)

    def __set__(self, obj: object, value: LatencyWindow | Packed | None) -> None:
        if value is None or type(value) is tuple:
            object.__setattr__(obj, self.key, value)
        else:
            object.__setattr__(obj, self.key, value.packed)  # type: ignore[union-attr]


def window_json(window: LatencyWindow | None) -> dict[str, Any] | None:
    return None if window is None else window.as_json()
