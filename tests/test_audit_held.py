"""The audit log holds the event loop's read-only records a moment and writes them together:
every record still reaches the file, in the order it was made, soon and without a close, and
writers in threads or other logs never split a line."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from waiting import wait_for

from vconsole.audit import HELD_MAX, AuditLog


def record(log: AuditLog, what: str, target: str = "esx01", mutating: bool = False) -> None:
    log.record(target=target, user="root", action="ssh", what=what, mutating=mutating, outcome="ok")


def lines_of(path: Path) -> list[dict[str, object]]:
    """The file as another program sees it: raw lines, each a whole JSON object."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# each step: records made in one tick of the loop, then either the loop goes on or a thread records
steps = st.lists(
    st.tuples(st.integers(min_value=0, max_value=HELD_MAX + 40), st.booleans()),
    min_size=1,
    max_size=6,
)


@settings(max_examples=25, deadline=None)
@given(steps=steps)
def test_every_record_reaches_the_file_in_the_order_it_was_made(tmp_path_factory, steps) -> None:
    path = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    log = AuditLog(path, hold_s=0.002)  # held as usual, only not as long: examples stay quick
    made: list[str] = []

    def in_thread(what: str) -> None:
        record(log, what)  # off the loop: written at once, after what the loop held

    async def refresh() -> None:
        for k, (count, thread_after) in enumerate(steps):
            for i in range(count):
                made.append(f"tick {k} record {i}")
                record(log, made[-1])
            if thread_after:
                made.append(f"thread after tick {k}")
                await asyncio.to_thread(in_thread, made[-1])
                # a record off the loop is written at once, after those held before it
                assert [x["what"] for x in lines_of(path)] == made
            # with the loop going on, another program reading the file soon sees all of it
            assert await wait_for(lambda: [x["what"] for x in lines_of(path)] == made)

    asyncio.run(refresh())
    log.close()
    assert [x["what"] for x in lines_of(path)] == made


def test_a_change_is_on_disk_when_its_call_returns_with_the_reads_before_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)

    async def write_after_reads() -> list[str]:
        record(log, "esxcli storage nmp device list")
        record(log, "esxcli storage nmp psp roundrobin deviceconfig set", mutating=True)
        return [x["what"] for x in lines_of(path)]  # at once: nothing has yielded yet

    assert asyncio.run(write_after_reads()) == [
        "esxcli storage nmp device list",
        "esxcli storage nmp psp roundrobin deviceconfig set",
    ]
    log.close()


async def test_a_fan_outs_records_are_on_disk_when_it_returns(tmp_path: Path) -> None:
    """A refresh is a fan-out: whatever reads the file after it sees all of its records."""
    from sessions_helpers import make_manager

    manager = make_manager(tmp_path, [])

    async def one_host(name: str) -> str:
        await asyncio.sleep(0)
        record(manager.audit, f"esxcli storage core path list ({name})", target=name)
        return name

    hosts = [f"esx{i:02d}" for i in range(20)]
    try:
        await manager.fan_out(one_host, hosts)
        written = {x["target"] for x in lines_of(tmp_path / "audit.jsonl")}
    finally:
        await manager.close()
    assert written == set(hosts)


def test_records_held_by_a_loop_that_stopped_mid_tick_come_before_later_ones(
    tmp_path: Path,
) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    loop = asyncio.new_event_loop()

    def tick() -> None:
        record(log, "on the loop")
        loop.stop()  # the loop ends with this tick: its scheduled write never runs

    loop.call_soon(tick)
    loop.run_forever()
    loop.close()
    record(log, "after the loop")
    assert [x["what"] for x in lines_of(tmp_path / "audit.jsonl")] == [
        "on the loop",
        "after the loop",
    ]
    log.close()


def test_a_tick_never_ended_is_written_at_exit(tmp_path: Path) -> None:
    program = """
import asyncio, sys
from pathlib import Path
from vconsole.audit import AuditLog

log = AuditLog(Path(sys.argv[1]))
loop = asyncio.new_event_loop()

def tick():
    for i in range(3):
        log.record(target="esx01", user="", action="ssh", what=f"held {i}", mutating=False,
                   outcome="ok")
    loop.stop()

loop.call_soon(tick)
loop.run_forever()
assert not Path(sys.argv[1]).exists(), "nothing written before exit"
"""
    path = tmp_path / "audit.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", program, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert [x["what"] for x in lines_of(path)] == ["held 0", "held 1", "held 2"]


def test_writers_in_threads_never_interleave_inside_a_line(tmp_path: Path) -> None:
    """Threads on one log, and threads with their own log on the same file (as other processes
    would be), some on their own event loop: every line whole, each writer's order kept."""
    path = tmp_path / "audit.jsonl"
    shared = AuditLog(path)
    per_writer = 300
    filler = "x" * 3000  # long lines: a split write would show as a broken JSON line

    def plain(name: str, log: AuditLog) -> None:
        for i in range(per_writer):
            record(log, f"{name} {i} {filler}", target=name)

    def looped(name: str, log: AuditLog) -> None:
        async def ticks() -> None:
            for i in range(per_writer):
                record(log, f"{name} {i} {filler}", target=name)
                if i % 7 == 0:
                    await asyncio.sleep(0)

        asyncio.run(ticks())

    own = [AuditLog(path) for _ in range(3)]
    writers = [
        threading.Thread(target=plain, args=("shared-a", shared)),
        threading.Thread(target=plain, args=("shared-b", shared)),
        threading.Thread(target=looped, args=("shared-loop", shared)),
        threading.Thread(target=plain, args=("own-a", own[0])),
        threading.Thread(target=looped, args=("own-loop-b", own[1])),
        threading.Thread(target=looped, args=("own-loop-c", own[2])),
    ]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    for log in (shared, *own):
        log.close()
    seen: dict[str, list[int]] = {}
    for line in lines_of(path):  # json.loads fails on a line two writers split
        name, index, rest = str(line["what"]).split(" ")
        assert name == line["target"] and rest == filler
        seen.setdefault(name, []).append(int(index))
    assert len(seen) == len(writers)
    assert all(order == list(range(per_writer)) for order in seen.values())
