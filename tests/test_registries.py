"""The pane registry, the command line and the analyzers name their modules by import: a pane,
command or analyzer whose module is missing stops the program with an import error instead of
leaving a shorter menu, a command fewer or a report without that pane.

Each case runs in a fresh interpreter twice: as shipped (everything is there), and with one
module made unimportable (`sys.modules[name] = None`, what a deleted file looks like to import).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ALL_PANES = {
    "triage": "screens.triage.TriageScreen",
    "vm": "screens.inventory.InventoryScreen",
    "lag": "screens.lacp.LacpScreen",
    "mtu": "screens.mtu.MtuScreen",
    "path": "screens.paths.PathsScreen",
    "gpu": "screens.gpus.GpusScreen",
    "brand": "screens.branding.BrandingScreen",
    "check": "screens.checks.ChecksScreen",
    "conn": "screens.connections.ConnectionsScreen",
    "help": "screens.help.HelpScreen",
}

OPEN_EVERY_PANE = """
from screens.pane_context import PaneContext
from screens.panes import all_panes, open_pane
from vconsole.config import Profile
from vconsole.sessions import SessionManager

profile = Profile("empty", ())
manager = SessionManager(profile, read_only=True)
opened = {}
for spec in all_panes():
    screen = open_pane(PaneContext(manager, profile, True, spec.alias), spec.alias)
    opened[spec.alias] = f"{type(screen).__module__}.{type(screen).__name__}"
print(json.dumps(opened))
"""

LIST_COMMANDS = """
import argparse
from vconsole.cli import build_parser

parser = build_parser()
(sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
print(json.dumps(sorted(sub.choices)))
"""

LIST_ANALYZERS = """
from vconsole.services.analyze import ANALYZERS, PANE_COMMANDS

print(json.dumps({"analyzers": sorted(ANALYZERS), "commands": sorted(PANE_COMMANDS)}))
"""


def run(code: str, tmp_path: Path, missing: str | None = None) -> subprocess.CompletedProcess[str]:
    block = f"sys.modules[{missing!r}] = None\n" if missing else ""
    env = dict(
        os.environ,
        VCONSOLE_CONFIG_DIR=str(tmp_path / "cfg"),
        VCONSOLE_STATE_DIR=str(tmp_path / "state"),
    )
    return subprocess.run(
        [sys.executable, "-c", "import json, sys\n" + block + code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def shipped(code: str, tmp_path: Path) -> object:
    done = run(code, tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def refused(code: str, tmp_path: Path, missing: str) -> str:
    """The import error the run ends with when `missing` cannot be imported."""
    done = run(code, tmp_path, missing)
    assert done.returncode != 0, f"ran without {missing}: {done.stdout}"
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(("ImportError", "ModuleNotFoundError")), done.stderr
    assert missing in last
    return last


def test_every_pane_opens_its_own_screen(tmp_path: Path) -> None:
    assert shipped(OPEN_EVERY_PANE, tmp_path) == ALL_PANES


@pytest.mark.parametrize("module", ["screens.gpus", "screens.connections", "screens.help"])
def test_a_missing_pane_module_is_an_import_error(tmp_path: Path, module: str) -> None:
    refused(OPEN_EVERY_PANE, tmp_path, module)


def test_every_command_module_adds_its_commands(tmp_path: Path) -> None:
    commands = shipped(LIST_COMMANDS, tmp_path)
    assert isinstance(commands, list)
    for name in ("inventory", "lacp", "mtu", "paths", "gpus", "branding", "triage", "checks"):
        assert name in commands
    assert {"lab", "config", "capture", "analyze"} <= set(commands)


@pytest.mark.parametrize("module", ["vconsole.commands.gpus_cmd", "vconsole.commands.lab_cmd"])
def test_a_missing_command_module_is_an_import_error(tmp_path: Path, module: str) -> None:
    refused(LIST_COMMANDS, tmp_path, module)


def test_every_analyzer_is_listed(tmp_path: Path) -> None:
    assert shipped(LIST_ANALYZERS, tmp_path) == {
        "analyzers": ["checks", "gpu", "lacp", "network", "paths"],
        "commands": ["checks", "lacp", "network", "paths"],
    }


@pytest.mark.parametrize("module", ["vconsole.services.gpus", "vconsole.esx.storage"])
def test_a_missing_analyzer_module_is_an_import_error(tmp_path: Path, module: str) -> None:
    refused(LIST_ANALYZERS, tmp_path, module)
