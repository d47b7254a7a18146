"""Saves an SVG screenshot of every pane, at 80x24, on a freshly started default lab.

.venv/bin/python scripts/screenshots.py [OUT_DIR]      (default docs/screenshots)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PANES = [
    ("triage", 8.0),
    ("conn", 4.0),
    ("lag", 5.0),
    ("mtu", 1.0),
    ("path", 5.0),
    ("gpu", 4.0),
    ("brand", 4.0),
    ("vm", 4.0),
    ("check", 4.0),
]


async def shoot(config: Path, out: Path, state: Path) -> None:
    from screens.launch import build_console
    from vconsole.config import load_config

    profile = load_config(config).profile("lab")
    for alias, wait_s in PANES:
        app = build_console(
            profile,
            start_pane=alias,
            known_hosts_path=state / "known_hosts",
            use_keyring=False,
            test_all_on_start=True,
        )
        async with app.run_test(size=(80, 24)) as pilot:
            if alias == "mtu":
                await pilot.pause(0.5)
                await pilot.press("R")  # run every saved set
                wait_s = 12.0
            await pilot.pause(wait_s)
            path = app.save_screenshot(filename=f"{alias}.svg", path=str(out))
            print(path)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    from vconsole.lab.labfiles import write_lab_files
    from vconsole.lab.runtime import LabRuntime
    from vconsole.lab.scenario import default_scenario

    with tempfile.TemporaryDirectory() as tmp:
        import os

        os.environ["VCONSOLE_STATE_DIR"] = str(Path(tmp) / "state")
        os.environ["VCONSOLE_CONFIG_DIR"] = str(Path(tmp) / "cfg")
        from vconsole.services.mtu_store import MtuStore, seed_from_scenario

        scenario = default_scenario()
        seed_from_scenario(MtuStore(), scenario)
        runtime = LabRuntime(scenario, Path(tmp) / "lab")
        services = runtime.start()
        try:
            write_lab_files(
                Path(tmp) / "lab",
                services,
                scenario_name=scenario.name,
                pid=os.getpid(),
                real_network=False,
            )
            asyncio.run(shoot(Path(tmp) / "lab" / "lab.toml", out, Path(tmp)))
        finally:
            runtime.stop()


if __name__ == "__main__":
    main()
