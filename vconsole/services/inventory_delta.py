"""What one batch of objects or changes did to a vCenter's rows, as the pane applies it."""

from __future__ import annotations

from dataclasses import dataclass, field

from vconsole.models.inventory import InventoryRow


@dataclass
class RowDelta:
    """Rows to add or replace, and keys of rows to drop, after one batch."""

    upserts: dict[str, InventoryRow] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.upserts or self.removed)

    def merge(self, other: RowDelta) -> None:
        for key in other.upserts:
            self.removed.discard(key)
        self.upserts.update(other.upserts)
        for key in other.removed:
            self.upserts.pop(key, None)
        self.removed |= other.removed
