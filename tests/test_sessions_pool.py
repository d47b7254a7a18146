"""The session manager's thread pool: idle work stays on few threads, a fan-out still grows it,
and the threads a fan-out added end once idle (so a console left open does not keep them)."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sessions_helpers import accept_all, make_manager, running_sshd, ssh_target
from waiting import wait_until

from vconsole.sessions import Command
from vconsole.sessions.pool import LifoThreadPool


def _burst(pool: LifoThreadPool, width: int) -> set[int]:
    """`width` calls that all wait for each other, so each holds its own thread at once."""
    barrier = threading.Barrier(width, timeout=20)
    return set(pool.map(lambda _: (barrier.wait(), threading.get_ident())[1], range(width)))


@settings(max_examples=15, deadline=None)
@given(width=st.integers(2, 24), calls=st.integers(1, 40))
def test_one_call_at_a_time_after_a_burst_runs_on_one_thread(width, calls):
    pool = LifoThreadPool(64)
    try:
        assert len(_burst(pool, width)) == width
        ran_on = {pool.submit(threading.get_ident).result(timeout=20) for _ in range(calls)}
        assert len(ran_on) == 1
        assert pool.thread_count == width  # the burst's threads were reused, none added
    finally:
        pool.shutdown()


@settings(max_examples=10, deadline=None)
@given(max_workers=st.integers(1, 8), calls=st.integers(1, 30))
def test_at_most_max_workers_threads_and_every_call_answered_in_order(max_workers, calls):
    pool = LifoThreadPool(max_workers)
    gate = threading.Event()
    try:
        futures = [pool.submit(lambda i=i: (gate.wait(20), i)[1]) for i in range(calls)]
        assert pool.thread_count == min(max_workers, calls)
        gate.set()
        assert [f.result(timeout=20) for f in futures] == list(range(calls))
    finally:
        pool.shutdown()


def test_threads_idle_longer_than_idle_exit_end_and_the_pool_grows_again():
    pool = LifoThreadPool(16, idle_exit=0.1)
    try:
        _burst(pool, 8)
        wait_until(lambda: pool.thread_count == 0, "the burst's threads to end")
        assert len(_burst(pool, 4)) == 4
    finally:
        pool.shutdown()


@settings(max_examples=10, deadline=None)
@given(pauses=st.lists(st.floats(0, 0.003), min_size=20, max_size=60))
def test_a_call_submitted_as_the_only_thread_ends_on_idle_is_still_answered(pauses):
    pool = LifoThreadPool(1, idle_exit=0.001)
    try:
        for i, pause in enumerate(pauses):
            assert pool.submit(lambda i=i: i).result(timeout=20) == i
            threading.Event().wait(pause)  # around the thread's idle end
    finally:
        pool.shutdown()


def test_errors_reach_the_caller_and_shutdown_cancels_what_waits():
    pool = LifoThreadPool(1)
    with pytest.raises(ZeroDivisionError):
        pool.submit(lambda: 1 / 0).result(timeout=20)
    gate = threading.Event()
    running = pool.submit(gate.wait, 20)
    queued = pool.submit(threading.get_ident)
    pool.shutdown(wait=False, cancel_futures=True)
    assert queued.cancelled()
    with pytest.raises(RuntimeError, match="after shutdown"):
        pool.submit(threading.get_ident)
    gate.set()
    assert running.result(timeout=20) is True
    wait_until(lambda: pool.thread_count == 0, "the pool's last thread to end")


class _Answer:
    """A call's result the test can watch die (a weak reference to it)."""


@settings(max_examples=10, deadline=None)
@given(width=st.integers(1, 8))
def test_threads_kept_for_later_calls_keep_nothing_of_the_calls_they_made(width):
    """A thread waits for the next call (up to `idle_exit`), or runs refresh after refresh;
    its first call's function, arguments and result must not live as long as it does."""
    pool = LifoThreadPool(8)
    try:
        answers = [weakref.ref(a) for a in pool.map(lambda _: _Answer(), range(width))]
        first = weakref.ref(pool.submit(_Answer).result(timeout=20))
        assert pool.thread_count >= 1
        wait_until(
            lambda: gc.collect() >= 0 and all(r() is None for r in [*answers, first]),
            "every answer to be freed while the threads wait for more",
        )
        assert pool.thread_count >= 1  # still there for the next refresh
    finally:
        pool.shutdown()


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


async def test_manager_refreshes_after_a_fan_out_run_on_one_thread(sshd, tmp_path):
    targets = [ssh_target(sshd, name=f"esx{i:02}") for i in range(6)]
    mgr = make_manager(tmp_path, targets, confirm=accept_all)
    pool = mgr.executor
    ran_on: set[int] = set()
    submit, call = pool.submit, pool.call

    def spied(fn, /, *args, **kwargs):  # records the pool thread each blocking call runs on
        return submit(lambda: (ran_on.add(threading.get_ident()), fn(*args, **kwargs))[1])

    def spied_call(run, cancel):  # the same for calls answered straight into the event loop
        return call(lambda: (ran_on.add(threading.get_ident()), run())[1], cancel)

    pool.submit, pool.call = spied, spied_call
    try:

        async def uname(name: str) -> str:
            return (await mgr.run(name, Command.of("uname"))).stdout.strip()

        await mgr.fan_out(uname, [t.name for t in targets], limit=6)
        after_fan_out = pool.thread_count
        assert len(ran_on) == after_fan_out >= 2  # the fan-out held several threads at once
        ran_on.clear()
        for _ in range(3):  # a pane's refresh: one host after another
            for t in targets:
                assert await uname(t.name)
        assert len(ran_on) == 1
        assert pool.thread_count == after_fan_out
    finally:
        await mgr.close()
