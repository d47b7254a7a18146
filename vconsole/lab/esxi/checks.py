"""What the design checks ask a lab host: module parameters, storage devices, VMFS extents.

Layouts: `system module parameters list -m M` is the four-column table (Name, Type, Value,
Description) of the [V] nfnic sample found by search (a public notes file), with `array of int`
types as in a [V] nmlx5_core sample and an empty Value for a parameter left at its default (a
[V] bnx2x sample); the i40en parameter names (LLDP, RSS, DRSS, VMDQ, max_vfs) are public
(Intel/VMware notes), their descriptions here are [R]. `storage core device list` blocks follow
the [V] sample of a USB/SD boot device (Cypress SDRAID, `Is USB`, `Is Boot USB Device`,
`Is Boot Device`, Size in MB). `storage vmfs extent list` is the five-column ruled table of [V]
samples in public notes (numbers right-aligned, partition 3 for a local datastore); that it
lists the ESX-OSData (VMFS-L) volume as `OSDATA-<uuid>` is [R].
"""

from __future__ import annotations

from collections.abc import Sequence

from vconsole.lab.esxi.options import EsxcliError, Opt, parse_options
from vconsole.lab.esxi.output import Cell, Reply, blocks, table
from vconsole.lab.esxi.state import HostState, stable_int
from vconsole.lab.scenario import Nic
from vconsole.lab.scenario_checks import boot_gb

NIC_MODELS = {
    1000: ("igbn", "Intel Corporation I350 Gigabit Network Connection"),
    10000: ("ixgben", "Intel(R) Ethernet Controller X550"),
    25000: ("i40en", "Intel(R) Ethernet Controller XXV710 for 25GbE SFP28"),
}
DRIVER_DESCRIPTIONS = {
    "i40en": "Intel(R) Ethernet Controller X710 for 10GbE SFP+",
    "ixgben": "Intel(R) Ethernet Controller X550",
    "igbn": "Intel Corporation I350 Gigabit Network Connection",
    "bnxtnet": "Broadcom BCM57414 NetXtreme-E 10Gb/25Gb RDMA Ethernet Controller",
}
_VMXNET3 = ("nvmxnet3", "VMware Inc. vmxnet3 Virtual Ethernet Controller")

# (name, type, description) per module; [R] descriptions, public parameter names.
_PARAMETERS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "i40en": (
        ("DRSS", "array of int", "Enable/disable the DefQueue RSS(default = 0 )"),
        ("EEE", "array of int", "Energy Efficient Ethernet feature (EEE): 0 = disable, 1 = enable"),
        (
            "LLDP",
            "array of int",
            "Link Layer Discovery Protocol (LLDP) agent: 0 = disable, 1 = enable, (default = 1)",
        ),
        ("RSS", "array of int", "Enable/disable the NetQueue RSS( default = 1 )"),
        (
            "VMDQ",
            "array of int",
            "Number of Virtual Machine Device Queues: 0/1 = disable, 2-16 enable (default =8)",
        ),
        ("max_vfs", "array of int", "Maximum number of VFs to be instantiated"),
    ),
    "ixgben": (
        ("DRSS", "array of int", "Enable/disable the DefQueue RSS(default = 0 )"),
        ("RSS", "array of int", "Enable/disable the NetQueue RSS( default = 1 )"),
        ("max_vfs", "array of int", "Maximum number of VFs to be instantiated"),
    ),
    "igbn": (("max_vfs", "array of int", "Maximum number of VFs to be instantiated"),),
    "nvmxnet3": (),
}


def nic_model(nic: Nic) -> tuple[str, str]:
    """(driver, description) `nic list` prints: the scenario's driver, else by speed."""
    if nic.driver:
        return nic.driver, DRIVER_DESCRIPTIONS.get(nic.driver, f"{nic.driver} Ethernet Controller")
    return NIC_MODELS.get(nic.speed_mbps, _VMXNET3)


def module_values(state: HostState, module: str) -> dict[str, str]:
    """`[host.module_params]` `i40en = "LLDP=1,1 RSS=1,1"` as {parameter: value}."""
    raw = dict(state.host.module_params).get(module, "")
    out: dict[str, str] = {}
    for word in raw.split():
        name, _, value = word.partition("=")
        out[name] = value
    return out


MODULE_HEADERS = ("Name", "Type", "Value", "Description")
EXTENT_HEADERS = ("Volume Name", "VMFS UUID", "Extent Number", "Device Name", "Partition")


def module_parameters_list(state: HostState, args: Sequence[str]) -> Reply:
    return Reply(table(MODULE_HEADERS, module_parameter_rows(state, args)))


def module_parameter_rows(state: HostState, args: Sequence[str]) -> list[list[Cell]]:
    """The module's parameters (SSH table and API records alike)."""
    opts = parse_options(args, (Opt("module", "m", required=True),))
    module = opts["module"]
    loaded = {nic_model(n)[0] for n in state.host.nics} | {"nvmxnet3"}
    if module not in _PARAMETERS or module not in loaded:
        raise EsxcliError(f"Unable to find module {module}")
    values = module_values(state, module)
    return [[name, kind, values.get(name, ""), text] for name, kind, text in _PARAMETERS[module]]


def boot_device_id(state: HostState) -> str:
    host = state.host
    if host.boot_device in ("sd", "usb"):
        return "mpx.vmhba32:C0:T0:L0"
    tag = stable_int(host.name, "boot") % 16**16
    return f"naa.6{'00a0b8' if host.boot_device == 'san' else '1866da'}{tag:016x}000000000"


def _device_fields(
    display: str, size_mb: int, vendor: str, model: str, *, local: bool, usb: bool, boot: bool
) -> list[tuple[str, Cell]]:
    return [
        ("Display Name", display),
        ("Has Settable Display Name", not usb),
        ("Size", size_mb),
        ("Device Type", "Direct-Access"),
        ("Multipath Plugin", "NMP"),
        ("Devfs Path", ""),
        ("Vendor", vendor),
        ("Model", model),
        ("Revision", "0000"),
        ("SCSI Level", 2 if usb else 6),
        ("Is Pseudo", False),
        ("Status", "on"),
        ("Is RDM Capable", not local),
        ("Is Local", local),
        ("Is Removable", usb),
        ("Is SSD", not usb),
        ("Is VVOL PE", False),
        ("Is Offline", False),
        ("Is Perennially Reserved", False),
        ("Queue Full Sample Size", 0),
        ("Queue Full Threshold", 0),
        ("Thin Provisioning Status", "unknown" if local else "yes"),
        ("Attached Filters", ""),
        ("VAAI Status", "unsupported" if local else "supported"),
        ("Other UIDs", "vml.0000000000766d68626133323a303a30" if usb else ""),
        ("Is Shared Clusterwide", not local),
        ("Is Local SAS Device", False),
        ("Is SAS", False),
        ("Is USB", usb),
        ("Is Boot USB Device", usb and boot),
        ("Is Boot Device", boot),
        ("Device Max Queue Depth", 1 if usb else 64),
        ("No of outstanding IOs with competing worlds", 32),
    ]


def _mb(gb: int) -> int:
    return gb * 1000**3 // 1024**2


def device_list(state: HostState, args: Sequence[str]) -> Reply:
    return Reply(blocks(device_items(state, args)))


def device_items(state: HostState, args: Sequence[str]) -> list[tuple[str, list[tuple[str, Cell]]]]:
    """(device id, fields) per device: the boot device, then the scenario's LUNs."""
    opts = parse_options(args, (Opt("device", "d"),))
    host = state.host
    boot_id = boot_device_id(state)
    kind = host.boot_device
    vendor, model = {
        "sd": ("Cypress", "SDRAID"),
        "usb": ("SanDisk", "Cruzer Fit"),
        "san": ("NETAPP", "LUN C-Mode"),
    }.get(kind, ("ATA", "MICRON_5300_MTFD"))
    display = {
        "sd": f"Local USB Direct-Access ({boot_id})",
        "usb": f"Local USB Direct-Access ({boot_id})",
        "san": f"NETAPP Fibre Channel Disk ({boot_id})",
    }.get(kind, f"Local ATA Disk ({boot_id})")
    usb = kind in ("sd", "usb")
    items: list[tuple[str, list[tuple[str, Cell]]]] = []
    fields = _device_fields(
        display, _mb(boot_gb(host)), vendor, model, local=kind != "san", usb=usb, boot=True
    )
    items.append((boot_id, _with_path(fields, boot_id)))
    for lun in host.luns:
        name = lun.display_name or f"NETAPP iSCSI Disk ({lun.id})"
        lf = _device_fields(
            name, _mb(lun.capacity_gb), "NETAPP", "LUN C-Mode", local=False, usb=False, boot=False
        )
        items.append((lun.id, _with_path(lf, lun.id)))
    if "device" in opts:
        items = [i for i in items if i[0] == opts["device"]]
        if not items:
            raise EsxcliError(f"Unable to find device {opts['device']}")
    return items


def _with_path(fields: list[tuple[str, Cell]], device: str) -> list[tuple[str, Cell]]:
    return [(k, f"/vmfs/devices/disks/{device}" if k == "Devfs Path" else v) for k, v in fields]


def _uuid(*parts: str) -> str:
    n = stable_int(*parts)
    h = f"{n:016x}{stable_int(*parts, 'b'):016x}"
    return f"{h[:8]}-{h[8:16]}-{h[16:20]}-{h[20:32]}"


def osdata_device(state: HostState) -> str:
    """Where the lab puts ESX-OSData: the boot device, else the first LUN or a local disk."""
    host = state.host
    if host.osdata_on == "boot":
        return boot_device_id(state)
    if host.luns:
        return host.luns[0].id
    return f"naa.61866da{stable_int(host.name, 'local') % 16**16:016x}000000000"


def vmfs_extent_list(state: HostState, args: Sequence[str]) -> Reply:
    return Reply(table(EXTENT_HEADERS, vmfs_extent_rows(state, args)))


def vmfs_extent_rows(state: HostState, args: Sequence[str]) -> list[list[Cell]]:
    parse_options(args, ())
    host = state.host
    osdata_dev = osdata_device(state)
    osdata_uuid = _uuid(host.name, "osdata")
    rows: list[list[Cell]] = [
        [
            f"OSDATA-{osdata_uuid}",
            osdata_uuid,
            0,
            osdata_dev,
            7 if osdata_dev == boot_device_id(state) else 1,
        ]
    ]
    for lun in host.luns:
        if lun.datastore:
            rows.append([lun.datastore, _uuid(host.name, lun.id), 0, lun.id, 1])
    return rows


COMMANDS = {
    ("system", "module", "parameters", "list"): module_parameters_list,
    ("storage", "core", "device", "list"): device_list,
    ("storage", "vmfs", "extent", "list"): vmfs_extent_list,
}
