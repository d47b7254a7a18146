"""The console's allocator policy: big blocks are mapped on their own and unmapped when freed.

glibc serves blocks of 128 KiB and more with their own mapping, but after the first such block
is freed it raises that threshold to the block's size (up to 32 MiB), so later big answers
(SOAP bodies, command output, TLS records joined) are cut from its arenas, and the holes they
leave keep arena pages resident: a console left open on its refreshes grows for hours. A fixed
threshold turns that adjustment off. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes

M_MMAP_THRESHOLD = -3  # mallopt parameter (malloc.h)
BIG_BLOCK = 256 * 1024  # bytes: blocks this large or larger get a mapping of their own


def map_big_blocks_apart(threshold: int = BIG_BLOCK) -> bool:
    """Fix glibc's mmap threshold at `threshold` bytes; True when the allocator took it."""
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):  # no such call there
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, threshold))
