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

`--phase NAME` samples only while the bench is in a phase of that name: the bench marks its
phases on stderr when BENCH_PHASE_MARKS is set (bench_api_hosts marks `warm`: the console's
warm refreshes, and `naive` the older ways beside them; the lab's start, cold logins and loops
are in neither), and py-spy is attached for
each. Run:

    .venv/bin/python bench/where_cpu.py [--rate 100] [--phase warm] -- \\
        bench/bench_api_hosts.py --hosts 1000 --lacp-only --only ssh
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
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
MARK = "@bench-phase"  # bench_api_hosts: `@bench-phase begin warm` ... `@bench-phase end warm`
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


def read(raws: list[Path]) -> dict[str, Process]:
    processes: dict[str, Process] = {}
    root = ""
    lines = [line for raw in raws for line in raw.read_text(errors="replace").splitlines()]
    for line in lines:
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
        proc = processes.setdefault(pid_cmd, Process(pid_cmd))
        n = int(count)
        proc.samples += n
        proc.parts[part_of(own[-1]) if own else "other"] += n
        for name in {short(f) for f in own if re.search(r"\((vconsole|screens|widgets)/", f)}:
            proc.functions[name] += n
    if root in processes:  # the bench's own process first: it is the one `report` calls console
        processes = {root: processes.pop(root), **processes}
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


ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def sample_phases(
    sampling: list[str], command: list[str], phase: str, where: Path
) -> tuple[int, list[Path]]:
    """Run the bench itself and attach the sampler during each phase it marks on stderr."""
    bench = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env={**ENV, "BENCH_PHASE_MARKS": "1"},
        stderr=subprocess.PIPE,
        text=True,
    )
    assert bench.stderr is not None
    raws: list[Path] = []
    spy: subprocess.Popen[bytes] | None = None
    for line in bench.stderr:
        mark = line.split()
        if mark[:2] == [MARK, "begin"] and phase in mark[2:] and spy is None:
            raws.append(where / f"phase-{len(raws)}.txt")
            spy = subprocess.Popen(
                [*sampling, "-o", str(raws[-1]), "--pid", str(bench.pid)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        elif mark[:2] == [MARK, "end"] and spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes what it has on an interrupt
            spy.wait()
            spy = None
        elif not line.startswith(MARK):
            sys.stderr.write(line)
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait()
    return bench.wait(), raws


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=int, default=100, help="samples per second (default 100)")
    parser.add_argument("--top", type=int, default=14, help="lines per list")
    parser.add_argument("--phase", help="sample only in the bench's phases of this name")
    parser.add_argument("--raw", type=Path, help="keep py-spy's raw samples in this directory")
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
        where = args.raw or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        sampling = [spy, "record", "--subprocesses", "--gil", "--nonblocking", "--format", "raw"]
        sampling += ["--rate", str(args.rate)]
        if args.phase:
            code, raws = sample_phases(sampling, command, args.phase, where)
        else:
            raws = [where / "samples.txt"]
            code = subprocess.run(
                [*sampling, "-o", str(raws[0]), "--", sys.executable, *command], cwd=ROOT, env=ENV
            ).returncode
        raws = [r for r in raws if r.exists()]
        if code != 0 or not raws:
            print(f"where_cpu: the run exited {code} with {len(raws)} samples", file=sys.stderr)
            return code or 1
        processes = read(raws)
    load = os.getloadavg()[0]
    print(f"\nwhere the CPU went (py-spy {args.rate}/s, lock holder only), load {load:.1f}")
    report(processes, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
