"""What the per-pane snapshots share: wait for the pane's data, then blank what the clock moves.

Status lines carry the time of the refresh and how long it took; they are replaced by a fixed
line so a snapshot shows only what the lab's fixed data decides.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static

STEADY = "(status line left out: it shows the time)"


async def settle(pilot: Any, ready: Any, what: str, tries: int = 300, live: bool = False) -> None:
    """Wait until `ready()`, then for the pane's workers to end (not for a `live` pane: its
    watch never ends)."""
    for _ in range(tries):
        await pilot.pause(0.05)
        if ready():
            break
    else:
        raise AssertionError(f"never: {what}")
    if not live:
        await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.3 if live else 0)


async def steady(pilot: Any) -> None:
    screen = pilot.app.screen
    for widget in screen.query(Static):
        if (widget.id or "").endswith("-status"):
            widget.update(STEADY)
    for field in screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


async def filter_rows(pilot: Any, text: str) -> None:
    """Type a filter and keep it: the filter line stays visible under the table."""
    await pilot.press("slash", *text, "enter")
    await pilot.pause()
