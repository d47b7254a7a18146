"""Where the CPU goes in a bench run: the console's process and the lab's, by part, from samples.

A profiler that runs inside the console sees only the thread it was started in and counts time
spent waiting; a refresh of 1,000 hosts runs on the event loop, a pool of threads and paramiko's
transport threads at once, and the lab's servers share the same cores. This runs any bench
command under py-spy, which samples every thread of every process from outside and keeps only
the thread holding the interpreter lock (work done, not waits), and prints:

- samples per process: the bench's own (the console's code) and the lab's child processes;
- per process, the share of its samples by part (the package of the innermost frame: the
  console's parsers, services, sessions, the lab, paramiko, pyVmomi, asyncio, threads...);
- the console's project functions with the largest inclusive share.

`--within NAME` keeps only the console's samples whose stack has a frame naming NAME (e.g.
`timed_refreshes`: the warm refreshes, not the lab's start or the cold logins). Run:

    .venv/bin/python bench/where_cpu.py [--rate 100] [--within NAME] -- \\
        bench/bench_api_hosts.py --hosts 1000 --lacp-only --only ssh
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# innermost frame's file -> part; first match wins
PARTS: tuple[tuple[str, str], ...] = (
    ("console: ESXi text parsers", r"^vconsole/esx/"),
    ("console: vSphere API reader", r"^vconsole/vim/"),
    ("console: sessions, pool, fan-out", r"^vconsole/sessions/"),
    ("console: services, verdicts", r"^vconsole/(services|models)/"),
    ("lab", r"^vconsole/lab/"),
    ("console: other", r"^(vconsole|screens|widgets)/"),
    ("paramiko", r"^paramiko/"),
    ("crypto (cryptography, nacl)", r"^(cryptography|nacl)/"),
    ("pyVmomi", r"^pyVmomi/"),
    ("httpx, httpcore", r"^(httpx|httpcore|h11)/"),
    ("asyncio", r"^asyncio/"),
    ("threads, queues", r"^(threading|queue)\.py|^concurrent/"),
    ("ssl, sockets, selectors", r"^(ssl|socket|selectors)\.py"),
    ("imports", r"importlib|^<frozen"),
    ("bench", r"^bench_|^bench/"),
    ("generated methods (dataclasses)", r"^<string>$|^dataclasses\.py"),
)
_FILE = re.compile(r"\((?P<file>[^()]*?):\d+\)$")


@dataclass
class Process:
    """One sampled process: its samples by part and by project function (inclusive)."""

    command: str
    samples: int = 0
    parts: Counter[str] = field(default_factory=Counter)
    functions: Counter[str] = field(default_factory=Counter)


def part_of(frame: str) -> str:
    found = _FILE.search(frame)
    path = found.group("file") if found else frame
    return next((name for name, rx in PARTS if re.search(rx, path)), "other: " + Path(path).name)


def short(frame: str) -> str:
    """`fn (vconsole/esx/lacp.py)`: the line number left out, so a function counts once."""
    return re.sub(r":\d+\)$", ")", frame)


def split_stack(stack: str) -> list[str]:
    """Frames of one raw line; a process frame's quoted command line may itself hold `;`."""
    frames: list[str] = []
    for piece in stack.split(";"):
        if frames and frames[-1].startswith("process ") and frames[-1].count('"') % 2:
            frames[-1] += ";" + piece
        else:
            frames.append(piece)
    return frames


def read(raw: Path, within: str | None) -> dict[str, Process]:
    processes: dict[str, Process] = {}
    root = ""
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = split_stack(stack)
        owners = [i for i, f in enumerate(frames) if f.startswith("process ")]
        if not owners:
            continue
        pid_cmd = frames[owners[-1]]
        root = root or frames[owners[0]]
        own = frames[owners[-1] + 1 :]
        is_root = pid_cmd == root
        if is_root and within and not any(within in f for f in own):
            continue
        proc = processes.setdefault(pid_cmd, Process(pid_cmd))
        n = int(count)
        proc.samples += n
        proc.parts[part_of(own[-1]) if own else "other"] += n
        for name in {short(f) for f in own if re.search(r"\((vconsole|screens|widgets)/", f)}:
            proc.functions[name] += n
    return processes


def label(command: str, root: bool) -> str:
    pid = command.split(":", 1)[0].removeprefix("process ")
    return f"console (bench process {pid})" if root else f"lab child {pid}"


def report(processes: dict[str, Process], top: int) -> None:
    total = sum(p.samples for p in processes.values()) or 1
    first = next(iter(processes), "")
    print(f"\nsamples holding the interpreter lock, by process ({total} in all)")
    for cmd, proc in sorted(processes.items(), key=lambda kv: -kv[1].samples):
        print(f"  {proc.samples:7d}  {proc.samples / total:6.1%}  {label(cmd, cmd == first)}")
    for cmd, proc in sorted(processes.items(), key=lambda kv: -kv[1].samples):
        if proc.samples < total * 0.02:
            continue
        print(f"\n{label(cmd, cmd == first)}: by part (innermost frame)")
        for part, n in proc.parts.most_common(top):
            print(f"  {n / proc.samples:6.1%}  {part}")
        if cmd == first:
            print("  project functions, inclusive:")
            for name, n in proc.functions.most_common(top):
                print(f"  {n / proc.samples:6.1%}  {name[:100]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=int, default=100, help="samples per second (default 100)")
    parser.add_argument("--top", type=int, default=14, help="lines per list")
    parser.add_argument("--within", help="console samples under a frame naming this only")
    parser.add_argument("--raw", type=Path, help="keep py-spy's raw samples here")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- bench script and options")
    args = parser.parse_args()
    command = [c for c in args.command if c != "--"]
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not command:
        parser.error("command: give the bench to run after --, e.g. -- bench/bench_lacp.py")
    if not Path(spy).exists():
        print("py-spy: not installed; `pip install -e '.[dev]'` installs it", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        raw = args.raw or Path(tmp) / "samples.txt"
        spy_cmd = [spy, "record", "--subprocesses", "--gil", "--nonblocking", "--format", "raw"]
        spy_cmd += ["--rate", str(args.rate), "-o", str(raw), "--", sys.executable, *command]
        done = subprocess.run(spy_cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        if done.returncode != 0 or not raw.exists():
            print(f"py-spy: exited {done.returncode} without samples", file=sys.stderr)
            return done.returncode or 1
        processes = read(raw, args.within)
    load = os.getloadavg()[0]
    print(f"\nwhere the CPU went (py-spy {args.rate}/s, lock holder only), load {load:.1f}")
    report(processes, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
