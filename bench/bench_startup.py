"""Cold start to first paint of the console, beside the naive start that imports everything eagerly.

Each variant is a fresh `python` process (cold imports) that builds the console on a profile with
one replay target and runs it headless at 80x24. The marker is printed when Textual hands the
first frame of the triage pane to its driver (first paint); the same process then reports when
the pane has settled (its first background reads done). The wall time from spawn to the marker
is measured here; variants are interleaved so they share the machine's load. Bytecode is cached
in a temporary directory by one unmeasured warm-up run, as an installed program has it; one
variant compiles the project's modules on every start instead (PYTHONDONTWRITEBYTECODE, as a
checkout that never wrote `__pycache__`). Run: `.venv/bin/python bench/bench_startup.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = "FIRST-PAINT"

CONSOLE = """
import asyncio, sys, time
t0 = time.perf_counter()
{eager}
from pathlib import Path
from screens.launch import build_console
from vconsole.config import Profile, TargetConfig
t_imported = time.perf_counter()
profile = Profile("bench", (TargetConfig("esx01", "replay", file={capture!r}),), source=None)
app = build_console(profile, known_hosts_path=Path({known_hosts!r}), use_keyring=False)
display = type(app)._display

def first_frame(self, screen, renderable):
    if renderable is not None and type(app)._display is first_frame:
        type(app)._display = display
        heavy = sorted(m for m in ("paramiko", "pyVmomi", "httpx") if m in sys.modules)
        print({marker!r}, round(t_imported - t0, 3), round(time.perf_counter() - t_imported, 3),
              type(screen).__name__, heavy, flush=True)
    return display(self, screen, renderable)

type(app)._display = first_frame

async def main():
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#triage-table").row_count >= 1
        print("SETTLED", round(time.perf_counter() - t0, 3), flush=True)

asyncio.run(main())
"""

EAGER = """
import importlib, pkgutil
import pyVmomi, paramiko, httpx
from pyVmomi import vim
import vconsole.services, screens
for mod in pkgutil.iter_modules(vconsole.services.__path__):
    importlib.import_module("vconsole.services." + mod.name)
for mod in pkgutil.iter_modules(screens.__path__):
    if not mod.name.startswith("__"):  # screens.__main__ would run the program
        importlib.import_module("screens." + mod.name)
"""

LAZY = "console, lazy imports (vconsole ui)"
NAIVE = "console, naive eager imports"
NO_PYC = "console, lazy, no bytecode cache"
VARIANTS = {
    "python (interpreter only)": f"print({MARKER!r}, flush=True)",
    "import textual.app": f"import textual.app\nprint({MARKER!r}, flush=True)",
    LAZY: None,
    NAIVE: None,
    NO_PYC: None,
}


def run_once(code: str, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(MARKER):
            elapsed = time.perf_counter() - start
            rest, _ = proc.communicate(timeout=60)
            settled = [x.split()[1] for x in rest.splitlines() if x.startswith("SETTLED")]
            detail = line.strip() + (f" settled {settled[0]}s" if settled else "")
            return elapsed, detail
    _, err = proc.communicate(timeout=30)
    raise RuntimeError(f"no first paint: {err[-800:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per variant (default 5)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        capture = Path(tmp) / "esx01.json"
        capture.write_text(
            json.dumps({"host": "esx01", "captured_at": "2026-01-01T00:00:00Z", "commands": {}})
        )
        env = {
            **os.environ,
            "VCONSOLE_CONFIG_DIR": str(Path(tmp) / "cfg"),
            "VCONSOLE_STATE_DIR": str(Path(tmp) / "state"),
            "PYTHONPATH": str(ROOT),
            "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # installed libraries' own __pycache__, none written for the project: its modules compile
        no_pyc_env = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
        no_pyc_env.pop("PYTHONPYCACHEPREFIX")
        fill = {"capture": str(capture), "known_hosts": str(Path(tmp) / "kh"), "marker": MARKER}
        codes = dict(VARIANTS)
        codes[LAZY] = CONSOLE.format(eager="", **fill)
        codes[NAIVE] = CONSOLE.format(eager=EAGER, **fill)
        codes[NO_PYC] = codes[LAZY]
        envs = {name: no_pyc_env if name == NO_PYC else env for name in codes}
        for name, code in codes.items():  # warm the OS file cache and bytecode once; not measured
            run_once(code, envs[name])
        times: dict[str, list[float]] = {name: [] for name in codes}
        details: dict[str, str] = {}
        for _ in range(args.runs):
            for name, code in codes.items():
                elapsed, line = run_once(code, envs[name])
                times[name].append(elapsed)
                details[name] = line.removeprefix(MARKER).strip()

    figures = {
        name: {"median_s": round(statistics.median(v), 3), "min_s": round(min(v), 3)}
        for name, v in times.items()
    }
    if args.json:
        print(json.dumps({"runs": args.runs, "figures": figures}, indent=2))
        return 0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cold start to first paint, 80x24 headless, {args.runs} runs each, load {load:.1f}")
    print(
        f"{'variant':36} {'median':>8} {'min':>8}  import / paint, screen, heavy modules, settled"
    )
    for name, fig in figures.items():
        extra = details.get(name, "")
        print(f"{name:36} {fig['median_s']:>7.3f}s {fig['min_s']:>7.3f}s  {extra}")
    lazy = figures[LAZY]["median_s"]
    naive = figures[NAIVE]["median_s"]
    print(
        f"lazy start saves {naive - lazy:.3f} s ({(1 - lazy / naive) * 100:.0f}%) against eager imports"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
