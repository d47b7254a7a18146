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


ARENAS = """
import ctypes, sys, threading
from vconsole import malloc_policy

if sys.argv[1] == "set":
    assert malloc_policy.one_arena_for_all_threads()
alive, go = threading.Barrier(5), threading.Event()

def work():
    kept = [bytearray(64 << 10) for _ in range(8)]  # from the C allocator, not Python's own
    alive.wait()
    go.wait()

threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
alive.wait()  # all four threads hold memory at once
ctypes.CDLL(None).malloc_stats()  # one "Arena N:" block per arena, on stderr
go.set()
for t in threads:
    t.join()
"""


@pytest.mark.parametrize(("policy", "one_arena"), [("set", True), ("unset", False)])
def test_threads_share_one_arena_only_with_the_policy(policy, one_arena):
    out = subprocess.run(
        [sys.executable, "-c", ARENAS, policy], capture_output=True, text=True, check=True
    )
    arenas = [line for line in out.stderr.splitlines() if line.startswith("Arena ")]
    assert arenas, out.stderr
    assert (len(arenas) == 1) == one_arena, arenas


def test_the_console_sets_its_policy_before_discovery_starts_a_thread(tmp_path):
    """A bad profile ends the console before any thread; the policy is set by then."""
    probe = (
        "import sys, threading\n"
        "from vconsole import malloc_policy\n"
        "seen = []\n"
        "real = malloc_policy.for_hours_open\n"
        "malloc_policy.for_hours_open = lambda: seen.append(threading.active_count()) or real()\n"
        "from screens.entry import run_console\n"
        f"run_console(config={str(tmp_path / 'missing.toml')!r})\n"
        "print(seen)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[1]", out
