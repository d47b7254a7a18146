"""Parsers for ESXi's network inventory commands, default (human) formatter.

`esxcli network ip interface list`, `... ip interface ipv4 get`, `... nic list`,
`... vswitch dvs vmware list` and `... ip netstack list` (reference: esxcli-network-inventory.md).
Two shapes cover them all: "list of structures" blocks (a key line, then `Field: value` lines,
nested lists indented deeper) and tables (header, a dashes row, space-padded rows). Both parsers
accept pasted terminal output (prompt lines, dedented blocks, trailing spaces) and never raise;
a field that is missing or not a number comes back as None/"" instead. Shared with the LACP pane.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vconsole.tokens import Command

INTERFACE_LIST = Command.of("esxcli", "network", "ip", "interface", "list")
IPV4_GET = Command.of("esxcli", "network", "ip", "interface", "ipv4", "get")
NIC_LIST = Command.of("esxcli", "network", "nic", "list")
DVS_LIST = Command.of("esxcli", "network", "vswitch", "dvs", "vmware", "list")
NETSTACK_LIST = Command.of("esxcli", "network", "ip", "netstack", "list")

_PROMPT = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*|#\s+|\$\s+)?(?:esxcli|localcli)\b|^\s*\[[^\]]*@[^\]]*\]"
)

Block = dict[str, object]
"""One structure: field name -> str, or -> list[dict[str, str]] for a nested list."""


def parse_blocks(text: str) -> list[tuple[str, Block]]:
    """Split "list of structures" output into (key line, fields) pairs, in order."""
    blocks: list[tuple[str, Block]] = []
    current: Block | None = None
    base_indent: int | None = None
    nested_key = ""
    nested_item: dict[str, str] | None = None
    for raw in (text or "").splitlines():
        if _PROMPT.match(raw):
            continue
        if not raw.strip():
            nested_item = None
            continue
        indent = len(raw) - len(raw.lstrip(" \t"))
        line = raw.strip()
        key, sep, value = line.partition(":")
        is_field = bool(sep) and bool(key.strip()) and len(key) < 60
        if indent == 0 and not sep:
            current = {}
            blocks.append((line, current))
            base_indent, nested_key, nested_item = None, "", None
            continue
        if current is None or not is_field:
            continue
        if base_indent is None:
            base_indent = indent
        name, val = key.strip(), value.strip()
        if indent > base_indent and nested_key:
            if not isinstance(current.get(nested_key), list):
                current[nested_key] = []
            if nested_item is None:
                nested_item = {}
                items = current[nested_key]
                if isinstance(items, list):
                    items.append(nested_item)
            if name in nested_item:  # dedented captures may lack the separator line
                nested_item = {}
                items = current.get(nested_key)
                if isinstance(items, list):
                    items.append(nested_item)
            nested_item[name] = val
            continue
        current[name] = val
        nested_key, nested_item = (name, None) if not val else ("", None)
    return blocks


def parse_table(text: str) -> list[dict[str, str]]:
    """Rows of a dashes-ruled esxcli table, keyed by header text; columns found from the rule."""
    lines = [ln.rstrip() for ln in (text or "").splitlines() if not _PROMPT.match(ln)]
    for i in range(1, len(lines)):
        rule = lines[i]
        if not rule.strip() or set(rule.strip()) - {"-", " "}:
            continue
        spans = [(m.start(), m.end()) for m in re.finditer(r"-+", rule)]
        header = lines[i - 1]
        starts = [s for s, _ in spans]
        names = [_cut(header, starts, j) for j in range(len(starts))]
        rows = []
        for row in lines[i + 1 :]:
            if not row.strip():
                continue
            values = [_cut(row, starts, j) for j in range(len(starts))]
            rows.append(dict(zip(names, values, strict=True)))
        return rows
    return []


def _cut(line: str, starts: list[int], j: int) -> str:
    end = starts[j + 1] if j + 1 < len(starts) else len(line)
    return line[starts[j] : end].strip()


def _int(value: object) -> int | None:
    text = str(value or "").strip()
    m = re.fullmatch(r"-?\d+", text)
    return int(text) if m else None


def _na(value: object) -> str:
    text = str(value or "").strip()
    return "" if text in ("N/A", "-", "") else text


@dataclass(frozen=True)
class IpInterface:
    """A vmk from `esxcli network ip interface list`; `mtu` None when not printed."""

    name: str
    mtu: int | None
    netstack: str = "defaultTcpipStack"
    enabled: bool = True
    mac: str = ""
    portset: str = ""
    portgroup: str = ""
    vds_name: str = ""
    vds_uuid: str = ""
    vds_port: str = ""
    port_id: int | None = None


def parse_interface_list(text: str) -> list[IpInterface]:
    out = []
    for key, f in parse_blocks(text):
        name = str(f.get("Name") or key)
        if not name.startswith("vmk") and "MTU" not in f:
            continue
        out.append(
            IpInterface(
                name=name,
                mtu=_int(f.get("MTU")),
                netstack=str(f.get("Netstack Instance") or "defaultTcpipStack"),
                enabled=str(f.get("Enabled", "true")).lower() != "false",
                mac=str(f.get("MAC Address") or ""),
                portset=_na(f.get("Portset")),
                portgroup=_na(f.get("Portgroup")),
                vds_name=_na(f.get("VDS Name")),
                vds_uuid=_na(f.get("VDS UUID")),
                vds_port=_na(f.get("VDS Port")),
                port_id=_int(f.get("Port ID")),
            )
        )
    return out


@dataclass(frozen=True)
class Ipv4Interface:
    name: str
    address: str
    netmask: str = ""
    broadcast: str = ""
    address_type: str = ""
    gateway: str = ""
    dhcp_dns: bool = False


def parse_ipv4_get(text: str) -> list[Ipv4Interface]:
    return [
        Ipv4Interface(
            name=row.get("Name", ""),
            address=_na(row.get("IPv4 Address")),
            netmask=_na(row.get("IPv4 Netmask")),
            broadcast=_na(row.get("IPv4 Broadcast")),
            address_type=row.get("Address Type", ""),
            gateway=_na(row.get("Gateway")),
            dhcp_dns=row.get("DHCP DNS", "").lower() == "true",
        )
        for row in parse_table(text)
        if row.get("Name")
    ]


@dataclass(frozen=True)
class PhysicalNic:
    name: str
    mtu: int | None
    link_up: bool
    speed_mbps: int | None = None
    admin_up: bool = True
    duplex: str = ""
    driver: str = ""
    pci: str = ""
    mac: str = ""
    description: str = ""


def parse_nic_list(text: str) -> list[PhysicalNic]:
    out = []
    for row in parse_table(text):
        if not row.get("Name"):
            continue
        link = row.get("Link Status") or row.get("Link") or ""
        speed = (row.get("Speed") or "").removesuffix("Mbps")
        out.append(
            PhysicalNic(
                name=row["Name"],
                mtu=_int(row.get("MTU")),
                link_up=link.lower() == "up",
                speed_mbps=_int(speed),
                admin_up=(row.get("Admin Status") or "Up").lower() == "up",
                duplex=row.get("Duplex", ""),
                driver=row.get("Driver", ""),
                pci=row.get("PCI Device") or row.get("PCI") or "",
                mac=row.get("MAC Address", ""),
                description=row.get("Description", ""),
            )
        )
    return out


@dataclass(frozen=True)
class DvPort:
    client: str
    portgroup: str = ""
    in_use: bool = False
    port_id: str = ""


@dataclass(frozen=True)
class DistributedSwitch:
    """The host's view of a VDS (`vswitch dvs vmware list`): MTU, uplinks, ports."""

    name: str
    mtu: int | None
    vds_id: str = ""
    uplinks: tuple[str, ...] = ()
    ports: tuple[DvPort, ...] = field(default_factory=tuple)
    cdp_status: str = ""
    num_ports: int | None = None
    used_ports: int | None = None


def parse_dvs_list(text: str) -> list[DistributedSwitch]:
    out = []
    for key, f in parse_blocks(text):
        ports_raw = f.get("DVPort")
        ports = tuple(
            DvPort(
                client=p.get("Client", ""),
                portgroup=p.get("DVPortgroup ID", ""),
                in_use=p.get("In Use", "").lower() == "true",
                port_id=p.get("Port ID", ""),
            )
            for p in (ports_raw if isinstance(ports_raw, list) else [])
            if isinstance(p, dict)
        )
        uplinks = tuple(u.strip() for u in str(f.get("Uplinks") or "").split(",") if u.strip())
        out.append(
            DistributedSwitch(
                name=str(f.get("Name") or key),
                mtu=_int(f.get("MTU")),
                vds_id=str(f.get("VDS ID") or ""),
                uplinks=uplinks,
                ports=ports,
                cdp_status=str(f.get("CDP Status") or ""),
                num_ports=_int(f.get("Num Ports")),
                used_ports=_int(f.get("Used Ports")),
            )
        )
    return out


@dataclass(frozen=True)
class Netstack:
    key: str
    name: str
    state: str = ""


def parse_netstack_list(text: str) -> list[Netstack]:
    return [
        Netstack(
            key=str(f.get("Key") or k),
            name=str(f.get("Name") or k),
            state=str(f.get("State") or ""),
        )
        for k, f in parse_blocks(text)
    ]
