"""The details view speaks admin words and shows a VM's datastores, networks, disks and
snapshots, read from the lab's vCenter when the details open."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from inventory_helpers import (
    default_lab_fixture,
    manager_for,
    needs_vcsim,
)
from shell_helpers import wait_until

from screens.app import VconsoleApp
from vconsole.lab.vcsim import VcsimLab
from vconsole.models.inventory import LoadState
from vconsole.services.inventory_words import enum_words, size_text

pytestmark = needs_vcsim


lab = default_lab_fixture()


def test_sizes_and_enum_values_read_as_words() -> None:
    assert size_text(4096) == "4 GiB"
    assert size_text(1536) == "1.5 GiB"
    assert size_text(512) == "512 MiB"
    assert enum_words("poweredOn") == "Powered on"
    assert enum_words("guestToolsNotRunning") == "Guest tools not running"
    assert enum_words("esx-01 (maint)") == "esx-01 (maint)"


@settings(max_examples=50)
@given(st.integers(min_value=1024, max_value=64 * 1024 * 1024))
def test_size_text_names_a_size_within_rounding(mebibytes: int) -> None:
    number, unit = size_text(mebibytes).split()
    scale = {"GiB": 1024, "TiB": 1024 * 1024}[unit]
    assert abs(float(number) * scale - mebibytes) <= 0.05 * scale + 1e-6  # one decimal


def _lines(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        label, sep, value = line.partition("  ")
        if sep and label.strip():
            out.setdefault(label.strip(), value.strip())
    return out


@contextlib.asynccontextmanager
async def live_pane(
    lab: VcsimLab, tmp_path: Path, pane: str
) -> AsyncIterator[tuple[Any, Any, Any]]:
    """The console at 120x40 on `pane` once vc01 is live: pilot, pane, the row under the cursor."""
    manager = manager_for(tmp_path, {"vc01": lab})
    app = VconsoleApp(manager, manager.profile, start_pane=pane)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.service.statuses["vc01"].state == LoadState.LIVE)
        await pilot.pause(0.2)
        yield pilot, screen, screen.service.row(screen.table.cursor_key)


async def open_details(pilot: Any, screen: Any, row: Any) -> Any:
    """Enter on the row: its details view, once the details have been read."""
    screen.table.focus()
    await pilot.press("enter")
    details = pilot.app.screen
    assert details.row == row
    await wait_until(pilot, lambda: details.details is not None)
    return details


async def test_vm_details_in_admin_words_with_storage_network_disks_snapshots(
    lab: VcsimLab, tmp_path: Path
) -> None:
    from pyVim.connect import Disconnect, SmartConnect
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    async with live_pane(lab, tmp_path, "vm") as (pilot, screen, row):
        si = SmartConnect(
            host=lab.host, port=lab.port, user=lab.user, pwd=lab.password, protocol="http"
        )
        try:
            vm = vim.VirtualMachine(row.moid, si._stub)
            net = vm.runtime.host.network[0]
            nic = vim.vm.device.VirtualE1000(
                backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(
                    deviceName=net.name, network=net
                )
            )
            change = vim.vm.device.VirtualDeviceSpec(operation="add", device=nic)
            WaitForTask(vm.ReconfigVM_Task(vim.vm.ConfigSpec(deviceChange=[change])))
            WaitForTask(vm.CreateSnapshot_Task("before-patch", "", False, False))
            WaitForTask(vm.CreateSnapshot_Task("after-patch", "", False, False))
            datastores = sorted(d.name for d in vm.datastore)
            networks = sorted(n.name for n in vm.network)
            disks = [
                d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)
            ]
            snapshots = 0
            pending = list(vm.snapshot.rootSnapshotList)
            while pending:
                node = pending.pop()
                snapshots += 1
                pending.extend(node.childSnapshotList or [])
        finally:
            Disconnect(si)

        details = await open_details(pilot, screen, row)
        text = details.query_one("#details-text").text
        lines = _lines(text)
        assert "memory_mb" not in text and "power_state" not in text and "vcpu" not in text
        assert lines["Memory"] == size_text(row.memory_mb)
        assert lines["CPUs"] == str(row.vcpu)
        assert lines["Power"] == enum_words(row.power_state)
        assert lines["Power"] in {"Powered on", "Powered off", "Suspended"}
        assert lines["Datastores"] == ", ".join(datastores) and datastores
        assert lines["Networks"] == ", ".join(networks) and networks
        assert (
            lines["Disks"].startswith(f"{len(disks)}: ")
            and "GiB" in lines["Disks"]
            or (not disks and lines["Disks"] == "none")
        )
        assert lines["Snapshots"].startswith(f"{snapshots}, newest after-patch (")
        assert not details.details.errors
        await pilot.press("escape")


async def test_host_details_in_admin_words(lab: VcsimLab, tmp_path: Path) -> None:
    async with live_pane(lab, tmp_path, "host") as (pilot, screen, row):
        details = await open_details(pilot, screen, row)
        text = details.query_one("#details-text").text
        lines = _lines(text)
        assert "connection_state" not in text and "summary.hardware" not in text
        assert lines["Connection"] == enum_words(row.connection_state)
        assert lines["Type"] == "Host"
        assert lines["VMs"] == str(row.vm_count)
        assert lines["Product"].startswith("VMware ESX")


def test_vm_tasks_listed_beside_a_task_on_the_file_manager(lab: VcsimLab) -> None:
    """vCenter's recent tasks can hold one whose entity is the FileManager (the simulator records
    one when a VM's files are deleted): pyVmomi refuses such an answer whole, and the VM's own tasks
    must still be listed, with no error in the details."""
    from inventory_helpers import pyvmomi_content
    from pyVim.connect import Disconnect
    from pyVim.task import WaitForTask
    from pyVmomi import vim
    from vcsim_helpers import objects

    from vconsole.services.inventory_details import _tasks

    si, content = pyvmomi_content(lab)
    try:
        host = objects(content, vim.HostSystem)[0]
        datacenter = objects(content, vim.Datacenter)[0]
        spec = vim.vm.ConfigSpec(
            name="details-task-vm",
            guestId="otherGuest",
            numCPUs=1,
            memoryMB=512,
            files=vim.vm.FileInfo(vmPathName=f"[{host.datastore[0].name}]"),
        )

        def create(name: str) -> Any:
            task = datacenter.vmFolder.CreateVM_Task(
                vim.vm.ConfigSpec(name=name, guestId=spec.guestId, files=spec.files),
                host.parent.resourcePool,
                host,
            )
            WaitForTask(task)
            return task.info.result

        WaitForTask(create("details-task-gone").Destroy_Task())  # its files: a FileManager task
        vm = create("details-task-vm")
        try:
            WaitForTask(vm.ReconfigVM_Task(vim.vm.ConfigSpec(annotation="tasks test")))
            entities = []
            for t in content.taskManager.recentTask:
                try:
                    entities.append(type(t.info.entity).__name__)
                except TypeError:
                    entities.append("unreadable")
            lines = _tasks(content, vm, 10)
        finally:
            WaitForTask(vm.Destroy_Task())
    finally:
        Disconnect(si)
    assert "unreadable" in entities  # the case this test is about is really there
    assert any("reconfig" in line.text.lower() for line in lines), lines
