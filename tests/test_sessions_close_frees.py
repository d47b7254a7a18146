"""Closing a session manager lets go of everything it made: a console that switches profiles
or closes a pane must not keep the old session's slots, connections, audit log or secrets (and
the collector must not walk them at every full collection from then on).

On the lab, over SSH (`lab`) and through vCenter (`lab-vcenter`): a manager is opened, reads
LACP and multipathing from every host, and is closed; right after its close, with no turn of the
event loop in between, no object of the console's own types is left beyond those there before.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections import Counter
from pathlib import Path

import pytest
from hosts_api_helpers import LAB_MARKS, lab_toml_fixture
from waiting import wait_until

pytestmark = LAB_MARKS


def small_estate():  # type: ignore[no-untyped-def]
    from vconsole.lab.scenario import default_scenario

    return default_scenario()


lab = lab_toml_fixture(small_estate, "close-frees", "lab")

# kept by the console for its whole life, whichever session is open: not a session's leftovers
PROCESS_WIDE = {"vconsole.debug_log"}
POOL = "vconsole.sessions.pool."


def module_of(o: object) -> str:
    """The module that defines the object's class ('' when its class says none as a string)."""
    module = getattr(type(o), "__module__", "")
    return module if isinstance(module, str) else ""


def console_objects() -> Counter[str]:
    """The console's own objects the collector tracks, by type, after a full collection."""
    gc.collect()
    return Counter(
        f"{module_of(o)}.{type(o).__qualname__}"
        for o in gc.get_objects()
        if module_of(o).startswith(("vconsole.", "httpx."))
        and not module_of(o).startswith("vconsole.lab.")  # the lab: other machines
        and module_of(o) not in PROCESS_WIDE
        and not isinstance(o, type)
    )


def client_transports() -> int:
    """The console's SSH transports still in memory (the lab's, server side, are not)."""
    import paramiko

    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is paramiko.Transport and not o.server_mode)


def session_threads() -> list[str]:
    """Threads of a session: its executor's and its SSH transports' (the lab's are not)."""
    import paramiko

    return [
        t.name
        for t in threading.enumerate()
        if t.name.startswith("vconsole-io")
        or (isinstance(t, paramiko.Transport) and not t.server_mode)
    ]


async def open_read_close(config: Path, profile_name: str) -> None:
    """One session's life as a pane has it: open, read every host, close."""
    from vconsole.config import load_config
    from vconsole.services.lacp import LacpService
    from vconsole.services.paths import PathsService
    from vconsole.sessions.discovery import discover_profile
    from vconsole.sessions.manager import SessionManager

    manager = SessionManager(load_config(config).profile(profile_name))
    if manager.profile.hosts is not None:
        await discover_profile(manager)
    hosts = manager.profile.names("esxi")
    vcenter = manager.profile.names("vcenter")[0]
    lacp = await LacpService(manager, hosts, vcenter).refresh()
    paths = await PathsService(manager, hosts, vcenter).refresh()
    assert lacp.rows and paths.rows and all(h.ok for h in lacp.hosts)
    await manager.close()


async def left_after(config: Path, profile_name: str) -> Counter[str]:
    """The console's objects the moment a session's `close()` has returned."""
    await open_read_close(config, profile_name)
    return console_objects()


@pytest.mark.parametrize("profile", ["lab", "lab-vcenter"])
def test_a_closed_manager_leaves_nothing_of_its_session(
    lab: Path, profile: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    asyncio.run(left_after(lab, profile))  # imports, module caches, first-use tables
    before = console_objects()
    after = asyncio.run(left_after(lab, profile))
    # the executor's threads hold the pool (not the calls they ran) until they have ended
    left = {k: n for k, n in (after - before).items() if not k.startswith(POOL)}
    assert left == {}, "left behind after close"
    # the executor's and SSH transports' threads end on their own once closed, and with them
    # the pool and the transports (each thread holds its own until it has seen the close)
    wait_until(lambda: not session_threads(), "the session's threads to end")
    assert dict(console_objects() - before) == {}
    assert client_transports() == 0
