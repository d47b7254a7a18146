"""Full collections while the console is idle: only after the keyboard has been quiet, at most
once per interval, never while a streamed read holds them back; and they free what refreshes
left in reference cycles. The console routes every key to the collector."""

from __future__ import annotations

import gc
import threading
import weakref

from hypothesis import given, settings
from hypothesis import strategies as st
from shell_helpers import console, isolate_dirs

from vconsole.idle_collect import IdleCollector
from vconsole.vim import gc_pause


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


steps = st.lists(
    st.tuples(st.sampled_from(["key", "tick"]), st.floats(min_value=0.0, max_value=40.0)),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(steps)
def test_collects_exactly_when_quiet_and_due(plan: list[tuple[str, float]]) -> None:
    clock, done = Clock(), []
    collector = IdleCollector(
        every_s=60.0, quiet_s=10.0, clock=clock, collect=lambda: done.append(clock.now)
    )
    last_key = last_collect = clock.now
    for kind, wait in plan:
        clock.now += wait
        if kind == "key":
            collector.input_seen()
            last_key = clock.now
            continue
        due = clock.now - last_key >= 10.0 and clock.now - last_collect >= 60.0
        assert collector.tick() is due
        if due:
            last_collect = clock.now
    assert all(b - a >= 60.0 for a, b in zip(done, done[1:], strict=False))
    assert collector.collections == len(done)


def test_waits_while_a_streamed_read_holds_full_collections_back() -> None:
    clock, done = Clock(), []
    collector = IdleCollector(clock=clock, collect=lambda: done.append(clock.now))
    clock.now += 120.0
    started, finish = threading.Event(), threading.Event()

    def reader() -> None:
        with gc_pause.full_collections_postponed():
            started.set()
            finish.wait(5)

    t = threading.Thread(target=reader)
    t.start()
    started.wait(5)
    try:
        assert collector.tick() is False
    finally:
        finish.set()
        t.join()
    assert collector.tick() is True
    assert done == [clock.now]


def test_a_due_collection_frees_garbage_left_in_cycles() -> None:
    class Node:
        other: object

    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    clock = Clock()
    collector = IdleCollector(clock=clock)
    was = gc.isenabled()
    gc.disable()  # no automatic collection may get there first
    try:
        assert gone() is not None
        clock.now += 61.0
        gc.enable()
        assert collector.tick() is True
    finally:
        if not was:
            gc.disable()
    assert gone() is None


async def test_the_console_counts_a_key_as_activity(tmp_path, monkeypatch) -> None:
    isolate_dirs(monkeypatch, tmp_path)
    app = console(tmp_path)
    clock = Clock()
    async with app.run_test(size=(80, 24)) as pilot:
        app.idle_collector = IdleCollector(clock=clock, collect=lambda: None)
        clock.now += 120.0
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.idle_collector.tick() is False  # a key a moment ago
        clock.now += 11.0
        assert app.idle_collector.tick() is True
