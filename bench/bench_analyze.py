"""`vconsole analyze` time against capture size: it should grow linearly.

A lab ESXi host with multipath LUNs is captured once and a LACP status/stats pair of 250 ports
added; bigger captures repeat every command's output k times (as a pasted capture of a big host
would be long). Each size is analysed with every pane; the time per MB is printed beside what a
linear scaling of the smallest size predicts. `--source DIR` measures another checkout of the
project (e.g. an older commit exported with `git archive`), for a before/after comparison.

    .venv/bin/python bench/bench_analyze.py [--sizes-mb 4 8 16] [--source DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]


async def base_capture(tmp: Path) -> dict[str, Any]:
    from lacp_helpers import lab_manager, port, stats, status

    from vconsole.esx.lacp import READ_COMMANDS
    from vconsole.lab.esxi import EsxiLab
    from vconsole.lab.scenario import default_scenario
    from vconsole.sessions.capture import capture_host

    with EsxiLab(default_scenario(), tmp / "lab") as lab:
        manager = lab_manager(lab, tmp, hosts=["esx-hq-01"])
        try:
            capture = await capture_host(manager, "esx-hq-01")
        finally:
            await manager.close()
    nics = [f"vmnic{i}" for i in range(250)]
    lacp = (status(*[port(n) for n in nics]), stats([(n, 40, 41) for n in nics]))
    for command, text in zip(READ_COMMANDS, lacp, strict=False):
        capture["commands"][command.line] = {"stdout": text, "stderr": "", "exit": 0}
    return capture


def grown(base: dict[str, Any], copies: int) -> dict[str, Any]:
    commands = {}
    for line, entry in base["commands"].items():
        text = str(entry.get("stdout", "")).rstrip("\n")
        commands[line] = {**entry, "stdout": (text + "\n\n") * copies}
    return {**base, "commands": commands}


async def time_analyze(path: Path) -> float:
    from vconsole.services.analyze import analyze_captures

    started = time.perf_counter()
    await analyze_captures([path], None)
    return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes-mb", type=float, nargs="+", default=[4, 8, 16])
    parser.add_argument("--source", type=Path, default=HERE, help="checkout to measure")
    args = parser.parse_args()
    sys.path[:0] = [str(args.source), str(HERE / "tests")]
    with tempfile.TemporaryDirectory(prefix="bench-analyze-") as name:
        tmp = Path(name)
        base = await base_capture(tmp)
        one = len(json.dumps(grown(base, 1)))
        print(f"code: {args.source}")
        print(f"{'size MB':>8} {'copies':>7} {'analyze s':>10} {'s per MB':>9} {'linear':>8}")
        first: tuple[float, float] | None = None
        for mb in args.sizes_mb:
            copies = max(1, round(mb * 1e6 / one))
            path = tmp / f"cap-{mb}.json"
            path.write_text(json.dumps(grown(base, copies)))
            size = path.stat().st_size / 1e6
            seconds = await time_analyze(path)
            first = first or (size, seconds)
            predicted = first[1] * size / first[0]
            print(
                f"{size:8.1f} {copies:7d} {seconds:10.2f} {seconds / size:9.3f} {predicted:7.2f}s"
            )


if __name__ == "__main__":
    asyncio.run(main())
