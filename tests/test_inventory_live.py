"""Live inventory on real lab vCenters: changes stream in, drops leave stale rows, reconnects resume."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from inventory_helpers import (
    VM_TOTAL,
    DroppingProxy,
    default_lab_fixture,
    lab_scenario,
    manager_for,
    needs_vcsim,
    pyvmomi_content,
    vm_answer_bytes,
)
from vcsim_helpers import objects
from waiting import wait_for

from vconsole.lab.vcsim import VcsimLab
from vconsole.models.inventory import LoadState, ObjectKind
from vconsole.services.inventory import InventoryService, InventoryUpdate
from vconsole.services.inventory_export import as_records

pytestmark = [needs_vcsim, pytest.mark.timeout(300)]
VM_READ = (b"<path>view</path>", b"<type>VirtualMachine</type>")
"""Bytes only a request of the full VM read holds (a container view of VMs)."""


class Recorder:
    """Collects what the service reports, as a screen would."""

    def __init__(self) -> None:
        self.updates: list[InventoryUpdate] = []
        self.states: list[LoadState] = []

    def __call__(self, update: InventoryUpdate) -> None:
        self.updates.append(update)
        if update.status is not None:
            self.states.append(update.status.state)

    def upserted(self, key: str) -> list[Any]:
        return [row for u in self.updates for row in u.upserts if row.key == key]

    def removed(self, key: str) -> bool:
        return any(key in u.removed for u in self.updates)


@contextlib.asynccontextmanager
async def running(service: InventoryService, recorder: Recorder) -> AsyncIterator[asyncio.Task]:
    task = asyncio.ensure_future(service.run(recorder))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


lab = default_lab_fixture()


@pytest.fixture
def own_lab() -> Iterator[VcsimLab]:
    """A lab this test may kill and restart."""
    lab = VcsimLab(lab_scenario(), Path(tempfile.mkdtemp(prefix="vconsole-inv-kill-"))).start()
    yield lab
    lab.stop()


def _vm(content: Any, name: str) -> Any:
    from pyVmomi import vim

    return next(vm for vm in objects(content, vim.VirtualMachine) if vm.name == name)


def watched(lab: VcsimLab, tmp_path: Path) -> tuple[Any, InventoryService, Recorder, Any]:
    """The lab as vc01 behind a manager, a service watching it (5 s waits), a recorder for its
    updates, and pyVmomi's content of the same vCenter to change things with."""
    manager = manager_for(tmp_path, {"vc01": lab})
    return manager, InventoryService(manager, watch_wait_s=5), Recorder(), pyvmomi_content(lab)[1]


async def _task(fn: Any, *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


async def test_power_off_reaches_the_update_stream(lab: VcsimLab, tmp_path: Path) -> None:
    from pyVim.task import WaitForTask

    manager, service, recorder, content = watched(lab, tmp_path)
    vm = _vm(content, "MGMT-vm-0001")
    key = f"vc01/{vm._moId}"
    async with running(service, recorder):
        assert await wait_for(lambda: "vc01" in service.watching)
        assert service.row(key).power_state == "poweredOn"
        before = len(recorder.upserted(key))
        await _task(WaitForTask, vm.PowerOffVM_Task())
        assert await wait_for(lambda: service.row(key).power_state == "poweredOff")
        change = recorder.upserted(key)[before:]
        assert change and change[-1].power_state == "poweredOff"
        await _task(WaitForTask, vm.PowerOnVM_Task())
        assert await wait_for(lambda: service.row(key).power_state == "poweredOn")
    await manager.close()


async def test_new_and_removed_vms_appear_and_disappear(lab: VcsimLab, tmp_path: Path) -> None:
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    manager, service, recorder, content = watched(lab, tmp_path)
    template = _vm(content, "AKL-VSAN-vm-0001")
    host = template.runtime.host
    datacenter = next(dc for dc in objects(content, vim.Datacenter) if dc.name == "DC-AKL")
    spec = vim.vm.ConfigSpec(
        name="inventory-test-new-vm",
        guestId="otherGuest",
        numCPUs=1,
        memoryMB=512,
        files=vim.vm.FileInfo(vmPathName="[vsanDatastore]"),
    )
    cluster_key = f"vc01/{host.parent._moId}"
    async with running(service, recorder):
        assert await wait_for(lambda: "vc01" in service.watching)
        before = service.row(cluster_key).vm_count
        task = datacenter.vmFolder.CreateVM_Task(spec, host.parent.resourcePool, host)
        await _task(WaitForTask, task)
        new = task.info.result
        key = f"vc01/{new._moId}"
        assert await wait_for(lambda: service.row(key) is not None)
        row = service.row(key)
        assert (row.name, row.host, row.cluster) == ("inventory-test-new-vm", host.name, "AKL-VSAN")
        hosts = {r.name: r for r in service.rows(ObjectKind.HOST)}
        assert await wait_for(lambda: service.row(f"vc01/{host._moId}").vm_count == 9)
        assert hosts[host.name].vm_count in (8, 9)
        assert await wait_for(lambda: service.row(cluster_key).vm_count == before + 1)
        await _task(WaitForTask, new.Destroy_Task())
        assert await wait_for(lambda: service.row(key) is None)
        assert await wait_for(lambda: service.row(cluster_key).vm_count == before)
        assert recorder.removed(key)
    await manager.close()


async def test_drop_mid_load_keeps_partial_rows_stale_then_resumes(
    lab: VcsimLab, tmp_path: Path
) -> None:
    proxy = DroppingProxy(lab.port)
    manager = manager_for(tmp_path, {"vc01": lab}, ports={"vc01": proxy.port})
    service = InventoryService(manager, watch_wait_s=5, reconnect_delays_s=(1.0,))
    seen_at_stale: list[int] = []

    def on_update(update: InventoryUpdate) -> None:
        recorder(update)
        if update.status is not None and update.status.state == LoadState.STALE:
            seen_at_stale.append(len(service.rows(ObjectKind.VM)))

    recorder = Recorder()
    # Cut the first answer of the full VM read (datacenter by datacenter), not the preview
    proxy.drop_after(vm_answer_bytes(lab) // 20, request_has=VM_READ)
    async with running(service, on_update):
        assert await wait_for(lambda: bool(seen_at_stale))
        assert proxy.cuts == 1
        assert 0 < seen_at_stale[0] < VM_TOTAL  # what arrived before the drop is kept
        assert service.statuses["vc01"].error
        assert len(service.rows(ObjectKind.HOST)) == len(lab.scenario.hosts)
        assert await wait_for(lambda: service.statuses["vc01"].state == LoadState.LIVE)
        assert len(service.rows(ObjectKind.VM)) == VM_TOTAL
    assert recorder.states[:3] == [LoadState.CONNECTING, LoadState.LOADING, LoadState.STALE]
    await manager.close()
    proxy.close()


async def test_one_shot_load_cut_short_flags_rows_stale(lab: VcsimLab, tmp_path: Path) -> None:
    proxy = DroppingProxy(lab.port)
    manager = manager_for(tmp_path, {"vc01": lab}, ports={"vc01": proxy.port})
    service = InventoryService(manager)
    proxy.drop_after(vm_answer_bytes(lab) // 20, request_has=VM_READ)
    statuses = await service.load()
    await manager.close()
    proxy.close()
    assert statuses[0].state == LoadState.STALE and "vc01" in service.stale()
    vms = service.rows(ObjectKind.VM)
    assert 0 < len(vms) < VM_TOTAL
    assert all(record["stale"] for record in as_records(vms, service.stale()))


async def test_vcenter_killed_while_live_then_back(own_lab: VcsimLab, tmp_path: Path) -> None:
    from pyVim.task import WaitForTask

    port = own_lab.port
    manager = manager_for(tmp_path, {"vc01": own_lab})
    service = InventoryService(manager, watch_wait_s=5, reconnect_delays_s=(0.3, 0.5, 1.0))
    recorder = Recorder()
    async with running(service, recorder) as task:
        assert await wait_for(lambda: "vc01" in service.watching)
        await _task(own_lab.stop)
        assert await wait_for(lambda: service.statuses["vc01"].state == LoadState.STALE)
        assert len(service.rows(ObjectKind.VM)) == VM_TOTAL  # last known rows stay
        assert not task.done()  # no crash: the service keeps trying
        restarted = VcsimLab(own_lab.scenario, own_lab.state_dir, port=port)
        await _task(restarted.start)
        try:
            assert await wait_for(
                lambda: service.statuses["vc01"].state == LoadState.LIVE, timeout=60
            )
            assert len(service.rows(ObjectKind.VM)) == VM_TOTAL
            assert await wait_for(lambda: "vc01" in service.watching)
            _, content = pyvmomi_content(restarted)
            vm = _vm(content, "WLG-VSAN-vm-0002")
            key = f"vc01/{vm._moId}"
            await _task(WaitForTask, vm.PowerOffVM_Task())
            assert await wait_for(lambda: service.row(key).power_state == "poweredOff")
        finally:
            await _task(restarted.stop)
    await manager.close()
