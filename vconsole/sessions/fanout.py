"""Bounded-concurrency fan-out: one operation over many targets, each with its own outcome.

A semaphore bounds how many targets are in flight; a slow or dead target holds one slot until
its own timeout and never delays the others beyond that bound. Errors are results, not raises.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from vconsole.sessions.results import FanOutResult

T = TypeVar("T")
Progress = Callable[[int, int, FanOutResult[T]], None]


async def _one(
    op: Callable[[str], Awaitable[T]], name: str, gate: asyncio.Semaphore, timeout: float | None
) -> FanOutResult[T]:
    async with gate:
        started = time.monotonic()
        try:
            if timeout is None:
                value = await op(name)
            else:
                value = await asyncio.wait_for(op(name), timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return FanOutResult(name, None, exc, time.monotonic() - started)
        return FanOutResult(name, value, None, time.monotonic() - started)


async def fan_out_iter(
    op: Callable[[str], Awaitable[T]],
    names: list[str],
    limit: int,
    on_progress: Progress[T] | None = None,
    timeout: float | None = None,
) -> AsyncIterator[FanOutResult[T]]:
    """Yield results as they complete; closing the iterator early cancels what is still running."""
    gate = asyncio.Semaphore(max(1, limit))
    tasks = [asyncio.ensure_future(_one(op, name, gate, timeout)) for name in names]
    try:
        for done, next_result in enumerate(asyncio.as_completed(tasks), start=1):
            result = await next_result
            if on_progress is not None:
                on_progress(done, len(names), result)
            yield result
    finally:
        pending = [t for t in tasks if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


async def fan_out(
    op: Callable[[str], Awaitable[T]],
    names: list[str],
    limit: int,
    on_progress: Progress[T] | None = None,
    timeout: float | None = None,
) -> list[FanOutResult[T]]:
    by_name: dict[int, FanOutResult[T]] = {}
    order: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        order.setdefault(name, []).append(index)
    async for result in fan_out_iter(op, names, limit, on_progress, timeout):
        by_name[order[result.target].pop(0)] = result
    return [by_name[i] for i in range(len(names))]
