"""Commands and parsers for the design checks: i40en module parameters, boot device, OSData,
`Net.TeamPolicyUpDelay`.

Formats (say where each comes from; unknown text gives `unrecognised` with the raw first line):
- `system module parameters list -m M`: a ruled table Name / Type / Value / Description
  ([V] nfnic and nmlx5_core samples from public notes; an empty Value means "left at the
  driver default", [V] bnx2x sample). Pasted text whose columns collapsed to single spaces is
  read by a per-row pattern.
- `storage core device list`: `Key: value` blocks under the device id ([V] sample of an SD card
  behind a USB bridge, `Model: SDRAID`, `Is USB: true`, `Is Boot Device: true`, `Size` in MB).
- `storage vmfs extent list`: the ruled table Volume Name / VMFS UUID / Extent Number / Device
  Name / Partition ([V] samples in public notes); the OSData volume named `OSDATA-<uuid>` in
  it is [R], so a list without one says "OSData not found", not "on the boot device".
- `system settings advanced list -o /Net/TeamPolicyUpDelay`: the `Int Value:` structure read
  by `parse_advanced_value` (same [V]/[R] layout as EnablePSPLatencyPolicy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vconsole.esx import storage_text
from vconsole.esx.storage_text import OutputKind, classify, first_line, read_blocks, to_bool, to_int
from vconsole.esx.tables import read_table
from vconsole.tokens import Command

TEAM_UP_DELAY_OPTION = "/Net/TeamPolicyUpDelay"
TEAM_UP_DELAY_DEFAULT_MS = 100
"""The ESXi default of Net.TeamPolicyUpDelay (ms): failback happens almost as soon as link is up."""


def module_parameters_command(module: str = "i40en") -> Command:
    return Command.of("esxcli", "system", "module", "parameters", "list", "-m", module)


def device_list_command() -> Command:
    return Command.of("esxcli", "storage", "core", "device", "list")


def vmfs_extent_list_command() -> Command:
    return Command.of("esxcli", "storage", "vmfs", "extent", "list")


def team_up_delay_command() -> Command:
    return Command.of(
        "esxcli", "system", "settings", "advanced", "list", "-o", TEAM_UP_DELAY_OPTION
    )


READ_COMMANDS = (
    module_parameters_command(),
    device_list_command(),
    vmfs_extent_list_command(),
    team_up_delay_command(),
)
"""The commands only the design checks ask: a capture holding one of them is one for the checks
(`analyze` coverage); the NIC, vmk and DVS lists the checks also read belong to other panes."""


@dataclass(frozen=True)
class ModuleParameter:
    name: str
    type: str
    value: str  # "" when left at the driver's default


class ModuleParameters(storage_text.Listing[ModuleParameter]):
    @property
    def parameters(self) -> tuple[ModuleParameter, ...]:
        return self.items

    def get(self, name: str) -> ModuleParameter | None:
        return next((p for p in self.parameters if p.name == name), None)


_COLLAPSED_ROW = re.compile(r"^\s*(\w+)\s+(array of \w+|\w+)\s+([0-9,]+)?\s*(.*)$")


def parse_module_parameters(text: str) -> ModuleParameters:
    message = classify(text)
    if message is not None:
        return ModuleParameters(message[0], message=message[1])
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    head = next(
        (i for i, ln in enumerate(lines) if ln.split()[:3] == ["Name", "Type", "Value"]), None
    )
    if head is None:
        return ModuleParameters(OutputKind.UNRECOGNISED, message=first_line(text))
    rule = lines[head + 1] if head + 1 < len(lines) else ""
    ruled = bool(rule) and set(rule.strip()) <= {"-", " "}
    starts = [m.start() for m in re.finditer(r"-+", rule)] if ruled else []
    params = []
    for line in lines[head + (2 if ruled else 1) :]:
        param = _ruled_row(line, starts) if len(starts) >= 4 else None
        if param is None:
            match = _COLLAPSED_ROW.match(line)
            param = ModuleParameter(match[1], match[2], match[3] or "") if match else None
        if param is not None:
            params.append(param)
    return ModuleParameters(OutputKind.OK, tuple(params))


def _ruled_row(line: str, starts: list[int]) -> ModuleParameter | None:
    """Cut a row at the rule's column starts, unless a value spills over a column edge."""
    for start in starts[1:]:
        if 0 < start < len(line) and line[start - 1] != " " and line[start] != " ":
            return None
    cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], len(line)], strict=True)]
    return ModuleParameter(cells[0], cells[1], cells[2]) if cells[0] else None


def lldp_values(param: ModuleParameter | None) -> tuple[int, ...] | None:
    """The per-port LLDP values; None when unset (the driver default: agent on everywhere)."""
    if param is None or not param.value.strip():
        return None
    out = []
    for part in param.value.split(","):
        number = to_int(part)
        if number is None:
            return None
        out.append(number)
    return tuple(out)


@dataclass(frozen=True)
class StorageDevice:
    id: str
    display_name: str = ""
    size_mb: int | None = None
    vendor: str = ""
    model: str = ""
    is_local: bool | None = None
    is_usb: bool | None = None
    is_boot: bool | None = None

    @property
    def media(self) -> str:
        """What the device is to an admin: sd, usb, san or disk (local persistent)."""
        text = f"{self.vendor} {self.model} {self.display_name}".upper()
        if self.is_usb:
            sd = ("SDRAID", "SD/MMC", "IDSDM", "DUAL SD", " SD ", "SD CARD", "MICROSD")
            return "sd" if any(tag in f" {text} " for tag in sd) else "usb"
        if "SD/MMC" in text or "IDSDM" in text:
            return "sd"
        if self.is_local is False:
            return "san"
        return "disk"


class DeviceList(storage_text.Listing[StorageDevice]):
    @property
    def devices(self) -> tuple[StorageDevice, ...]:
        return self.items

    def boot_device(self) -> StorageDevice | None:
        return next((d for d in self.devices if d.is_boot), None)

    def device(self, device_id: str) -> StorageDevice | None:
        return next((d for d in self.devices if d.id == device_id), None)


def parse_device_list(text: str) -> DeviceList:
    message = classify(text)
    if message is not None:
        return DeviceList(message[0], message=message[1])
    devices = []
    for block in read_blocks(text):
        if not block.header or not block.fields:
            continue
        devices.append(
            StorageDevice(
                id=block.header.split()[0],
                display_name=block.get("Display Name"),
                size_mb=to_int(block.get("Size")),
                vendor=block.get("Vendor"),
                model=block.get("Model"),
                is_local=to_bool(block.get("Is Local")),
                is_usb=to_bool(block.get("Is USB")),
                is_boot=to_bool(block.get("Is Boot Device")),
            )
        )
    if not devices:
        return DeviceList(OutputKind.UNRECOGNISED, message=first_line(text))
    return DeviceList(OutputKind.OK, tuple(devices))


@dataclass(frozen=True)
class VmfsExtent:
    volume: str
    device: str
    partition: int | None = None


class ExtentList(storage_text.Listing[VmfsExtent]):
    @property
    def extents(self) -> tuple[VmfsExtent, ...]:
        return self.items

    def osdata(self) -> VmfsExtent | None:
        return next((e for e in self.extents if e.volume.upper().startswith("OSDATA")), None)


def parse_extent_list(text: str) -> ExtentList:
    message = classify(text)
    if message is not None:
        return ExtentList(message[0], message=message[1])
    table = read_table(text)
    rows = table.rows if table is not None and table.complete else ()
    if not rows or not {"volumename", "devicename"} <= set(rows[0]):
        return ExtentList(OutputKind.UNRECOGNISED, message=first_line(text))
    extents = tuple(
        VmfsExtent(r["volumename"], r["devicename"], to_int(r.get("partition", ""))) for r in rows
    )
    return ExtentList(OutputKind.OK, extents)
