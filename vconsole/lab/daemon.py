"""The background lab process behind `vconsole lab start`: runs the lab until SIGTERM.

It writes `lab.json` (services, pid, status) and `lab.toml` (a config file with a `lab` profile)
into the state dir, and removes its pid file on the way out so `lab status` tells the truth.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import traceback
from pathlib import Path

from vconsole import debug_log
from vconsole.lab.labfiles import console_state_dir, write_lab_files, write_status
from vconsole.lab.runtime import LabRuntime
from vconsole.lab.scenario import Scenario, default_scenario, load_scenario


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vconsole-lab-daemon")
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--scenario", type=Path)
    parser.add_argument("--real-network", action="store_true")
    args = parser.parse_args(argv)
    state_dir: Path = args.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    debug_log.configure(where=lambda: state_dir / debug_log.LOG_FILE)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    runtime = None
    try:
        scenario = load_scenario(args.scenario) if args.scenario else default_scenario()
        runtime = LabRuntime(scenario, state_dir, real_network=args.real_network)
        write_status(state_dir, {"status": "starting", "pid": os.getpid()})
        services = runtime.start()
        _seed_mtu_sets(scenario, console_state_dir(state_dir))
        write_lab_files(
            state_dir,
            services,
            scenario_name=scenario.name,
            pid=os.getpid(),
            real_network=args.real_network,
        )
        while not stop.wait(0.1):
            pass
        return 0
    except Exception as exc:
        write_status(
            state_dir,
            {"status": "failed", "pid": os.getpid(), "error": f"{type(exc).__name__}: {exc}"},
        )
        traceback.print_exc(file=sys.stderr)
        return 1
    finally:
        if runtime is not None:
            runtime.stop()
        status_file = state_dir / "lab.json"
        if status_file.exists():
            data = json.loads(status_file.read_text())
            if data.get("status") != "failed":
                data["status"] = "stopped"
            data.pop("pid", None)
            status_file.write_text(json.dumps(data, indent=2))


def _seed_mtu_sets(scenario: Scenario, console_dir: Path) -> None:
    """Give the MTU pane the lab's per-site test sets in the lab profile's own state dir."""
    from vconsole.services.mtu_store import MtuStore, seed_from_scenario

    try:
        seed_from_scenario(MtuStore(console_dir), scenario)
    except Exception as exc:  # a damaged store must not stop the lab
        print(f"MTU test sets not seeded: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
