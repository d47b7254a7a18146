"""Full collections wait while streamed answers are read, and come back when the last read
ends: however reads overlap, stop early or fail, the collector's thresholds are restored."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from inventory_helpers import default_lab_fixture, manager_for, needs_vcsim

from vconsole.services.inventory_specs import SKELETON_SPECS, SKELETON_TYPES, VM_SPECS, VM_TYPES
from vconsole.vim.gc_pause import full_collections_postponed

lab = default_lab_fixture()


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_overlapping_pauses_from_threads_restore_the_threshold_at_the_last_end(
    thresholds: tuple[int, int, int],
) -> None:
    inside: list[tuple[int, int, int]] = []
    entered, release = threading.Barrier(3), threading.Event()

    def reader() -> None:
        with full_collections_postponed():
            entered.wait()
            release.wait()
            inside.append(gc.get_threshold())

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    entered.wait()
    assert gc.get_threshold()[:2] == thresholds[:2]  # young collections go on
    assert gc.get_threshold()[2] > 1000
    release.set()
    for t in threads:
        t.join()
    assert len(inside) == 2
    assert gc.get_threshold() == thresholds


def test_a_failing_read_restores_the_threshold(thresholds: tuple[int, int, int]) -> None:
    with pytest.raises(OSError), full_collections_postponed():
        raise OSError("connection reset")
    assert gc.get_threshold() == thresholds


@needs_vcsim
async def test_a_lab_stream_postpones_full_collections_until_done_or_left(
    lab: object, tmp_path: Path, thresholds: tuple[int, int, int]
) -> None:
    from vconsole.vim.collector import PropertyReader

    manager = manager_for(tmp_path, {"vc01": lab})  # type: ignore[dict-item]
    try:
        reader = PropertyReader(await manager.vim("vc01"), batch_size=1)
        during = []
        async for batch in reader.stream(VM_TYPES, VM_SPECS, page_size=2):
            during.append((len(batch), gc.get_threshold()[2]))
        assert sum(n for n, _ in during) > 2 and all(t > 1000 for _, t in during)
        assert gc.get_threshold() == thresholds
        stream = reader.stream(VM_TYPES, VM_SPECS, page_size=2)
        async for _ in stream:
            break  # the pane closed half-way
        await stream.aclose()  # type: ignore[attr-defined]
        assert gc.get_threshold() == thresholds
    finally:
        await manager.close()


@needs_vcsim
async def test_a_read_datacenter_by_datacenter_postpones_them_between_datacenters(
    lab: object, tmp_path: Path, thresholds: tuple[int, int, int]
) -> None:
    """Between one datacenter's answer and the next (the view dropped, the next one made),
    no full collection starts either: the collector is asked at every allocation here, and
    each time it is asked, full collections are still postponed."""
    from vconsole.vim.collector import PropertyReader

    manager = manager_for(tmp_path, {"vc01": lab})  # type: ignore[dict-item]
    asked: list[tuple[int, int]] = []  # (VMs read so far, full-collection threshold)
    names: list[str] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and names:
            asked.append((len(names), gc.get_threshold()[2]))

    try:
        reader = PropertyReader(await manager.vim("vc01"))
        skeleton = await reader.retrieve(SKELETON_TYPES, SKELETON_SPECS)
        datacenters = [o.ref for o in skeleton if o.ref.type == "Datacenter"]
        assert len(datacenters) >= 2
        gc.set_threshold(1, 1, 1)
        gc.callbacks.append(note)
        read = reader.stream_each(datacenters, VM_TYPES, VM_SPECS, page_size=50, in_flight=1)
        async for batch in read:
            names.extend(o.props["name"] for o in batch)
    finally:
        if note in gc.callbacks:
            gc.callbacks.remove(note)
        gc.set_threshold(*thresholds)
        await manager.close()
    assert len(names) == len(set(names)) > 0
    between = [t for n, t in asked if n < len(names)]  # from the first VMs to the last
    assert between and all(t > 1000 for t in between)
