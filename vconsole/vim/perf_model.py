"""What the QueryPerf readers give: one entity's samples and series, or UnreadablePerf."""

from __future__ import annotations

from dataclasses import dataclass


class UnreadablePerf(Exception):
    """The answer is not one the console's readers read exactly (the reason says where)."""


@dataclass(frozen=True)
class PerfSeries:
    counter_id: int
    instance: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class EntityMetrics:
    """One `returnval`: the entity's moid, its samples' epoch seconds (oldest first), series."""

    entity: str
    timestamps: tuple[float, ...]
    series: tuple[PerfSeries, ...]
