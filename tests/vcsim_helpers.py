"""Helpers for tests against the lab vCenter (vconsole.lab.vcsim)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_fixtures import with_host_down

from vconsole.lab.scenario import Scenario
from vconsole.lab.vcsim import vcsim_unavailable

_MISSING = vcsim_unavailable()
needs_go = pytest.mark.skipif(_MISSING is not None, reason=f"lab vCenter unavailable: {_MISSING}")


def lab_test(fn: Any) -> Any:
    """A test that needs the built simulator (Go toolchain and govmomi sources)."""
    return pytest.mark.lab(needs_go(fn))


DOWN_HOST = "esx-wlg-02"


def lab_scenario() -> Scenario:
    """The default scenario with one branch host down, so the fault shows in vCenter too."""
    return with_host_down(DOWN_HOST)


def objects(content: Any, kind: Any) -> list[Any]:
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
    try:
        return list(view.view)
    finally:
        view.Destroy()


@contextlib.contextmanager
def vcenter_content(lab: Any) -> Iterator[Any]:
    """pyVmomi's ServiceContent of the lab vCenter (over http), disconnected afterwards."""
    from pyVim.connect import Disconnect, SmartConnect

    si = SmartConnect(
        host=lab.host, port=lab.port, user=lab.user, pwd=lab.password, protocol="http"
    )
    try:
        yield si.RetrieveContent()
    finally:
        Disconnect(si)


def host_named(content: Any, name: str) -> Any:
    from pyVmomi import vim

    return next(h for h in objects(content, vim.HostSystem) if h.name == name)


def query_latency(content: Any, host_name: str, counters: list[str], samples: int) -> Any:
    from pyVmomi import vim

    pm = content.perfManager
    ids = {f"{c.groupInfo.key}.{c.nameInfo.key}.{c.rollupType}": c.key for c in pm.perfCounter}
    spec = vim.PerformanceManager.QuerySpec(
        entity=host_named(content, host_name),
        intervalId=20,
        maxSample=samples,
        metricId=[
            vim.PerformanceManager.MetricId(counterId=ids[c], instance="*") for c in counters
        ],
    )
    (result,) = pm.QueryPerf([spec])
    names = {v: k for k, v in ids.items()}
    return result, names


def alive(pid: int) -> bool:
    """Running and not a zombie waiting for a reaper (PID 1 in a container may never reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
