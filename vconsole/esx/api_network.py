"""esxcli's network inventory answers over the API, as the network inventory parsers' models.

`network ip interface list`, `ip interface ipv4 get`, `nic list`, `vswitch dvs vmware list` and
`ip netstack list` (field names: docs/esxcli-api.md §3); each returns the same list of
dataclasses the text parser of `vconsole.esx.netinventory` returns.
"""

from __future__ import annotations

from typing import Any

from vconsole.esx import netinventory as inv
from vconsole.esx.api_records import na, records_of


def map_interfaces(values: tuple[Any, ...], fault: str = "") -> list[inv.IpInterface]:
    return [
        inv.IpInterface(
            name=rec.text("Name"),
            mtu=rec.number("MTU"),
            netstack=rec.text("NetstackInstance") or "defaultTcpipStack",
            enabled=rec.flag("Enabled") is not False,
            mac=rec.text("MACAddress"),
            portset=na(rec.text("Portset")),
            portgroup=na(rec.text("Portgroup")),
            vds_name=na(rec.text("VDSName")),
            vds_uuid=na(rec.text("VDSUUID")),
            vds_port=na(rec.text("VDSPort")),
            port_id=rec.number("PortID"),
        )
        for rec in records_of(values)
        if rec.text("Name")
    ]


def map_ipv4(values: tuple[Any, ...], fault: str = "") -> list[inv.Ipv4Interface]:
    return [
        inv.Ipv4Interface(
            name=rec.text("Name"),
            address=na(rec.text("IPv4Address")),
            netmask=na(rec.text("IPv4Netmask")),
            broadcast=na(rec.text("IPv4Broadcast")),
            address_type=rec.text("AddressType"),
            gateway=na(rec.text("Gateway")),
            dhcp_dns=rec.flag("DHCPDNS") is True,
        )
        for rec in records_of(values)
        if rec.text("Name")
    ]


def map_nics(values: tuple[Any, ...], fault: str = "") -> list[inv.PhysicalNic]:
    out = []
    for rec in records_of(values):
        if not rec.text("Name"):
            continue
        link = rec.text("LinkStatus", "Link")
        out.append(
            inv.PhysicalNic(
                name=rec.text("Name"),
                mtu=rec.number("MTU"),
                link_up=link.lower() == "up",
                speed_mbps=rec.number("Speed"),
                admin_up=(rec.text("AdminStatus") or "Up").lower() == "up",
                duplex=rec.text("Duplex"),
                driver=rec.text("Driver"),
                pci=rec.text("PCIDevice", "PCI"),
                mac=rec.text("MACAddress"),
                description=rec.text("Description"),
            )
        )
    return out


def map_switches(values: tuple[Any, ...], fault: str = "") -> list[inv.DistributedSwitch]:
    out = []
    for rec in records_of(values):
        ports = tuple(
            inv.DvPort(
                client=p.text("Client"),
                portgroup=p.text("DVPortgroupID"),
                in_use=p.flag("InUse") is True,
                port_id=p.text("PortID"),
            )
            for p in rec.records("DVPort")
        )
        out.append(
            inv.DistributedSwitch(
                name=rec.text("Name"),
                mtu=rec.number("MTU"),
                vds_id=rec.text("VDSID"),
                uplinks=rec.words("Uplinks"),
                ports=ports,
                cdp_status=rec.text("CDPStatus"),
                num_ports=rec.number("NumPorts"),
                used_ports=rec.number("UsedPorts"),
            )
        )
    return out


def map_netstacks(values: tuple[Any, ...], fault: str = "") -> list[inv.Netstack]:
    return [
        inv.Netstack(
            key=rec.text("Key") or rec.text("Name"),
            name=rec.text("Name") or rec.text("Key"),
            state=rec.text("State"),
        )
        for rec in records_of(values)
        if rec.text("Key") or rec.text("Name")
    ]
