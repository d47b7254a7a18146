"""A DataTable that drops its render caches once its content has changed.

Textual's DataTable keys its cell, row and line render caches by an update count that every
changed cell, added or removed row, sort or resize bumps. Entries of an older count are never
read again, yet they stay until the caches' bounds (10,000 cells, 1,000 rows and lines) push
them out: a pane whose background refresh changes one cell every few minutes keeps a screenful
of stale segments per refresh, and the console's memory grows for hours. Here they are dropped
at the first render after a change, so the caches hold only what the screen shows now.
"""

from __future__ import annotations

from typing import TypeVar

from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable

CellT = TypeVar("CellT")


class LeanDataTable(DataTable[CellT]):
    """A DataTable whose render caches hold only entries of its current content."""

    _caches_of: int = -1  # the update count the render caches were filled for

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._update_count != self._caches_of:
            self._caches_of = self._update_count
            self._drop_stale_renders()
        return super().render_lines(crop)

    def _drop_stale_renders(self) -> None:
        """Empty the caches whose keys hold the update count (the others stay valid)."""
        for cache in (
            self._cell_render_cache,
            self._row_render_cache,
            self._row_renderable_cache,
            self._line_cache,
        ):
            cache.clear()
