"""The details view of one object: a few more properties, recent events and recent tasks.

Low volume, so plain pyVmomi; runs in the session manager's executor. Each part may fail on
its own (no permission to read events, a task list the server does not keep); the failure is
listed in `errors` and the rest still shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from vconsole.models.inventory import EventLine, InventoryRow, ObjectDetails
from vconsole.services.inventory_words import disks_text, snapshots_text

if TYPE_CHECKING:
    from vconsole.sessions.vcenter import VimConnection
    from vconsole.untyped import VimObject

EXTRA_PATHS = {
    "VirtualMachine": (
        "config.uuid",
        "config.instanceUuid",
        "config.version",
        "summary.config.vmPathName",
        "guest.hostName",
        "guest.guestState",
        "runtime.bootTime",
        "summary.overallStatus",
        "datastore",
        "network",
        "config.hardware.device",
        "snapshot",
    ),
    "HostSystem": (
        "summary.config.product.fullName",
        "summary.hardware.vendor",
        "summary.hardware.model",
        "summary.hardware.cpuModel",
        "runtime.bootTime",
        "summary.overallStatus",
    ),
    "ClusterComputeResource": ("summary.overallStatus",),
    "Datastore": ("summary.url", "summary.maintenanceMode", "overallStatus"),
    "DistributedVirtualPortgroup": ("key", "config.numPorts", "overallStatus"),
    "Network": ("overallStatus",),
}


log = logging.getLogger(__name__)


def _text(value: VimObject) -> str:
    if value is None:
        return ""
    if hasattr(value, "_moId"):
        return str(getattr(value, "name", value._moId))
    return str(value)


def _properties(mo: VimObject, paths: tuple[str, ...], pc: VimObject) -> dict[str, VimObject]:
    from pyVmomi import vmodl

    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=mo, skip=False)],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=type(mo), pathSet=list(paths))],
    )
    result = pc.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
    out: dict[str, VimObject] = {}
    for content in getattr(result, "objects", None) or []:
        for prop in content.propSet or []:
            out[prop.name] = prop.val
        for missing in content.missingSet or []:
            out[missing.path] = f"({type(missing.fault).__name__})"
    return out


def _plain(value: VimObject) -> str | datetime:
    return value if isinstance(value, datetime) else str(value)


def _vm_parts(raw: dict[str, VimObject], names: Callable[[str], str]) -> dict[str, VimObject]:
    """Datastores and networks by name, disks (count and sizes), snapshots (count, newest):
    read in the same one call as the other details properties."""
    from pyVmomi import vim

    out: dict[str, VimObject] = {}
    for path in ("datastore", "network"):
        if path in raw and not isinstance(raw[path], str):
            out[path] = sorted(names(ref._moId) for ref in raw.pop(path) or [])
    if "config.hardware.device" in raw and not isinstance(raw["config.hardware.device"], str):
        devices = raw.pop("config.hardware.device") or []
        disks = [d for d in devices if isinstance(d, vim.vm.device.VirtualDisk)]
        out["disks"] = disks_text(int(d.capacityInKB or 0) for d in disks)
    info = raw.pop("snapshot", None)
    if isinstance(info, str):
        out["snapshot"] = info
    else:
        out["snapshots"] = snapshots_text(getattr(info, "rootSnapshotList", None) or [])
    return out


def _events(content: VimObject, mo: VimObject, limit: int) -> list[EventLine]:
    from pyVmomi import vim

    spec = vim.event.EventFilterSpec(
        entity=vim.event.EventFilterSpec.ByEntity(entity=mo, recursion="self"),
        maxCount=limit,
    )
    events = content.eventManager.QueryEvents(spec) or []
    lines = [
        EventLine(
            time=e.createdTime.isoformat(timespec="seconds") if e.createdTime else "",
            kind=type(e).__name__.rpartition(".")[2],
            text=str(e.fullFormattedMessage or ""),
            user=str(e.userName or ""),
        )
        for e in events
    ]
    lines.sort(key=lambda line: line.time, reverse=True)
    return lines[:limit]


def _task_infos_one_by_one(tasks: list[VimObject]) -> list[VimObject]:
    """Each task's info on its own; a task whose info cannot be read is not about an inventory
    object the details show, so it is left out."""
    infos = []
    for task in tasks:
        try:
            infos.append(task.info)
        except TypeError as exc:
            log.debug("task %s left out of recent tasks: %s", getattr(task, "_moId", "?"), exc)
    return infos


def _tasks(content: VimObject, mo: VimObject, limit: int) -> list[EventLine]:
    from pyVmomi import vmodl

    recent = list(content.taskManager.recentTask or [])
    if not recent:
        return []
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=t, skip=False) for t in recent],
        propSet=[
            vmodl.query.PropertyCollector.PropertySpec(type=type(recent[0]), pathSet=["info"])
        ],
    )
    try:
        result = content.propertyCollector.RetrievePropertiesEx(
            [spec], vmodl.query.PropertyCollector.RetrieveOptions()
        )
        infos = [
            next((p.val for p in item.propSet or [] if p.name == "info"), None)
            for item in getattr(result, "objects", None) or []
        ]
    except TypeError as exc:
        # pyVmomi refuses a whole answer when one task's entity is not a ManagedEntity (a task
        # on the FileManager, as the simulator records for VM file work): read task by task
        log.debug("recent tasks in one read failed (%s); reading them one by one", exc)
        infos = _task_infos_one_by_one(recent)
    lines = []
    for info in infos:
        if info is None or info.entity is None or info.entity._moId != mo._moId:
            continue
        user = getattr(info.reason, "userName", "") if info.reason else ""
        lines.append(
            EventLine(
                time=info.queueTime.isoformat(timespec="seconds") if info.queueTime else "",
                kind="task",
                text=str(info.descriptionId or info.name or ""),
                user=str(user or ""),
                state=str(info.state or ""),
            )
        )
    lines.sort(key=lambda line: line.time, reverse=True)
    return lines[:limit]


def fetch_details(
    conn: VimConnection,
    row: InventoryRow,
    vim_type: str,
    limit: int,
    names: Callable[[str], str] = str,
) -> ObjectDetails:
    """Runs in the executor (through `VimConnection.call`). `names` turns a moid into the
    object's name (the inventory already holds them: no extra read)."""
    from pyVmomi import vim

    stub = conn.si._stub
    content = conn.content
    mo_class = getattr(vim, vim_type, None) or vim.ManagedEntity
    mo = mo_class(row.moid, stub)
    properties: list[tuple[str, object]] = list(row.as_json().items())
    errors: list[str] = []
    paths = EXTRA_PATHS.get(vim_type, ())
    if paths:
        try:
            raw = _properties(mo, paths, content.propertyCollector)
            extra = _vm_parts(raw, names) if vim_type == "VirtualMachine" else {}
            properties.extend(sorted((k, _plain(v)) for k, v in raw.items()))
            properties.extend(extra.items())
        except Exception as exc:
            errors.append(f"properties: {type(exc).__name__}: {getattr(exc, 'msg', exc)}")
    events: list[EventLine] = []
    tasks: list[EventLine] = []
    try:
        events = _events(content, mo, limit)
    except Exception as exc:
        errors.append(f"events: {type(exc).__name__}: {getattr(exc, 'msg', exc)}")
    try:
        tasks = _tasks(content, mo, limit)
    except Exception as exc:
        errors.append(f"tasks: {type(exc).__name__}: {getattr(exc, 'msg', exc)}")
    return ObjectDetails(row, tuple(properties), tuple(events), tuple(tasks), tuple(errors))
