"""`esxcli network ip interface list|ipv4 get`, `ip netstack list`, `nic list`, `dvs vmware list`.

Layouts follow the [V] samples in esxcli-network-inventory.md. [R] choices: a vmk outside
the "Management Network" portgroup sits on the host's VDS (as the lab vCenter places it) and
prints `Portset: DvsPortset-0`, `Portgroup: N/A` and the VDS name/UUID/port (the reference's
reconstruction); `URPF` is printed on 9.x hosts only (seen on 9.0, absent on 6.x); multiple
uplinks join with ", "; a filter naming nothing prints nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from vconsole.lab.esxi.checks import nic_model
from vconsole.lab.esxi.options import Opt, parse_options
from vconsole.lab.esxi.output import Cell, Reply, blocks, field_lines, nested_list, table
from vconsole.lab.esxi.state import HostState, mac_for, stable_int, vds_uuid
from vconsole.lab.scenario import Nic, Vmk

_IFACE_OPTS = (Opt("interface-name", "i"), Opt("netstack", "N"))


MANAGEMENT_PORTGROUP = "Management Network"


def on_dvs(vmk: Vmk) -> bool:
    """Management-portgroup vmks stay on vSwitch0; the rest sit on the host's VDS (as in vcsim)."""
    return vmk.portgroup != MANAGEMENT_PORTGROUP


def dvs_uplinks(state: HostState) -> list[str]:
    """vmnics bound to the VDS: the LAG members, else every vmnic but vmnic0/vmnic1."""
    lag_nics = [n for lag in state.host.lags for n in lag.nics]
    if lag_nics:
        return lag_nics
    return [n.name for n in state.host.nics if n.name not in ("vmnic0", "vmnic1")]


def dvport_key(state: HostState, vmk: Vmk) -> int:
    return len(dvs_uplinks(state)) + [v.name for v in state.host.vmks].index(vmk.name)


def _major(version: str) -> int:
    try:
        return int(version.split(".")[0])
    except ValueError:
        return 8


def _selected_vmks(state: HostState, args: Sequence[str]) -> list[Vmk]:
    opts = parse_options(args, _IFACE_OPTS)
    vmks = list(state.host.vmks)
    if "interface-name" in opts:
        vmks = [v for v in vmks if v.name == opts["interface-name"]]
    if "netstack" in opts:
        vmks = [v for v in vmks if v.netstack == opts["netstack"]]
    return vmks


def interface_records(state: HostState, args: Sequence[str]) -> list[list[tuple[str, Cell]]]:
    """The fields of each selected vmk, as `ip interface list` prints them."""
    host = state.host
    selected = _selected_vmks(state, args)
    items = []
    for idx, v in enumerate(host.vmks):
        if v not in selected:
            continue
        dvs = on_dvs(v)
        port = dvport_key(state, v)
        fields: list[tuple[str, Cell]] = [
            ("Name", v.name),
            ("MAC Address", mac_for(host.name, v.name)),
            ("Enabled", True),
            ("Portset", "DvsPortset-0" if dvs else "vSwitch0"),
            ("Portgroup", "N/A" if dvs else v.portgroup),
            ("Netstack Instance", v.netstack),
            ("VDS Name", state.dvs_name() if dvs else "N/A"),
            ("VDS UUID", vds_uuid(state.dvs_name()) if dvs else "N/A"),
            ("VDS Port", str(port) if dvs else "N/A"),
            (
                "VDS Connection",
                1000000000 + stable_int(host.name, v.name) % 900000000 if dvs else -1,
            ),
            ("Opaque Network ID", "N/A"),
            ("Opaque Network Type", "N/A"),
            ("External ID", "N/A"),
            ("MTU", v.mtu),
            ("TSO MSS", 65535),
            ("RXDispQueue Size", 4),
            ("Port ID", (67108875 if dvs else 33554443) + idx),
        ]
        if _major(host.version) >= 9:
            fields.append(("URPF", 0))
        items.append(fields)
    return items


def interface_list(state: HostState, args: Sequence[str]) -> Reply:
    return Reply(blocks([(str(f[0][1]), f) for f in interface_records(state, args)]))


IPV4_HEADERS = (
    "Name",
    "IPv4 Address",
    "IPv4 Netmask",
    "IPv4 Broadcast",
    "Address Type",
    "Gateway",
    "DHCP DNS",
)
NIC_HEADERS = (
    "Name",
    "PCI Device",
    "Driver",
    "Admin Status",
    "Link Status",
    "Speed",
    "Duplex",
    "MAC Address",
    "MTU",
    "Description",
)


def ipv4_rows(state: HostState, args: Sequence[str]) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for v in _selected_vmks(state, args):
        net = ipaddress.ip_network(f"{v.ip}/{v.netmask}", strict=False)
        rows.append(
            [
                v.name,
                v.ip,
                v.netmask,
                str(net.broadcast_address),
                "STATIC",
                v.gateway or "0.0.0.0",
                False,
            ]
        )
    return rows


def ipv4_get(state: HostState, args: Sequence[str]) -> Reply:
    return Reply(table(IPV4_HEADERS, ipv4_rows(state, args)))


def netstack_list(state: HostState, args: Sequence[str]) -> Reply:
    return Reply(blocks(netstack_items(state, args)))


def netstack_items(
    state: HostState, args: Sequence[str]
) -> list[tuple[str, list[tuple[str, Cell]]]]:
    parse_options(args, ())
    return [(n, [("Key", n), ("Name", n), ("State", 4660)]) for n in state.netstacks()]


def _nic_row(state: HostState, i: int, nic: Nic) -> list[Cell]:
    driver, desc = nic_model(nic)
    bus = 0x18 if i < 2 else 0x3B
    link = "Up" if nic.link_up else "Down"
    speed = nic.speed_mbps if nic.link_up else 0
    duplex = "Full" if nic.link_up else "Half"
    mac = "b4:96:91" + mac_for(state.host.name, nic.name)[8:]
    return [
        nic.name,
        f"0000:{bus:02x}:00.{i % 2}",
        driver,
        "Up",
        link,
        speed,
        duplex,
        mac,
        nic.mtu,
        desc,
    ]


def nic_rows(state: HostState, args: Sequence[str]) -> list[list[Cell]]:
    parse_options(args, ())
    return [_nic_row(state, i, n) for i, n in enumerate(state.host.nics)]


def nic_list(state: HostState, args: Sequence[str]) -> Reply:
    return Reply(table(NIC_HEADERS, nic_rows(state, args)))


DvsFields = list[tuple[str, "Cell | list[str]"]]


def dvs_record(
    state: HostState, args: Sequence[str]
) -> tuple[DvsFields, list[list[tuple[str, Cell]]]] | None:
    """(switch fields, DVPort items) of the host's VDS, or None when the filter names another."""
    opts = parse_options(args, (Opt("vds-name", "v"),))
    name = state.dvs_name()
    if opts.get("vds-name", name) != name:
        return None
    uplinks = dvs_uplinks(state)
    pg_base = 1000 + stable_int(name) % 8000
    ports: list[list[tuple[str, Cell]]] = [
        [
            ("Client", n),
            ("DVPortgroup ID", f"dvportgroup-{pg_base}"),
            ("In Use", True),
            ("Port ID", i),
        ]
        for i, n in enumerate(uplinks)
    ]
    for k, v in enumerate([v for v in state.host.vmks if on_dvs(v)]):
        ports.append(
            [
                ("Client", v.name),
                ("DVPortgroup ID", f"dvportgroup-{pg_base + 1 + k}"),
                ("In Use", True),
                ("Port ID", dvport_key(state, v)),
            ]
        )
    fields: DvsFields = [
        ("Name", name),
        ("VDS ID", vds_uuid(name)),
        ("Class", "cswitch"),
        ("Num Ports", 1590),
        ("Used Ports", len(ports)),
        ("Configured Ports", 512),
        ("MTU", state.host.dvs_mtu),
        ("CDP Status", "listen"),
        ("Beacon Timeout", -1),
        ("Uplinks", uplinks),
        ("VMware Branded", True),
    ]
    return fields, ports


def dvs_list(state: HostState, args: Sequence[str]) -> Reply:
    record = dvs_record(state, args)
    if record is None:
        return Reply()
    fields, ports = record
    shown: list[tuple[str, Cell]] = [
        (k, ", ".join(v) if isinstance(v, list) else v) for k, v in fields
    ]
    lines = [str(fields[0][1]), *field_lines([*shown, ("DVPort", "")]), *nested_list(ports)]
    return Reply("\n".join(lines) + "\n")


COMMANDS = {
    ("network", "ip", "interface", "list"): interface_list,
    ("network", "ip", "interface", "ipv4", "get"): ipv4_get,
    ("network", "ip", "netstack", "list"): netstack_list,
    ("network", "nic", "list"): nic_list,
    ("network", "vswitch", "dvs", "vmware", "list"): dvs_list,
}
