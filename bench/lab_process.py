"""The lab's SSH hosts in a child process, as real hosts are other machines: the benchmarks time
the console, not the lab serving it in the same interpreter."""

from __future__ import annotations

import multiprocessing
import secrets
from pathlib import Path
from types import SimpleNamespace
from typing import Any


def serve_lab(scenario: Any, state_dir: str, password: str, conn: Any) -> None:
    """Child process: run the lab hosts of `scenario` until the parent says stop."""
    from vconsole.lab.esxi import EsxiLab

    with EsxiLab(scenario, Path(state_dir), password=password) as lab:
        conn.send((lab.endpoints, lab.user))
        conn.recv()


def start_lab_process(scenario: Any, state_dir: Path) -> tuple[Any, Any, Any]:
    """The lab hosts of `scenario` in a spawned child: a stand-in with what a manager needs
    (endpoints, user, password, host key), the process, and the pipe that stops it."""
    from vconsole.lab.esxi.hostkey import load_or_create_host_key

    key = load_or_create_host_key(state_dir)
    password = secrets.token_urlsafe(16)
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve_lab, args=(scenario, str(state_dir), password, child))
    proc.start()
    endpoints, user = parent.recv()
    lab = SimpleNamespace(endpoints=endpoints, user=user, password=password, host_key=key)
    return lab, proc, parent
