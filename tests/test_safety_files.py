"""Files: `analyze` does work in proportion to the capture, not to its square.

Time is measured in bench/bench_analyze.py; here the measure is deterministic: the lines of the
console's own code executed (a trace count) for a capture of N LACP ports and of 8N. Linear code
runs about 8 times the lines; the old port-to-counter matching (every port scanned every
counter row) ran about 15 times.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from lacp_helpers import port, stats, status, write_lacp_capture

from vconsole.services.analyze import analyze_captures

CONSOLE = str(Path(__file__).resolve().parents[1] / "vconsole")


def lines_run(capture: Path) -> int:
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if not frame.f_code.co_filename.startswith(CONSOLE):
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        asyncio.run(analyze_captures([capture], ["lacp"]))
    finally:
        sys.settrace(None)
    return count


def lacp_capture(tmp: Path, ports: int) -> Path:
    nics = [f"vmnic{i}" for i in range(ports)]
    return write_lacp_capture(
        tmp / f"lacp-{ports}.json",
        "esx-big",
        status(*[port(n) for n in nics]),
        stats([(n, 40, 41) for n in nics]),
    )


def test_analyze_work_grows_linearly_with_the_capture(tmp_path: Path) -> None:
    small = lines_run(lacp_capture(tmp_path, 100))
    large = lines_run(lacp_capture(tmp_path, 800))
    # 8 times the ports: about 8 times the lines (7.8 measured); the old matching ran 14.6 times
    assert large / small < 10, (small, large)
