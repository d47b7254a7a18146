"""What the QueryPerf readers give: one entity's samples and series, or UnreadablePerf."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class UnreadablePerf(Exception):
    """The answer is not one the console's readers read exactly (the reason says where)."""


class PerfSeries(NamedTuple):
    """One counter of one instance: a tuple, as a cadence answer holds tens of thousands."""

    counter_id: int
    instance: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class EntityMetrics:
    """One `returnval`: the entity's moid, its samples' epoch seconds (oldest first), series."""

    entity: str
    timestamps: tuple[float, ...]
    series: tuple[PerfSeries, ...]
