"""A target slot works from the hooks it is handed: no manager needed to guard, audit, publish."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from vconsole.audit import AuditLog
from vconsole.config import TargetConfig
from vconsole.errors import ReadOnlyRefused, TargetUnreachable
from vconsole.sessions.pool import LifoThreadPool
from vconsole.sessions.results import Health, TargetState, TrustPrompt
from vconsole.sessions.slot import SlotHooks, TargetSlot


async def _refuse(prompt: TrustPrompt) -> bool:
    return False


def _slot(tmp_path: Path, read_only_by: str | None, published: list[TargetState]) -> TargetSlot:
    hooks = SlotHooks(
        executor=ThreadPoolExecutor(max_workers=1),
        audit=AuditLog(tmp_path / "audit.jsonl"),
        per_host_limit=2,
        read_only_by=lambda: read_only_by,
        publish=published.append,
        confirm=_refuse,
        password=lambda target: f"pw-of-{target.name}",
        api_token=lambda target: "",
        forget=lambda name, token: None,
        pin=lambda target, thumbprint: None,
    )
    return TargetSlot(hooks, TargetConfig("vcd01", "vcd", "vcd.example", user="admin"))


async def test_a_read_only_run_refuses_a_write_before_any_io_and_audits_it(tmp_path: Path):
    slot = _slot(tmp_path, "profile 'prod'", [])
    slot.guard("vcd", "GET /cloudapi/branding", mutating=False)  # reads pass
    with pytest.raises(ReadOnlyRefused, match="profile 'prod' is read-only"):
        slot.guard("vcd", "PUT /cloudapi/branding", mutating=True)
    [record] = slot.hooks.audit.read()
    assert (record.what, record.outcome) == (
        "PUT /cloudapi/branding",
        "refused: profile 'prod' is read-only",
    )
    assert await slot.password() == "pw-of-vcd01"


def test_health_changes_reach_the_listener_and_repeated_failures_back_off(tmp_path: Path):
    published: list[TargetState] = []
    slot = _slot(tmp_path, None, published)
    slot.guard("vcd", "PUT /cloudapi/branding", mutating=True)  # not read-only: allowed
    slot.mark_down("connection refused")
    slot.check_backoff()  # the first retry is immediate
    slot.mark_down("timed out")
    with pytest.raises(TargetUnreachable, match="next retry in"):
        slot.check_backoff()
    slot.mark_ok()
    assert [(s.health, s.failures) for s in published] == [
        (Health.DOWN, 1),
        (Health.DOWN, 2),
        (Health.OK, 0),
    ]


def _pool_slot(tmp_path: Path, pool: LifoThreadPool) -> TargetSlot:
    slot = _slot(tmp_path, None, [])
    return TargetSlot(replace(slot.hooks, executor=pool), slot.target)


async def test_pool_calls_answer_the_loop_with_results_errors_and_cancels(tmp_path: Path):
    # the session pool answers the loop's future itself: each outcome must still arrive
    pool = LifoThreadPool(1)
    slot = _pool_slot(tmp_path, pool)
    a, b, ident = await slot.in_executor(lambda a, b: (a, b, threading.get_ident()), 1, b=2)
    assert (a, b) == (1, 2) and ident != threading.get_ident()
    with pytest.raises(ZeroDivisionError):
        await slot.in_executor(lambda: 1 / 0)
    gate, ran = threading.Event(), []
    busy = asyncio.ensure_future(slot.in_executor(gate.wait, 20))
    queued = asyncio.ensure_future(slot.in_executor(ran.append, "queued"))
    await asyncio.sleep(0)  # both handed to the pool: one running, one waiting for the thread
    queued.cancel()  # the caller goes away before a thread is free: it never runs
    gate.set()
    assert await busy is True
    with pytest.raises(asyncio.CancelledError):
        await queued
    assert await slot.in_executor(ran.append, "after") is None and ran == ["after"]
    gate.clear()
    busy = asyncio.ensure_future(slot.in_executor(gate.wait, 20))
    queued = asyncio.ensure_future(slot.in_executor(ran.append, "never"))
    await asyncio.sleep(0)
    pool.shutdown(wait=False, cancel_futures=True)  # the waiting caller hears it was cancelled
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(queued, 20)
    gate.set()
    assert await busy is True and ran == ["after"]
