"""Parsers for ESXi's network inventory commands, default (human) formatter.

`esxcli network ip interface list`, `... ip interface ipv4 get`, `... nic list`,
`... vswitch dvs vmware list` and `... ip netstack list` (reference: esxcli-network-inventory.md).
Two shapes cover them all: "list of structures" blocks (a key line, then `Field: value` lines,
nested lists indented deeper) and tables (header, a dash ruler, padded rows; read by
`tables.read_table`). Pasted output (prompts, CRLF, a block indented as a whole, a key line
ending in `:`) reads the same. Empty text gives []; text that is not the command's output, or
a table row that cannot be split for certain, raises UnrecognisedOutput (carrying the raw text)
instead of a short or empty list that would look like a host without vmks or NICs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vconsole.esx.pasted import UnrecognisedOutput, clean
from vconsole.esx.tables import read_table
from vconsole.tokens import Command

INTERFACE_LIST = Command.of("esxcli", "network", "ip", "interface", "list")
IPV4_GET = Command.of("esxcli", "network", "ip", "interface", "ipv4", "get")
NIC_LIST = Command.of("esxcli", "network", "nic", "list")
DVS_LIST = Command.of("esxcli", "network", "vswitch", "dvs", "vmware", "list")
NETSTACK_LIST = Command.of("esxcli", "network", "ip", "netstack", "list")

Block = dict[str, object]
"""One structure: field name -> str, or -> list[dict[str, str]] for a nested list."""

_FIELDS = frozenset(
    (
        # ip interface list
        *("Name", "MAC Address", "Enabled", "Portset", "Portgroup", "Netstack Instance"),
        *("VDS Name", "VDS UUID", "VDS Port", "VDS Connection", "Opaque Network ID"),
        *("Opaque Network Type", "External ID", "MTU", "TSO MSS", "RXDispQueue Size"),
        *("Port ID", "URPF"),
        # vswitch dvs vmware list, ip netstack list
        *("VDS ID", "Class", "Num Ports", "Used Ports", "Configured Ports", "CDP Status"),
        *("Beacon Timeout", "Uplinks", "VMware Branded", "DVPort", "Client"),
        *("DVPortgroup ID", "In Use", "Key", "State"),
    )
)
"""Field names of the block commands: a `Name:` line at the left edge is a field, not a key."""

_NESTED = {"DVPort": frozenset(("Client", "DVPortgroup ID", "In Use", "Port ID"))}
"""Fields of nested list items, recognised by name when collapsed padding lost their depth."""


def parse_blocks(text: str) -> list[tuple[str, Block]]:
    """Split "list of structures" output into (key line, fields) pairs, in order.

    Prompts, CRs and a whole-block indentation are removed first; a key line may end in `:`.
    """
    blocks: list[tuple[str, Block]] = []
    current: Block | None = None
    base_indent: int | None = None
    nested_key = ""
    nested_item: dict[str, str] | None = None
    for raw in clean(text).text.split("\n"):
        if not raw.strip():
            nested_item = None
            continue
        indent = len(raw) - len(raw.lstrip(" \t"))
        line = raw.strip()
        key, sep, value = line.partition(":")
        is_field = bool(sep) and bool(key.strip()) and len(key) < 60
        keyed = indent == 0 and sep and not value.strip() and key.strip() not in _FIELDS
        if indent == 0 and (not sep or (keyed and " " not in key.strip())):
            current = {}
            blocks.append((key.strip() if keyed else line, current))
            base_indent, nested_key, nested_item = None, "", None
            continue
        if current is None or not is_field:
            continue
        if base_indent is None:
            base_indent = indent
        name, val = key.strip(), value.strip()
        if nested_key and (indent > base_indent or name in _NESTED.get(nested_key, ())):
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


def _blocks_with_fields(
    command: Command, text: str, needed: tuple[str, ...]
) -> list[tuple[str, Block]]:
    """The command's blocks; a block with fields but none of `needed` is another shape, so the
    whole output is unrecognised (a stray line with no fields, such as `exit`, is skipped)."""
    blocks = [(key, f) for key, f in parse_blocks(text) if f]
    for key, f in blocks:
        if not any(name in f for name in needed):
            why = f"block {key!r} has no {' or '.join(needed)} field"
            raise UnrecognisedOutput(command.line, text, why)
    return blocks


def parse_table(text: str, free_last: bool = False) -> list[dict[str, str]]:
    """Rows of a dash-ruled esxcli table (or its CSV form), keyed by normalised header
    (`IPv4 Address` -> `ipv4address`); raises UnrecognisedOutput when not every row reads."""
    table = read_table(text, free_last)
    if table is None:
        raise UnrecognisedOutput("a table", text, "no header and dash ruler")
    if not table.complete:
        raise UnrecognisedOutput("a table", text, table.why_incomplete)
    return list(table.rows)


def _checked_table(
    command: Command, text: str, needed: str, free_last: bool = False
) -> list[dict[str, str]]:
    if not (text or "").strip():
        return []
    try:
        rows = parse_table(text, free_last)
    except UnrecognisedOutput as exc:
        raise UnrecognisedOutput(command.line, text, exc.reason) from None
    if not rows or needed not in rows[0]:
        raise UnrecognisedOutput(command.line, text, f"no table with a {needed!r} column")
    return rows


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
    """vmks of `ip interface list`; raises UnrecognisedOutput when text is there but no vmk is."""
    out = []
    for key, f in _blocks_with_fields(INTERFACE_LIST, text, ("Name", "MTU")):
        name = str(f.get("Name") or key)
        if not re.fullmatch(r"vmk\d+", name):
            raise UnrecognisedOutput(INTERFACE_LIST.line, text, f"{name!r} is not a vmk name")
        if "MTU" in f and _int(f.get("MTU")) is None:
            raise UnrecognisedOutput(INTERFACE_LIST.line, text, f"{name}: MTU {f['MTU']!r}")
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
    if not out and (text or "").strip():
        raise UnrecognisedOutput(INTERFACE_LIST.line, text, "no vmk block with Name/MTU fields")
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


_IPV4 = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}|N/A|")


def parse_ipv4_get(text: str) -> list[Ipv4Interface]:
    """Rows of `ip interface ipv4 get`; raises UnrecognisedOutput unless every row reads."""
    out = []
    for row in _checked_table(IPV4_GET, text, "ipv4address"):
        cells = ("ipv4address", "ipv4netmask", "ipv4broadcast", "gateway")
        bad = next((c for c in cells if not _IPV4.fullmatch(row.get(c, ""))), None)
        if bad or not row.get("name"):
            what = f"{bad} {row[bad]!r} is not an IPv4 address" if bad else "a row without Name"
            raise UnrecognisedOutput(IPV4_GET.line, text, what)
        out.append(
            Ipv4Interface(
                name=row["name"],
                address=_na(row.get("ipv4address")),
                netmask=_na(row.get("ipv4netmask")),
                broadcast=_na(row.get("ipv4broadcast")),
                address_type=row.get("addresstype", ""),
                gateway=_na(row.get("gateway")),
                dhcp_dns=row.get("dhcpdns", "").lower() == "true",
            )
        )
    return out


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
    """Rows of `nic list` (and `esxcfg-nics -l`); raises UnrecognisedOutput unless every row
    has a name, an Up/Down link, and numbers where numbers belong."""
    out = []
    for row in _checked_table(NIC_LIST, text, "name", free_last=True):
        link = row.get("linkstatus") or row.get("link") or ""
        speed = row.get("speed", "").removesuffix("Mbps")
        checks = (
            (link.lower() in ("up", "down"), f"link {link!r}"),
            (not speed or _int(speed) is not None, f"speed {speed!r}"),
            (not row.get("mtu") or _int(row.get("mtu")) is not None, f"MTU {row.get('mtu')!r}"),
            (bool(row.get("name")), "a row without Name"),
        )
        bad = next((what for ok, what in checks if not ok), None)
        if bad:
            raise UnrecognisedOutput(NIC_LIST.line, text, f"{row.get('name', '?')}: {bad}")
        out.append(
            PhysicalNic(
                name=row["name"],
                mtu=_int(row.get("mtu")),
                link_up=link.lower() == "up",
                speed_mbps=_int(speed),
                admin_up=(row.get("adminstatus") or "Up").lower() == "up",
                duplex=row.get("duplex", ""),
                driver=row.get("driver", ""),
                pci=row.get("pcidevice") or row.get("pci") or "",
                mac=row.get("macaddress", ""),
                description=row.get("description", ""),
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
    """The host's VDSes; raises UnrecognisedOutput when text is there but no switch block is."""
    out = []
    for key, f in _blocks_with_fields(DVS_LIST, text, ("VDS ID",)):
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
    if (text or "").strip() and not any(d.vds_id or d.mtu for d in out):
        raise UnrecognisedOutput(DVS_LIST.line, text, "no switch block with VDS ID/MTU fields")
    return out


@dataclass(frozen=True)
class Netstack:
    key: str
    name: str
    state: str = ""


def parse_netstack_list(text: str) -> list[Netstack]:
    """Netstack instances; raises UnrecognisedOutput when text is there but no `Key:` block is."""
    out = [
        Netstack(
            key=str(f.get("Key") or k),
            name=str(f.get("Name") or k),
            state=str(f.get("State") or ""),
        )
        for k, f in _blocks_with_fields(NETSTACK_LIST, text, ("Key",))
    ]
    if not out and (text or "").strip():
        raise UnrecognisedOutput(NETSTACK_LIST.line, text, "no netstack block with a Key field")
    return out
