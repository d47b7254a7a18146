"""The console's allocator policy: once set, a big block is mapped on its own (and so handed
back to the system when freed) even after a bigger one was freed; left alone, glibc cuts it
from its arenas instead. Each case runs in a fresh interpreter, whose allocator starts clean."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import ctypes, sys
from vconsole import malloc_policy

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
if sys.argv[1] == "set":
    assert malloc_policy.map_big_blocks_apart()
big = bytearray(4 << 20)
del big  # glibc, left alone, now serves blocks up to 4 MiB from its arenas
before = libc.mallinfo2().hblks
block = bytearray(1 << 20)
print(libc.mallinfo2().hblks - before)
"""


@pytest.mark.parametrize(("policy", "own_mappings"), [("set", "1"), ("unset", "0")])
def test_a_big_block_after_a_bigger_one_was_freed_gets_its_own_mapping_only_with_the_policy(
    policy, own_mappings
):
    out = subprocess.run(
        [sys.executable, "-c", PROBE, policy], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == own_mappings
