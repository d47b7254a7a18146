"""The console's allocator policy: big blocks are mapped on their own and unmapped when freed,
and every thread allocates from one arena.

glibc serves blocks of 128 KiB and more with their own mapping, but after the first such block
is freed it raises that threshold to the block's size (up to 32 MiB), so later big answers
(SOAP bodies, command output, TLS records joined) are cut from its arenas, and the holes they
leave keep arena pages resident: a console left open on its refreshes grows for hours. A fixed
threshold turns that adjustment off.

glibc also gives threads arenas of their own (up to eight per core). The console's session
threads come and go with each fan-out, and each arena keeps the pages its thread's frees left:
left open on the default lab, those arenas grew from 4.5 to 9 MiB in half an hour. With one
arena for all, the threads' frees are reused by whoever allocates next; the interpreter lock
already lets only one thread run Python at a time. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes

M_MMAP_THRESHOLD = -3  # mallopt parameters (malloc.h)
M_ARENA_MAX = -8
BIG_BLOCK = 256 * 1024  # bytes: blocks this large or larger get a mapping of their own


def _mallopt(param: int, value: int) -> bool:
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):  # no such call there
        return False
    return bool(mallopt(param, value))


def map_big_blocks_apart(threshold: int = BIG_BLOCK) -> bool:
    """Fix glibc's mmap threshold at `threshold` bytes; True when the allocator took it."""
    return _mallopt(M_MMAP_THRESHOLD, threshold)


def one_arena_for_all_threads() -> bool:
    """Every thread allocates from the main arena; True when the allocator took it. glibc fixes
    its arena limit when a thread first needs an arena, so this must run before any thread."""
    return _mallopt(M_ARENA_MAX, 1)


def for_hours_open() -> None:
    """The policy of a console that stays open: both of the above, before any thread starts."""
    map_big_blocks_apart()
    one_arena_for_all_threads()
