"""The MTU pane's confirmation before a saved pair leaves its test set."""

from __future__ import annotations

from textual.binding import Binding

from screens.confirm import ConfirmChoice
from screens.mtu_cells import _column
from vconsole.models.mtu import MtuTest, TestSet
from vconsole.services.mtu import expand_set


def saved_entry(
    sets: list[TestSet], host: str, column: str
) -> tuple[TestSet, MtuTest, list[str]] | None:
    """The saved entry (and its set) that puts a pair in the cell (host, column), with every
    matrix pair that entry stands for; None when no saved entry does."""
    for test_set in sets:
        for entry in test_set.tests:
            one = TestSet(test_set.name, (entry,), test_set.hosts)
            pairs = [f"{t.host} {_column(t)}" for t in expand_set(one)]
            if f"{host} {column}" in pairs:
                return test_set, entry, pairs
    return None


class DeleteConfirm(ConfirmChoice):
    """Asks before deleting a saved pair or set; returns "delete" or None. Lists every matrix
    pair that goes, since one `*` entry fans out over the set's hosts."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="mtu_delete.cancel", tooltip="Keep it.")]

    def __init__(self, question: str, pairs: list[str]) -> None:
        shown = pairs[:6] + ([f"... and {len(pairs) - 6} more"] if len(pairs) > 6 else [])
        super().__init__(
            question,
            f"{len(pairs)} matrix pair(s) leave the saved set:",
            shown,
            suggested="delete",
            suggested_label="Delete",
        )
