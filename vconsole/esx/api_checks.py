"""esxcli answers over the API for the design checks, as the `hostchecks` parsers' models.

`system module parameters list`, `storage core device list` and `storage vmfs extent list`
(field names: docs/esxcli-api.md §3, the SSH labels without spaces); each returns the same
dataclass the text parser returns, so a check cannot tell which way its host was reached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from vconsole.esx import hostchecks as hc
from vconsole.esx.api_records import Record, records_of
from vconsole.esx.storage_text import OutputKind, classify

_Listing = TypeVar("_Listing")
_Item = TypeVar("_Item")


def _fault_kind(fault: str) -> tuple[OutputKind, str]:
    found = classify(fault)
    if found is not None and found[0] is not OutputKind.EMPTY:
        return found
    return OutputKind.ERROR, fault.strip().splitlines()[0][:200]


def map_list(
    values: tuple[Any, ...],
    fault: str,
    listing: Callable[..., _Listing],
    read_one: Callable[[Record], _Item | None],
    missing: str,
    empty: OutputKind = OutputKind.EMPTY,
    fault_kind: Callable[[str], tuple[OutputKind, str]] = _fault_kind,
) -> _Listing:
    """A fault as esxcli's own message; one record `read_one` cannot read makes the whole
    answer unrecognised (`missing` says what it lacks), never a shorter list that looks
    complete; no record at all is `empty`."""
    if fault:
        kind, message = fault_kind(fault)
        return listing(kind, message=message)
    items = [read_one(rec) for rec in records_of(values)]
    if any(item is None for item in items):
        return listing(OutputKind.UNRECOGNISED, message=missing)
    return listing(OutputKind.OK if items else empty, tuple(items))


def map_module_parameters(values: tuple[Any, ...], fault: str = "") -> hc.ModuleParameters:
    return map_list(
        values, fault, hc.ModuleParameters, _parameter, "a parameter without a Name", OutputKind.OK
    )


def _parameter(rec: Record) -> hc.ModuleParameter | None:
    if not rec.text("Name"):
        return None
    return hc.ModuleParameter(rec.text("Name"), rec.text("Type"), rec.text("Value"))


def map_devices(values: tuple[Any, ...], fault: str = "") -> hc.DeviceList:
    return map_list(values, fault, hc.DeviceList, _device, "a device without a Device id")


def _device(rec: Record) -> hc.StorageDevice | None:
    if not rec.text("Device"):
        return None
    return hc.StorageDevice(
        id=rec.text("Device"),
        display_name=rec.text("DisplayName"),
        size_mb=rec.number("Size"),
        vendor=rec.text("Vendor"),
        model=rec.text("Model"),
        is_local=rec.flag("IsLocal"),
        is_usb=rec.flag("IsUSB"),
        is_boot=rec.flag("IsBootDevice"),
    )


def map_extents(values: tuple[Any, ...], fault: str = "") -> hc.ExtentList:
    return map_list(values, fault, hc.ExtentList, _extent, "an extent without volume or device")


def _extent(rec: Record) -> hc.VmfsExtent | None:
    if not (rec.text("VolumeName") and rec.text("DeviceName")):
        return None
    return hc.VmfsExtent(rec.text("VolumeName"), rec.text("DeviceName"), rec.number("Partition"))
