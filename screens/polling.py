"""Poll, render, reschedule: the refresh loop the live panes (LAG, paths, GPU pool) share.

The next poll is scheduled only after a refresh ended, so a slow estate never stacks refreshes;
a due poll is put off while the pane is paused, still busy, or covered by a dialog or pane.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.timer import Timer

if TYPE_CHECKING:
    from screens.base import ConsoleScreen as _Pane
else:
    _Pane = object

ReportT = TypeVar("ReportT")


class PollingPane(Generic[ReportT], _Pane):
    """Mix into a pane screen (before its base) that has a report, `show_report` and `_status`."""

    interval_s: float
    paused: bool = False
    report: ReportT | None
    _timer: Timer | None = None
    _busy: bool = False

    def poll_refresh(self) -> None:
        """Start this pane's refresh worker; called when a scheduled poll is due."""
        raise NotImplementedError

    def show_report(self, report: ReportT) -> None:
        raise NotImplementedError

    def _status(self, text: str) -> None:
        raise NotImplementedError

    async def refreshed(self, refresh: Awaitable[ReportT]) -> ReportT:
        """Await one refresh with the pane marked busy; the next poll is scheduled either way."""
        self._busy = True
        try:
            return await refresh
        finally:
            self._busy = False
            self._schedule()

    def host_progress(self, total: int) -> Callable[[int, int], None]:
        """A progress callback that shows "Asking hosts: done/total" every tenth host and at the end."""

        def progress(done: int, _total: int) -> None:
            if done % 10 == 0 or done == total:
                self._status(f"Asking hosts: {done}/{total}")

        return progress

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.interval_s, self._poll)

    def _poll(self) -> None:
        if self.paused or self._busy or self.app.screen is not self:
            self._schedule()
            return
        self.poll_refresh()

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self.notify("Automatic refresh paused" if self.paused else "Automatic refresh resumed")
        if self.report is not None:
            self.show_report(self.report)
