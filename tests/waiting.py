"""Waiting in tests: on a condition, polled until a deadline, never on a guessed sleep.

A test that sleeps "long enough" is slow on a quiet machine and flaky on a busy one; these
return as soon as the condition holds and fail, naming what was awaited, when it never does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

POLL_S = 0.01


class ManualClock:
    """A clock the test moves by hand, for parts that take a `clock` (token expiry, GPU churn
    epochs, first-seen times)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Return once `predicate()` is true; AssertionError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(POLL_S)


async def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    """The event-loop form: True once `predicate()` holds, False at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True
