"""What the console loads before its first frame: no SSH, vSphere or HTTP library, no other pane.

A fresh interpreter builds the console on a replay capture (a real file in the capture format)
and runs it headless; the modules loaded when Textual hands over the first frame, and once the
triage pane's first background reads are in, are reported back. Heavy libraries load when a
pane first needs them (a replay target needs none), other panes when they are first shown.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from shell_helpers import write_capture

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("paramiko", "pyVmomi", "httpx", "keyring", "textual.widgets._text_area")
OTHER_PANES = ("screens.lacp", "screens.paths", "screens.gpus", "screens.inventory", "screens.mtu")

PROBE = """
import asyncio, json, sys
from pathlib import Path
from screens.launch import build_console
from vconsole.config import Profile, TargetConfig

profile = Profile("p", (TargetConfig("esx01", "replay", file=sys.argv[1]),), source=None)
app = build_console(profile, known_hosts_path=Path(sys.argv[2]), use_keyring=False)
display = type(app)._display
seen = {}

def first_frame(self, screen, renderable):
    if renderable is not None and "first" not in seen:
        seen["first"] = sorted(sys.modules)
        seen["screen"] = type(screen).__name__
    return display(self, screen, renderable)

type(app)._display = first_frame

async def main():
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#triage-table")
        for _ in range(600):  # until the first background reads are in (at most 30 s)
            await pilot.pause(0.05)
            if table.row_count:
                break
        seen["rows"] = table.row_count
        seen["settled"] = sorted(sys.modules)
    sys.__stdout__.write(json.dumps(seen))

asyncio.run(main())
"""


def test_first_frame_loads_no_heavy_library_and_no_other_pane(tmp_path: Path) -> None:
    capture = write_capture(tmp_path / "esx01.json", "esx01")
    env = {
        **os.environ,
        "VCONSOLE_CONFIG_DIR": str(tmp_path / "cfg"),
        "VCONSOLE_STATE_DIR": str(tmp_path / "state"),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(capture), str(tmp_path / "known_hosts")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["screen"] == "TriageScreen"
    assert seen["rows"] >= 1  # the pane did read its sources once settled
    first, settled = set(seen["first"]), set(seen["settled"])
    assert "screens.triage" in first
    assert first.isdisjoint(HEAVY), sorted(first & set(HEAVY))
    assert first.isdisjoint(OTHER_PANES), sorted(first & set(OTHER_PANES))
    assert settled.isdisjoint(HEAVY), sorted(settled & set(HEAVY))
    assert settled.isdisjoint(OTHER_PANES), sorted(settled & set(OTHER_PANES))
