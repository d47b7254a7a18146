"""Admin words for the details view: "Memory 4 GiB", "CPUs 2", "Powered on", not field names.

The row's JSON keys and vCenter property paths stay as they are for `--json` and export; only
the details view (and its copy) speaks these words. Server strings stay data: only known keys
and enum-shaped values are reworded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vconsole.untyped import VimObject

LABELS = {
    "vcenter": "vCenter",
    "type": "Type",
    "name": "Name",
    "moid": "Object ID",
    "parent": "Parent",
    "parent_moid": "Parent ID",
    "datacenter": "Datacenter",
    "denied": "No permission to read",
    "power_state": "Power",
    "host": "Host",
    "cluster": "Cluster",
    "vcpu": "CPUs",
    "memory_mb": "Memory",
    "guest_os": "Guest OS",
    "ip_address": "IP address",
    "tools_status": "VMware Tools",
    "connection_state": "Connection",
    "template": "Template",
    "maintenance": "Maintenance mode",
    "version": "Version",
    "build": "Build",
    "cpu_usage_mhz": "CPU used",
    "cpu_usage_pct": "CPU used %",
    "memory_usage_mb": "Memory used",
    "memory_usage_pct": "Memory used %",
    "vm_count": "VMs",
    "host_count": "Hosts",
    "effective_host_count": "Hosts in service",
    "total_cpu_mhz": "CPU total",
    "total_memory_mb": "Memory total",
    "datastore_type": "Datastore type",
    "capacity_gb": "Capacity",
    "free_gb": "Free",
    "used_pct": "Used %",
    "accessible": "Accessible",
    "network_type": "Network type",
    "vlan": "VLAN",
    "dvs": "Distributed switch",
    "config.uuid": "BIOS UUID",
    "config.instanceUuid": "Instance UUID",
    "config.version": "Hardware version",
    "summary.config.vmPathName": "Configuration file",
    "guest.hostName": "Guest host name",
    "guest.guestState": "Guest state",
    "runtime.bootTime": "Booted",
    "summary.overallStatus": "Overall status",
    "overallStatus": "Overall status",
    "summary.config.product.fullName": "Product",
    "summary.hardware.vendor": "Vendor",
    "summary.hardware.model": "Model",
    "summary.hardware.cpuModel": "CPU model",
    "summary.url": "URL",
    "summary.maintenanceMode": "Maintenance mode",
    "key": "Port group key",
    "config.numPorts": "Ports",
    "datastore": "Datastores",
    "network": "Networks",
    "disks": "Disks",
    "snapshots": "Snapshots",
}
MEBIBYTE_KEYS = {"memory_mb", "memory_usage_mb", "total_memory_mb"}
GIBIBYTE_KEYS = {"capacity_gb", "free_gb"}
MHZ_KEYS = {"cpu_usage_mhz", "total_cpu_mhz"}
PERCENT_KEYS = {"cpu_usage_pct", "memory_usage_pct", "used_pct"}
ENUM_KEYS = {
    "power_state",
    "connection_state",
    "tools_status",
    "guest.guestState",
    "summary.overallStatus",
    "overallStatus",
    "summary.maintenanceMode",
}
_ENUM = re.compile(r"^[a-z]+(?:[A-Z][a-z0-9]*)*$")
_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def enum_words(value: str) -> str:
    """`poweredOn` -> "Powered on", `guestToolsNotRunning` -> "Guest tools not running";
    anything not shaped like a vSphere enum value is left as it is."""
    if not _ENUM.match(value):
        return value
    return " ".join(_HUMP.split(value)).lower().capitalize()


def size_text(mebibytes: float) -> str:
    """4096 -> "4 GiB", 1536 -> "1.5 GiB", 512 -> "512 MiB", 2 TiB -> "2 TiB"."""
    for unit, size in (("TiB", 1024 * 1024), ("GiB", 1024)):
        if mebibytes >= size:
            return f"{mebibytes / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{mebibytes:.0f} MiB"


def value_text(key: str, value: VimObject) -> str:
    """The value of `key` the way an admin reads it (units, yes/no, words for enum values)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, (int, float)):
        if key in MEBIBYTE_KEYS:
            return size_text(value)
        if key in GIBIBYTE_KEYS:
            return size_text(value * 1024)
        if key in MHZ_KEYS:
            return f"{value:,} MHz"
        if key in PERCENT_KEYS:
            return f"{value:.1f} %"
        return str(value)
    text = str(value)
    if key in ENUM_KEYS:
        return enum_words(text)
    if key == "type":
        return {"vm": "Virtual machine"}.get(text, text.capitalize())
    return text


def label(key: str) -> str:
    """The admin's name of a row key or property path (the key itself when unknown)."""
    return LABELS.get(key, key)


def disks_text(capacities_kb: Iterable[int]) -> str:
    """Virtual disks as "2: 16 GiB, 40 GiB" (count, then each size), "none" without disks."""
    sizes = [size_text(kb / 1024) for kb in capacities_kb]
    return f"{len(sizes)}: {', '.join(sizes)}" if sizes else "none"


def snapshots_text(roots: Iterable[VimObject]) -> str:
    """A snapshot tree (`snapshot.rootSnapshotList`) as "3, newest NAME (DATE)", or "none"."""
    found: list[VimObject] = []
    pending = list(roots)
    while pending:
        node = pending.pop()
        found.append(node)
        pending.extend(getattr(node, "childSnapshotList", None) or [])
    if not found:
        return "none"
    dated = [n for n in found if getattr(n, "createTime", None) is not None]
    newest = max(dated, key=lambda n: n.createTime) if dated else found[-1]
    when = newest.createTime.isoformat(timespec="seconds") if dated else "date unknown"
    return f"{len(found)}, newest {newest.name} ({when})"
