"""One variant of bench_checks_burst in a process of its own: the checks' read, burst after
burst, with what the process's memory looks like after each (after a full collection).

    python bench/burst_child.py LAB_TOML VARIANT BURSTS GAP_S OTHER_ROUNDS
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import hashlib
import os
import sys
import threading
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

VARIANTS = {
    "plain": "the checks' read as it is",
    "before": "as it was: every host's commands at once, the last report's transcripts kept, "
    "pyVmomi's answers left in cycles",
}


class _Info(ctypes.Structure):
    _fields_ = [
        (n, ctypes.c_size_t)
        for n in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def debug_malloc_text() -> str:
    """What `sys._debugmallocstats` says about Python's allocator (it writes to fd 2: read
    through a pipe)."""
    r, w = os.pipe()
    saved = os.dup(2)
    os.dup2(w, 2)
    try:
        sys._debugmallocstats()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(w)
    chunks = []
    while chunk := os.read(r, 1 << 16):
        chunks.append(chunk)
    os.close(r)
    return b"".join(chunks).decode(errors="replace")


def pymalloc_stats() -> dict[str, int]:
    """Python's arenas in use (and at most) and the bytes in their live and free blocks."""
    out: dict[str, int] = {}
    for line in debug_malloc_text().splitlines():
        key, _, value = line.partition("=")
        key = " ".join(key.split())
        if key in (
            "# arenas allocated current",
            "# bytes in allocated blocks",
            "# bytes in available blocks",
            "# arenas highwater mark",
        ):
            out[key.removeprefix("# ")] = int(value.strip().replace(",", ""))
    return out


def mallinfo() -> Any:
    """glibc's mallinfo2 (bytes in use and free in its arenas, in mmapped blocks); None where
    there is no glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _Info
        return libc.mallinfo2()
    except (OSError, AttributeError):
        return None


def glibc_heap() -> tuple[float, float]:
    """MiB in use and free in glibc's arenas; NaN where there is no glibc."""
    m = mallinfo()
    if m is None:
        return float("nan"), float("nan")
    return m.uordblks / 2**20, m.fordblks / 2**20


def rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


HEADER = (
    f"{'RSS MiB':>8} {'arenas':>6} {'hiwater':>7} {'live MiB':>8} {'free MiB':>8}"
    f" {'glibc use':>9} {'free':>6} {'thr':>4} {'peak thr':>8} {'cpu s':>6} {'load':>5}"
)


def memory_line(peak_threads: int, cpu: float) -> str:
    """What memory holds now (call after a full collection), with the burst's peak threads
    and CPU seconds; columns as in HEADER."""
    s = pymalloc_stats()
    used, free = glibc_heap()
    return (
        f"{rss_mib():8.1f} {s['arenas allocated current']:6d} {s['arenas highwater mark']:7d}"
        f" {s['bytes in allocated blocks'] / 2**20:8.2f}"
        f" {s['bytes in available blocks'] / 2**20:8.2f} {used:9.2f} {free:6.2f}"
        f" {threading.active_count():4d} {peak_threads:8d} {cpu:6.2f} {os.getloadavg()[0]:5.2f}"
    )


def digest(reading: Any) -> str:
    """The findings a user sees (code, subject, severity, text), times left out."""
    keys = sorted(f"{f.code}|{f.subject.key}|{f.severity.value}|{f.text}" for f in reading.findings)
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:12]


async def with_peaks(work: Awaitable[Any]) -> tuple[Any, int, int]:
    """What `work` gives, the most threads alive at once while it ran, and the most Python
    blocks allocated above where they were when it began (sampled every 20 ms)."""
    task = asyncio.ensure_future(work)
    peak, base = threading.active_count(), sys.getallocatedblocks()
    blocks = 0
    while not task.done():
        peak = max(peak, threading.active_count())
        blocks = max(blocks, sys.getallocatedblocks() - base)
        await asyncio.wait([task], timeout=0.02)
    return task.result(), peak, blocks


def apply_variant(variant: str) -> None:
    if variant == "before":
        from burst_before import restore

        restore()


async def bursts(lab_toml: str, variant: str, count: int, gap: float, rounds: int) -> None:
    from vconsole.config import load_config
    from vconsole.secrets import SecretStore
    from vconsole.services.triage import SOURCES, FindingsBoard, read_with, source_named
    from vconsole.sessions.manager import SessionManager

    profile = load_config(lab_toml).profile("lab")
    manager = SessionManager(
        profile, secrets=SecretStore(profile.name, use_keyring=False), max_workers=256
    )
    manager.executor.idle_exit = 1.0  # the spare threads end between bursts, as in the console
    source = source_named("checks")
    assert source is not None
    board = FindingsBoard()
    reader = source.reader(manager, profile)
    others = [(s, s.reader(manager, profile)) for s in SOURCES if s is not source]

    async def other_round() -> None:  # the other panes' refreshes, as triage reads them
        for reading in await asyncio.gather(*(read_with(s, r) for s, r in others)):
            board.post(reading)

    async def burst() -> Any:
        both = await asyncio.gather(read_with(source, reader), other_round())
        return both[0]

    print(f"{'burst':>5} {HEADER} {'wall s':>6} {'+blocks':>7} {'cyclic':>6} findings")
    try:
        for n in range(1, count + 1):
            cpu0, t0 = time.process_time(), time.monotonic()
            reading, peak, blocks = await with_peaks(
                burst() if rounds else read_with(source, reader)
            )
            board.post(reading)
            cpu, wall = time.process_time() - cpu0, time.monotonic() - t0
            del reading
            await asyncio.sleep(gap)
            for _ in range(rounds):
                await other_round()
                await asyncio.sleep(0.2)
            freed = gc.collect()
            checks = board.readings["checks"]
            print(
                f"{n:5d} {memory_line(peak, cpu)} {wall:6.2f} {blocks:7d} {freed:6d}"
                f" {len(checks.findings)} {digest(checks)}",
                flush=True,
            )
    finally:
        await manager.close()


def main() -> int:
    lab_toml, variant = sys.argv[1], sys.argv[2]
    count, gap, rounds = int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    from vconsole.malloc_policy import for_hours_open

    for_hours_open()
    apply_variant(variant)
    asyncio.run(bursts(lab_toml, variant, count, gap, rounds))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
