"""The session package has no import cycles, and panes see the manager only through Protocols."""

from __future__ import annotations

import json
import subprocess
import sys

import grimp


def test_no_module_of_sessions_is_in_an_import_cycle():
    # grimp counts function-local and type-checking-only imports too
    graph = grimp.build_graph("vconsole")
    names = sorted(m for m in graph.modules if m.startswith("vconsole.sessions."))
    in_cycles = {
        a
        for a in names
        for b in names
        if a != b and graph.chain_exists(a, b) and graph.chain_exists(b, a)
    }
    assert sorted(in_cycles) == []
    assert "vconsole.sessions.manager" not in graph.find_upstream_modules("vconsole.sessions.slot")


def test_the_protocols_module_costs_nothing_at_start_up():
    script = (
        "import sys, vconsole.sessions.protocols\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('vconsole.sessions.')"
        " or m.split('.')[0] in ('paramiko', 'pyVmomi', 'httpx'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json\n" + script], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.strip()) == ["vconsole.sessions.protocols"]
