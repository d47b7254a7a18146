"""Idle cost: the console left open on the default lab, CPU and memory sampled every minute.

The lab is started from the default scenario, the console opens on it in a pseudo-terminal
(100x30), every pane is visited once (so each is built, and each pane's background refresh is
armed) and the console is left on the triage pane, which reads every pane's source in the
background at its own cadence. Once a minute the console process's CPU seconds (user + system,
from /proc) and RSS are recorded, with the bytes it wrote to the terminal. Beside it, in the same
run, the floor: a bare Textual app with one table idling in its own pseudo-terminal (what any
Textual console costs before it does anything). Prints % of one core and the RSS slope (least
squares, MiB per hour, first `--settle` minutes left out, and over the second half alone).

Several console variants run side by side on the same lab (`--variant`, bench/idle_variants.py):
the console as shipped (`plain`) beside the console as it was before its two memory measures
(`before`: glibc's per-thread arenas, and no full collection while the keyboard is quiet), and on
request one change each (`arenas`, `noidlegc`), the console of a round earlier (`before5`: also
concurrent.futures' pool, glibc's self-adjusting mmap threshold, triage ordered by each reading's
time; `stdpool`, `adjusting`, `readorder` one of those alone), the checks' background read as it was
before it was bounded (`before_read`: every host's commands at once, its last transcripts kept,
pyVmomi's answers left in reference cycles; bench/burst_before.py), the tables keeping their
renders of earlier content as Textual's DataTable does (`keep_renders`), and probes that log what
they see (`traced`: live Python memory by allocation site, after a full collection;
`checks_probe`: the checks read every 90 s, each followed by what survived it: arenas, object
counts by type, and with `checks_traced` allocation sites).
`--detail` prints, per minute, where each console's resident memory is (brk heap, anonymous
mappings: glibc thread arenas, Python's arenas, thread stacks; file pages) with its threads and
open fds. Run:

    .venv/bin/python bench/bench_idle.py [--minutes 30] [--settle 3] [--variant plain ...]
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from idle_variants import VARIANT_ENV, VARIANTS  # noqa: E402
from tty_helpers import isolated_env, program_on_pty  # noqa: E402

PANES = ("lag", "path", "gpu", "mtu", "vm", "brand", "check", "conn", "triage")
FLOOR = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header

class Floor(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("a", "b", "c")
        table.add_rows([(str(i), "x" * 20, "y") for i in range(40)])

Floor().run()
"""


@dataclass
class Watched:
    """One process on a pseudo-terminal whose output is drained (and counted) by a thread."""

    name: str
    proc: subprocess.Popen[bytes]
    master: int
    seen: bytearray = field(default_factory=bytearray)
    written: int = 0
    samples: list[tuple[float, float, int, int]] = field(default_factory=list)

    def drain(self) -> None:
        while self.proc.poll() is None:
            if select.select([self.master], [], [], 0.2)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    return
                self.written += len(chunk)
                if len(self.seen) < 1 << 20:
                    self.seen += chunk

    def wait_for(self, needle: bytes, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.seen:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name}: {needle!r} never shown: {bytes(self.seen[-300:])!r}"
                )
            time.sleep(0.1)

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def sample(self, t0: float) -> None:
        cpu, rss = cpu_rss(self.proc.pid)
        self.samples.append((time.monotonic() - t0, cpu, rss, self.written))

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        os.close(self.master)


def cpu_rss(pid: int) -> tuple[float, int]:
    """CPU seconds (user + system) and resident bytes of one process, from /proc."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(stat[11]) + int(stat[12])) / ticks
    rss = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
    return cpu, rss


STACK = 8 << 20  # glibc's default thread stack (ulimit -s), preceded by one guard page
ARENA = 64 << 20  # a glibc thread arena's reservation (HEAP_MAX_SIZE), 64 MiB-aligned


def mappings(pid: int) -> dict[str, float]:
    """Where the resident memory is (MiB): the brk heap, anonymous mappings split into thread
    stacks (8 MiB after a guard page), glibc thread arenas (64 MiB-aligned reservations) and
    the rest (Python's arenas, large allocations), file-backed pages; with the number of stacks
    holding more than 64 KiB, and thread and open-fd counts."""
    out = dict.fromkeys(("heap", "stacks", "arenas", "other", "file", "anon_maps", "deep"), 0.0)
    maps: list[tuple[int, int, str, str, int]] = []  # start, end, perms, name, rss KiB
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split(None, 5)
        if "-" in head[0] and not head[0].endswith(":"):
            lo, hi = (int(x, 16) for x in head[0].split("-"))
            maps.append((lo, hi, head[1], head[5] if len(head) > 5 else "", 0))
        elif head[0] == "Rss:":
            maps[-1] = (*maps[-1][:4], int(head[1]))
    for i, (lo, hi, _perms, name, rss) in enumerate(maps):
        prev = maps[i - 1] if i else None
        nxt = maps[i + 1] if i + 1 < len(maps) else None
        if name == "[heap]":
            kind = "heap"
        elif name and name[0] != "[":
            kind = "file"
        elif name:
            kind = "other"
        elif hi - lo == STACK and prev and prev[1] == lo and prev[2].startswith("---"):
            kind = "stacks"
            out["deep"] += rss > 64
        elif lo % ARENA == 0 and nxt and nxt[0] == hi and hi - lo + nxt[1] - nxt[0] == ARENA:
            kind = "arenas"
        else:
            kind = "other"
        out["anon_maps"] += not name
        out[kind] += rss / 1024
    out["threads"] = float(len(os.listdir(f"/proc/{pid}/task")))
    out["fds"] = float(len(os.listdir(f"/proc/{pid}/fd")))
    return out


def lab_command(verb: str, lab: Path, env: dict[str, str]) -> None:
    """`lab start` (which must succeed) or `lab stop` on the lab in `lab`."""
    subprocess.run(
        [sys.executable, "-m", "screens", "lab", verb, "--state-dir", str(lab)],
        env=env,
        cwd=ROOT,
        check=verb == "start",
        stdout=subprocess.DEVNULL,
    )


def spawn(name: str, argv: list[str], env: dict[str, str]) -> Watched:
    proc, master = program_on_pty(argv, env, size=(100, 30), cwd=ROOT)
    watched = Watched(name, proc, master)
    threading.Thread(target=watched.drain, daemon=True).start()
    return watched


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, per hour."""
    if len(points) < 2:
        return float("nan")
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den * 3600 if den else float("nan")


def report(w: Watched, settle_s: float) -> str:
    s = w.samples
    last = s[-1]
    first = next((x for x in s if x[0] >= settle_s and x is not last), s[0])
    span = last[0] - first[0]
    core = (last[1] - first[1]) / span * 100 if span else float("nan")
    points = [(t, rss / 2**20) for t, _, rss, _ in s if t >= settle_s]
    half = (first[0] + last[0]) / 2
    slope = slope_per_hour(points)
    late = slope_per_hour([p for p in points if p[0] >= half])
    out_rate = (last[3] - first[3]) / span * 60 if span else float("nan")
    return (
        f"{w.name:34} {core:6.2f}% of one core  RSS {last[2] / 2**20:7.1f} MiB"
        f"  slope {slope:+7.2f} MiB/h (second half {late:+6.2f})"
        f"  terminal {out_rate / 1024:7.1f} KiB/min"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0, help="idle minutes (default 30)")
    parser.add_argument("--settle", type=float, default=3.0, help="minutes left out of figures")
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between samples")
    parser.add_argument(
        "--variant",
        action="append",
        choices=sorted(VARIANTS),
        help="console variant to run beside the others (repeatable; default: plain, "
        "before); see bench/idle_variants.py",
    )
    parser.add_argument("--detail", action="store_true", help="per-minute memory map breakdown")
    args = parser.parse_args()
    args.variant = args.variant or ["plain", "before"]
    py = sys.executable
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        lab = tmp / "lab"
        env = {
            **isolated_env(tmp),
            "PYTHONPATH": str(ROOT),
            "IDLE_PROBE": str(tmp / "probe.txt"),
        }
        lab_command("start", lab, env)
        watched: list[Watched] = []
        try:
            argv = ["--config", str(lab / "lab.toml"), "--profile", "lab"]
            consoles = []
            for variant in args.variant:
                console = spawn(
                    f"console {variant}",
                    [py, "-c", VARIANTS[variant], *argv],
                    {**env, **VARIANT_ENV.get(variant, {})},
                )
                watched.append(console)
                consoles.append(console)
            for console in consoles:
                console.wait_for(b"esx-akl-01", 240)
            time.sleep(5)
            for pane in PANES:
                for console in consoles:
                    console.type(":")
                time.sleep(0.3)
                for console in consoles:
                    console.type(f"{pane}\r")
                time.sleep(8)
            floor = spawn("floor: bare Textual app, one table", [py, "-c", FLOOR], env)
            watched.append(floor)
            floor.wait_for(b"x" * 20, 60)
            t0 = time.monotonic()
            print(f"{'min':>4} {'load':>5}  " + "  ".join(f"{w.name[:30]:>30}" for w in watched))
            for minute in range(int(args.minutes) + 1):
                if minute:
                    time.sleep(max(0.0, t0 + minute * args.interval - time.monotonic()))
                for w in watched:
                    if w.proc.poll() is not None:
                        raise RuntimeError(f"{w.name} exited: {bytes(w.seen[-400:])!r}")
                    w.sample(t0)
                cells = "  ".join(
                    f"{w.samples[-1][1]:9.2f} cpu-s {w.samples[-1][2] / 2**20:7.1f} MiB"
                    for w in watched
                )
                print(f"{minute:>4} {os.getloadavg()[0]:5.2f}  {cells}", flush=True)
                if args.detail:
                    for console in consoles:
                        m = mappings(console.proc.pid)
                        print(
                            f"     {console.name[:20]:20} heap {m['heap']:5.1f} stacks"
                            f" {m['stacks']:5.1f} ({m['deep']:.0f} deep) arenas {m['arenas']:5.1f}"
                            f" other {m['other']:5.1f} ({m['anon_maps']:.0f} maps)"
                            f" file {m['file']:5.1f} threads {m['threads']:.0f} fds {m['fds']:.0f}",
                            flush=True,
                        )
            settle = args.settle * args.interval
            load = os.getloadavg()
            print(
                f"\nidle {args.minutes:g} min, figures from minute {args.settle:g}, "
                f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
            )
            for w in watched:
                print(report(w, settle))
            print(f"command: {' '.join(sys.argv)}")
            if (tmp / "probe.txt").exists():
                print("\nprobes:\n" + (tmp / "probe.txt").read_text(errors="replace"))
        finally:
            for w in watched:
                w.stop()
            lab_command("stop", lab, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
