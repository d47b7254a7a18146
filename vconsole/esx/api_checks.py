"""esxcli answers over the API for the design checks, as the `hostchecks` parsers' models.

`system module parameters list`, `storage core device list` and `storage vmfs extent list`
(field names: docs/esxcli-api.md §3, the SSH labels without spaces); each returns the same
dataclass the text parser returns, so a check cannot tell which way its host was reached.
"""

from __future__ import annotations

from typing import Any

from vconsole.esx import hostchecks as hc
from vconsole.esx.api_records import records_of
from vconsole.esx.storage_text import OutputKind, classify


def _fault_kind(fault: str) -> tuple[OutputKind, str]:
    found = classify(fault)
    if found is not None and found[0] is not OutputKind.EMPTY:
        return found
    return OutputKind.ERROR, fault.strip().splitlines()[0][:200]


def map_module_parameters(values: tuple[Any, ...], fault: str = "") -> hc.ModuleParameters:
    if fault:
        kind, message = _fault_kind(fault)
        return hc.ModuleParameters(kind, message=message)
    records = records_of(values)
    if any(not rec.text("Name") for rec in records):
        return hc.ModuleParameters(OutputKind.UNRECOGNISED, message="a parameter without a Name")
    params = tuple(
        hc.ModuleParameter(rec.text("Name"), rec.text("Type"), rec.text("Value")) for rec in records
    )
    return hc.ModuleParameters(OutputKind.OK, params)


def map_devices(values: tuple[Any, ...], fault: str = "") -> hc.DeviceList:
    if fault:
        kind, message = _fault_kind(fault)
        return hc.DeviceList(kind, message=message)
    records = records_of(values)
    if any(not rec.text("Device") for rec in records):
        return hc.DeviceList(OutputKind.UNRECOGNISED, message="a device without a Device id")
    devices = tuple(
        hc.StorageDevice(
            id=rec.text("Device"),
            display_name=rec.text("DisplayName"),
            size_mb=rec.number("Size"),
            vendor=rec.text("Vendor"),
            model=rec.text("Model"),
            is_local=rec.flag("IsLocal"),
            is_usb=rec.flag("IsUSB"),
            is_boot=rec.flag("IsBootDevice"),
        )
        for rec in records
    )
    return hc.DeviceList(OutputKind.OK if devices else OutputKind.EMPTY, devices)


def map_extents(values: tuple[Any, ...], fault: str = "") -> hc.ExtentList:
    if fault:
        kind, message = _fault_kind(fault)
        return hc.ExtentList(kind, message=message)
    records = records_of(values)
    if any(not (rec.text("VolumeName") and rec.text("DeviceName")) for rec in records):
        return hc.ExtentList(OutputKind.UNRECOGNISED, message="an extent without volume or device")
    extents = tuple(
        hc.VmfsExtent(rec.text("VolumeName"), rec.text("DeviceName"), rec.number("Partition"))
        for rec in records
    )
    return hc.ExtentList(OutputKind.OK if extents else OutputKind.EMPTY, extents)
