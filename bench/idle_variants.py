"""Console variants for bench_idle: the console as shipped, and A/B changes that test one idea
about its idle memory each (given to the interpreter with `-c`, before the console starts).

Probes write what they see once a minute to the file named by `IDLE_PROBE`; bench_idle prints it.
"""

from __future__ import annotations

CONSOLE = (
    "import runpy, sys; sys.argv[0] = 'screens'; runpy.run_module('screens', run_name='__main__')"
)


def every_minute(body: str, name: str) -> str:
    """Source that runs `body` (indented for a loop) once a minute on a daemon thread."""
    return f"""
import collections, ctypes, gc, os, sys, threading, time
def {name}():
    while True:
        time.sleep(60)
{body}
threading.Thread(target={name}, daemon=True, name="{name}").start()
"""


# glibc: hand free pages of every arena back to the kernel
TRIM = every_minute('        ctypes.CDLL("libc.so.6").malloc_trim(0)', "trim")
# a full collection: garbage in reference cycles freed now, not at the next gen-2 collection
GC = every_minute("        gc.collect()", "collect")
GCTRIM = every_minute(
    '        gc.collect()\n        ctypes.CDLL("libc.so.6").malloc_trim(0)', "collect_trim"
)
# the session manager's executor as it was: concurrent.futures' pool, whose longest-idle thread
# takes each call (so one-at-a-time refreshes walk every thread), no thread ever ending
STDPOOL = """
import concurrent.futures, vconsole.sessions.manager as manager
def stdpool(max_workers, thread_name_prefix=""):
    return concurrent.futures.ThreadPoolExecutor(max_workers, thread_name_prefix)
manager.LifoThreadPool = stdpool
"""
# glibc's mmap threshold left to adjust itself (the console fixes it at 256 KiB)
ADJUSTING = """
import vconsole.malloc_policy as malloc_policy
malloc_policy.map_big_blocks_apart = lambda threshold=0: False
"""
# triage's "newest" by each reading's time, as it was: every refresh of a source could reorder
# the list, and a reordered list refills the table (its rows and render caches become garbage)
READ_ORDER = """
import vconsole.services.triage as triage
triage._first_seen = lambda reading, before: {}
"""
# glibc's arenas as it sets them: up to 8 per core, each thread's frees kept in its own (the
# console asks for one arena for all threads)
ARENAS = """
import vconsole.malloc_policy as malloc_policy
malloc_policy.one_arena_for_all_threads = lambda: False
"""
# no full collection while the keyboard is quiet: cyclic garbage waits for CPython's own full
# collection, every 4-5 minutes on the default lab
NO_IDLE_GC = """
import vconsole.idle_collect as idle_collect
idle_collect.IdleCollector.tick = lambda self: False
"""
# the objects alive once the console has settled (3 minutes in: modules, pyVmomi's types, the
# panes) moved out of the collector's sight, so each idle collection walks only what came later
FREEZE = """
import gc, threading, time
def settle_then_freeze():
    time.sleep(180)
    gc.collect()
    gc.freeze()
threading.Thread(target=settle_then_freeze, daemon=True).start()
"""
# that pool capped at 16 threads instead of 256
WORKERS16 = STDPOOL.replace("(max_workers, thread_name_prefix)", "(16, thread_name_prefix)")
# probe: object counts by type that grew since the last minute, and thread count
OBJECTS = every_minute(
    """        now = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
        grew = (now - getattr(sys, "_idle_before", now)).most_common(12)
        sys._idle_before = now
        with open(os.environ["IDLE_PROBE"], "a") as f:
            print(time.strftime("%H:%M:%S"), "objects", sum(now.values()), "threads",
                  threading.active_count(), "grew", grew, file=f)""",
    "objects",
)
# probe: what the last minute left in reference cycles (freed only by a full collection)
CYCLES = every_minute(
    """        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        kinds = collections.Counter(type(o).__module__ + "." + type(o).__qualname__
                                    for o in gc.garbage)
        gc.garbage.clear()
        gc.set_debug(0)
        with open(os.environ["IDLE_PROBE"], "a") as f:
            print(time.strftime("%H:%M:%S"), "in cycles", sum(kinds.values()),
                  kinds.most_common(20), file=f)""",
    "cycles",
)
# probe: Python's small-object allocator after a full collection (arenas vs live blocks)
PYMALLOC = every_minute(
    """        gc.collect()
        saved = os.dup(2)
        with open(os.environ["IDLE_PROBE"], "a") as f:
            f.write(time.strftime("%H:%M:%S") + " pymalloc\\n")
            f.flush()
            os.dup2(f.fileno(), 2)
            try:
                sys._debugmallocstats()
            finally:
                os.dup2(saved, 2)
                os.close(saved)""",
    "pymalloc",
)

# probe: live threads by name (the pool's index stripped), to see who holds them while idle
THREADS = every_minute(
    """        names = collections.Counter(t.name.rstrip("0123456789").rstrip("_-")
                                    for t in threading.enumerate())
        with open(os.environ["IDLE_PROBE"], "a") as f:
            print(time.strftime("%H:%M:%S"), "threads", sum(names.values()),
                  names.most_common(), file=f)""",
    "threads",
)

# probe: glibc's view (bytes in use and free in its arenas, bytes in mmapped blocks) beside
# pymalloc's arenas, so growth outside both stacks and glibc arenas can be placed
MALLINFO = every_minute(
    """        sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
        from burst_child import debug_malloc_text, mallinfo
        m = mallinfo()
        lines = [x for x in debug_malloc_text().splitlines() if x.startswith((
                 "# arenas allocated current", "# bytes in allocated blocks",
                 "# bytes in available blocks", "Total"))]
        mib = 1 << 20
        with open(os.environ["IDLE_PROBE"], "a") as f:
            print(time.strftime("%H:%M:%S"), f"malloc in use {m.uordblks / mib:.2f}",
                  f"free {m.fordblks / mib:.2f} mmapped {m.hblkhd / mib:.2f} ({m.hblks})",
                  f"threads {threading.active_count()}", "|", " | ".join(
                      " ".join(x.split()) for x in lines), file=f)""",
    "mallinfo",
)

# probe: the cyclic collector's thresholds, counts and collections per generation
GCSTATS = every_minute(
    """        with open(os.environ["IDLE_PROBE"], "a") as f:
            print(time.strftime("%H:%M:%S"), "gc threshold", gc.get_threshold(), "count",
                  gc.get_count(), "collections", [s["collections"] for s in gc.get_stats()],
                  "collected", [s["collected"] for s in gc.get_stats()], file=f)""",
    "gcstats",
)

# probe: live Python memory that grew since minute 3, by where it was allocated (tracemalloc,
# after a full collection, so what is left is held, not garbage waiting for the collector)
TRACED = """
import tracemalloc
tracemalloc.start(4)
""" + every_minute(
    """        gc.collect()
        now = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)])
        first = getattr(sys, "_idle_first", None)
        sys._idle_minute = getattr(sys, "_idle_minute", 0) + 1
        if sys._idle_minute == 3:
            sys._idle_first = now
        with open(os.environ["IDLE_PROBE"], "a") as f:
            size, peak = tracemalloc.get_traced_memory()
            print(time.strftime("%H:%M:%S"), f"traced {size / 1048576:.2f} MiB", file=f)
            if first is not None:
                for stat in now.compare_to(first, "traceback")[:8]:
                    print("   ", f"{stat.size_diff / 1024:+.1f} KiB", f"{stat.count_diff:+d}",
                          " <- ".join(f"{fr.filename.rsplit('/', 2)[-1]}:{fr.lineno}"
                                      for fr in stat.traceback), file=f)""",
    "traced",
)


def checks_every(default_s: str) -> str:
    """Source that sets triage's checks cadence to CHECKS_EVERY seconds (`default_s` when unset)
    and keeps the checks' read as `_read`, for a wrapper to call."""
    return f"""
import collections, dataclasses, gc, os, sys, threading, time, tracemalloc
import vconsole.services.triage as triage
import vconsole.services.checks as checks
sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
from burst_child import memory_line
triage.SOURCES = tuple(
    dataclasses.replace(s, interval_s=float(os.environ.get("CHECKS_EVERY", "{default_s}")))
    if s.name == "checks" else s for s in triage.SOURCES)
_read = checks.CheckFindings.read
"""


# the checks' background read every CHECKS_EVERY seconds (20) instead of 5 minutes, each followed
# by a full collection and a line of what memory holds then (bench_checks_burst's console mode)
CHECKS_FAST = (
    checks_every("20")
    + """
async def read(self):
    peak = [threading.active_count()]
    def watch():
        while not done:
            peak[0] = max(peak[0], threading.active_count())
            time.sleep(0.02)
    done = False
    threading.Thread(target=watch, daemon=True).start()
    cpu0 = time.process_time()
    reading = await _read(self)
    done = True
    cpu = time.process_time() - cpu0
    if os.environ.get("CHECKS_COLLECT", "1") == "1":
        gc.collect()
    with open(os.environ["IDLE_PROBE"], "a") as f:
        print(memory_line(peak[0], cpu), file=f, flush=True)
    return reading
checks.CheckFindings.read = read
import functools, vconsole.sessions.manager as manager
manager.LifoThreadPool = functools.partial(
    manager.LifoThreadPool, idle_exit=float(os.environ.get("POOL_IDLE_EXIT", "60")))
"""
)

# the checks' background read as it was before its memory bound (bench/burst_before.py): every
# host's commands in flight at once, the last report with every transcript kept
BEFORE_READ = """
import os, sys
sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
from burst_before import restore
restore()
"""

# the checks' background read every CHECKS_EVERY seconds (default 90, so the pool's threads still
# end between reads as at 300 s), and PROBE_AFTER seconds after each read (once the panes have
# shown it) a full collection and what survived since the previous probe: Python's arenas, live
# memory by allocation site (tracemalloc, from the first read on) and object counts by type
CHECKS_PROBE = (
    checks_every("90")
    + """
def probe():
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0]
    now = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)]) if tracemalloc.is_tracing() else None
    census = collections.Counter(type(o).__module__ + "." + type(o).__qualname__
                                 for o in gc.get_objects())
    before, before_census = getattr(sys, "_probe_last", (None, census))
    sys._probe_last = (now, census)
    with open(os.environ["IDLE_PROBE"], "a") as f:
        if now is not None:
            print(time.strftime("%H:%M:%S"), os.getpid(), f"traced {traced / 2**20:.2f} MiB",
                  file=f)
        else:
            print(time.strftime("%H:%M:%S"), os.getpid(), memory_line(0, 0.0), file=f)
        if before is not None:
            for stat in now.compare_to(before, "traceback")[:10]:
                print("   ", f"{stat.size_diff / 1024:+.1f} KiB", f"{stat.count_diff:+d}",
                      " <- ".join(f"{fr.filename.rsplit('/', 2)[-1]}:{fr.lineno}"
                                  for fr in stat.traceback), file=f)
        print("    grew", (census - before_census).most_common(12), file=f, flush=True)
async def read(self):
    if os.environ.get("PROBE_TRACE") and not tracemalloc.is_tracing():
        tracemalloc.start(int(os.environ.get("PROBE_DEPTH", "6")))
    reading = await _read(self)
    threading.Timer(float(os.environ.get("PROBE_AFTER", "40")), probe).start()
    return reading
checks.CheckFindings.read = read
if "POOL_IDLE_EXIT" in os.environ:
    import functools, vconsole.sessions.manager as manager
    manager.LifoThreadPool = functools.partial(
        manager.LifoThreadPool, idle_exit=float(os.environ["POOL_IDLE_EXIT"]))
"""
)

# the tables as they were: Textual's DataTable keeps its renders of every earlier content until
# its caches' bounds (10,000 cells, 1,000 rows and lines) push them out
KEEP_RENDERS = """
import widgets.lean_table as lean_table
lean_table.LeanDataTable._drop_stale_renders = lambda self: None
"""

# the five-minute vCenter caches (LACP's LAGs, the multipath layout, the GPU servers' placement)
# re-read every CACHE_TTL seconds (default 60), with what memory holds after a full collection
# once a minute; `_fresh`: each re-read's result kept even when equal to the cached one, as it was
CACHE_TTL = """
import os
import vconsole.services.gpus as gpus
import vconsole.services.lacp as lacp
import vconsole.services.paths as paths
ttl = float(os.environ.get("CACHE_TTL", "60"))
lacp.VCENTER_MAX_AGE_S = ttl
paths.PathsService.__init__.__kwdefaults__["multipath_max_age_s"] = ttl
gpus.GpuPoolService.__init__.__kwdefaults__["placement_ttl_s"] = ttl
""" + every_minute(
    """        gc.collect()
        sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
        from burst_child import memory_line
        with open(os.environ["IDLE_PROBE"], "a") as f:
            print(time.strftime("%H:%M:%S"), os.getpid(), memory_line(0, 0.0), file=f)""",
    "arenas",
)
FRESH = """
import vconsole.services.gpus as gpus
import vconsole.services.lacp as lacp
import vconsole.services.paths_perf as paths_perf
lacp.kept_if_equal = gpus.kept_if_equal = paths_perf.kept_if_equal = lambda old, new: new
paths_perf.kept_refs = lambda old, new: new
"""

# the console's SSH transports reading through the lab's read-ahead socket, as they did for a
# while: its heap grew about 10 MiB an hour, which is why the console reads the plain socket
READ_AHEAD = """
import socket, paramiko
from vconsole.lab.esxi.read_ahead import ReadAheadSocket
class _ReadAheadTransport(paramiko.Transport):
    def __init__(self, sock, *args, **kwargs):
        if isinstance(sock, socket.socket):
            sock = ReadAheadSocket(sock)
        super().__init__(sock, *args, **kwargs)
paramiko.Transport = _ReadAheadTransport
"""
# esxcli answers through the API parsed anew every time (none kept per request)
NO_LAST_READ = """
import vconsole.vim.esxcli as esxcli
esxcli._LAST_READ.size = 0
"""

VARIANTS = {
    "plain": CONSOLE,
    "readahead": READ_AHEAD + CONSOLE,
    "nolastread": NO_LAST_READ + CONSOLE,
    "trim60": TRIM + CONSOLE,
    "gc60": GC + CONSOLE,
    "gctrim60": GCTRIM + CONSOLE,
    "tcache0": CONSOLE,
    "before": ARENAS + NO_IDLE_GC + CONSOLE,
    "before5": ARENAS + NO_IDLE_GC + STDPOOL + ADJUSTING + READ_ORDER + CONSOLE,
    "readorder": READ_ORDER + CONSOLE,
    "stdpool": STDPOOL + CONSOLE,
    "adjusting": ADJUSTING + CONSOLE,
    "workers16": WORKERS16 + CONSOLE,
    "objects": OBJECTS + CONSOLE,
    "cycles": CYCLES + CONSOLE,
    "pymalloc": PYMALLOC + CONSOLE,
    "threads": THREADS + CONSOLE,
    "mallinfo": MALLINFO + CONSOLE,
    "gcstats": GCSTATS + MALLINFO + CONSOLE,
    "mallinfo_stdpool": MALLINFO + STDPOOL + CONSOLE,
    "traced": TRACED + CONSOLE,
    "arenas": ARENAS + CONSOLE,
    "noidlegc": NO_IDLE_GC + CONSOLE,
    "freeze": FREEZE + CONSOLE,
    "checks_fast": CHECKS_FAST + CONSOLE,
    "before_read": BEFORE_READ + CONSOLE,
    "checks_probe": CHECKS_PROBE + CONSOLE,
    "checks_probe_warm": CHECKS_PROBE + CONSOLE,
    "checks_traced": CHECKS_PROBE + CONSOLE,
    "keep_renders": KEEP_RENDERS + CONSOLE,
    "fresh": FRESH + CONSOLE,
    "before8": FRESH + KEEP_RENDERS + CONSOLE,
    "ttl60": CACHE_TTL + CONSOLE,
    "ttl60_fresh": FRESH + CACHE_TTL + CONSOLE,
    "checks_probe_keep_renders": KEEP_RENDERS + CHECKS_PROBE + CONSOLE,
}
VARIANT_ENV = {
    "checks_probe_warm": {"POOL_IDLE_EXIT": "100000"},
    "checks_traced": {"PROBE_TRACE": "1"},
    "tcache0": {"GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"},
}
