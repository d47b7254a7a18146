"""The core never imports the UI: import `vconsole` and its core modules in a fresh interpreter."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import vconsole

UI_MODULES = ("textual", "screens", "widgets")


def core_modules() -> list[str]:
    names = ["vconsole"]
    for info in pkgutil.walk_packages(vconsole.__path__, "vconsole."):
        if info.name.endswith("__main__"):
            continue  # running it would start the console
        names.append(info.name)
    return names


def test_core_imports_no_ui_modules():
    modules = core_modules()
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {UI_MODULES!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
    assert "vconsole.sessions.manager" in modules and "vconsole.tokens" in modules


def test_importing_sessions_and_tokens_stays_light():
    script = (
        "import sys, vconsole.sessions, vconsole.tokens, vconsole.config\n"
        "print(sorted(m for m in ('paramiko', 'pyVmomi', 'httpx') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
