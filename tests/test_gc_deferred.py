"""The full collection a big refresh's rows would set off waits for the idle collector, and yet
cyclic garbage is freed at a bounded point: when the keyboard goes quiet, or `MAX_DEFER_S` after
the first deferring refresh even if keys never stop (at the idle collector's next tick, or
without a console at the next refresh)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lab_fixtures import esxi_fixture
from lacp_helpers import lab_manager

from vconsole.idle_collect import IdleCollector
from vconsole.lab.scenario import default_scenario
from vconsole.services.paths import PathsService
from vconsole.vim import gc_pause

TICK_S = 10.0  # the console ticks its idle collector this often


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


class Node:
    other: object


def long_lived_cycle() -> weakref.ref[Node]:
    """A reference cycle that reached the oldest generation before it became garbage, as
    Textual's widgets and render caches do: only a full collection frees it."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    gc.collect(1)  # alive now: the young collections move it to the oldest generation
    gone = weakref.ref(a)
    del a, b
    return gone


@pytest.fixture
def clean() -> Iterator[None]:
    gc.collect()
    gc_pause.collection_done()
    before = gc.get_threshold()
    yield
    gc_pause.collection_done()
    assert gc.get_threshold() == before


def test_a_deferral_postpones_full_collections_until_the_idle_collector_runs(clean) -> None:
    normal = gc.get_threshold()
    clock = Clock()
    collector = IdleCollector(clock=clock)
    gone = long_lived_cycle()
    gc_pause.defer_full_collection(clock)
    assert gc.get_threshold()[:2] == normal[:2] and gc.get_threshold()[2] > 1000
    clock.now += 5.0
    collector.input_seen()
    clock.now += 5.0
    assert collector.tick() is False  # a key 5 s ago, nothing overdue: the garbage waits
    assert gone() is not None and gc_pause.deferred()
    clock.now += 60.0
    assert collector.tick() is True
    assert gone() is None and not gc_pause.deferred()
    assert gc.get_threshold() == normal


refreshes = st.lists(
    st.tuples(st.floats(min_value=1.0, max_value=40.0), st.booleans()), min_size=1, max_size=40
)


@settings(max_examples=40, deadline=None)
@given(refreshes)
def test_with_keys_always_coming_garbage_is_freed_within_the_bound(plan) -> None:
    """Refreshes at any cadence, a key every second, the idle collector ticking every 10 s:
    no long-lived cycle outlives the first deferral pending with it by more than
    MAX_DEFER_S and a tick, and a deferral never waits longer either."""
    gc.collect()
    gc_pause.collection_done()
    clock = Clock()
    collector = IdleCollector(clock=clock)
    alive: list[tuple[float, weakref.ref[Node]]] = []
    next_tick = clock.now + TICK_S
    try:
        for gap, leaves_garbage in plan:
            end = clock.now + gap
            while clock.now < end:
                clock.now = min(end, clock.now + 1.0)
                collector.input_seen()
                if clock.now >= next_tick:
                    collector.tick()
                    next_tick += TICK_S
            if leaves_garbage:
                alive.append((clock.now, long_lived_cycle()))
            gc_pause.defer_full_collection(clock)
            bound = gc_pause.MAX_DEFER_S + TICK_S + 1.0
            for made, gone in alive:
                assert gone() is None or clock.now - made <= bound
            alive = [(t, g) for t, g in alive if g() is not None]
    finally:
        gc_pause.collection_done()


def test_without_a_console_the_next_refresh_after_the_bound_collects(clean) -> None:
    clock = Clock()
    gone = long_lived_cycle()
    gc_pause.defer_full_collection(clock)
    clock.now += gc_pause.MAX_DEFER_S - 1.0
    gc_pause.defer_full_collection(clock)
    assert gone() is not None
    clock.now += 1.0
    gc_pause.defer_full_collection(clock)  # overdue: collected, and a new deferral begins
    assert gone() is None and gc_pause.deferred()


def test_a_streamed_read_still_holds_the_deferred_collection_back(clean) -> None:
    clock = Clock()
    collector = IdleCollector(clock=clock)
    gc_pause.defer_full_collection(clock)
    clock.now += gc_pause.MAX_DEFER_S + 1.0
    with gc_pause.full_collections_postponed():
        assert collector.tick() is False
    assert gc.get_threshold()[2] > 1000  # the read ended, the deferral still holds
    assert collector.tick() is True and not gc_pause.deferred()


esxi = esxi_fixture(default_scenario, "paths-gc")


@pytest.mark.lab
async def test_a_lab_refresh_defers_its_full_collection(esxi, tmp_path, clean) -> None:
    hosts = sorted(h.name for h in default_scenario().hosts)
    manager = lab_manager(esxi, tmp_path, hosts=set(hosts))
    try:
        report = await PathsService(manager, hosts).refresh()
    finally:
        await manager.close()
    assert any(r.path for r in report.rows)
    assert gc_pause.deferred() and gc.get_threshold()[2] > 1000
    assert IdleCollector(every_s=0.0, quiet_s=0.0).tick() is True
    assert not gc_pause.deferred()
