"""What the inventory pane and `vconsole inventory --json` show: one frozen row per object.

Every row carries where it lives (vCenter, datacenter, tree parent) and the columns an admin
expects for its type; `COLUMNS` names those columns once (snake_case keys, units in the key)
for the table, the CSV/JSON export and the CLI. `parent` is the object's parent in the pane's
tree (VM -> host, host -> cluster, cluster/datastore/network -> datacenter), by name, with its
moid in `parent_moid`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, ClassVar, TypeVar


class ObjectKind(str, enum.Enum):
    """The typed views: `:vm`, `:host`, `:cluster`, `:ds`, `:net`."""

    VM = "vm"
    HOST = "host"
    CLUSTER = "cluster"
    DATASTORE = "datastore"
    NETWORK = "network"


KIND_ALIASES = {
    "vm": ObjectKind.VM,
    "vms": ObjectKind.VM,
    "host": ObjectKind.HOST,
    "hosts": ObjectKind.HOST,
    "cluster": ObjectKind.CLUSTER,
    "clusters": ObjectKind.CLUSTER,
    "ds": ObjectKind.DATASTORE,
    "datastore": ObjectKind.DATASTORE,
    "datastores": ObjectKind.DATASTORE,
    "net": ObjectKind.NETWORK,
    "network": ObjectKind.NETWORK,
    "networks": ObjectKind.NETWORK,
}


def kind_of(text: str) -> ObjectKind:
    """`vm`, `host`, `cluster`, `ds`/`datastore`, `net`/`network` -> ObjectKind."""
    kind = KIND_ALIASES.get(text.strip().lower().lstrip(":"))
    if kind is None:
        raise ValueError(
            f"type: {text!r} is not an inventory type; accepted: vm, host, cluster, datastore, network"
        )
    return kind


@dataclass(frozen=True)
class Column:
    """One column of a typed view: JSON/CSV key, table header, and whether it is numeric."""

    key: str
    label: str
    numeric: bool = False


@dataclass(frozen=True, slots=True)
class InventoryRow:
    """Fields every object has. `denied` lists properties the account may not read."""

    vcenter: str
    moid: str
    name: str
    parent: str
    parent_moid: str
    datacenter: str
    denied: tuple[str, ...]

    kind: ClassVar[ObjectKind]

    @property
    def key(self) -> str:
        """Unique across vCenters: moids repeat between vCenters."""
        return f"{self.vcenter}/{self.moid}"

    @property
    def access(self) -> str:
        return "no permission" if self.denied else ""

    def values(self) -> tuple[Any, ...]:
        """The cells of this row in `COLUMNS[kind]` order."""
        result: tuple[Any, ...] = _GETTERS[self.kind](self)
        return result

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"vcenter": self.vcenter, "type": self.kind.value}
        for f in fields(self):
            if f.name != "denied":
                out[f.name] = getattr(self, f.name)
        out["denied"] = list(self.denied)
        return out


@dataclass(frozen=True, slots=True)
class VmRow(InventoryRow):
    power_state: str
    host: str
    cluster: str
    vcpu: int | None
    memory_mb: int | None
    guest_os: str
    ip_address: str
    tools_status: str
    connection_state: str
    template: bool

    kind: ClassVar[ObjectKind] = ObjectKind.VM


@dataclass(frozen=True, slots=True)
class HostRow(InventoryRow):
    cluster: str
    connection_state: str
    power_state: str
    maintenance: bool
    version: str
    build: str
    cpu_usage_mhz: int | None
    cpu_usage_pct: float | None
    memory_usage_mb: int | None
    memory_usage_pct: float | None
    vm_count: int

    kind: ClassVar[ObjectKind] = ObjectKind.HOST


@dataclass(frozen=True, slots=True)
class ClusterRow(InventoryRow):
    host_count: int
    effective_host_count: int | None
    vm_count: int
    total_cpu_mhz: int | None
    total_memory_mb: int | None

    kind: ClassVar[ObjectKind] = ObjectKind.CLUSTER


@dataclass(frozen=True, slots=True)
class DatastoreRow(InventoryRow):
    datastore_type: str
    capacity_gb: float | None
    free_gb: float | None
    used_pct: float | None
    host_count: int
    accessible: bool | None

    kind: ClassVar[ObjectKind] = ObjectKind.DATASTORE


@dataclass(frozen=True, slots=True)
class NetworkRow(InventoryRow):
    network_type: str
    vlan: str
    dvs: str
    host_count: int

    kind: ClassVar[ObjectKind] = ObjectKind.NETWORK


_Row = TypeVar("_Row", bound=InventoryRow)


def _made_without_init(cls: type[_Row]) -> Callable[..., _Row]:
    """`cls(*cells)`, made by a twin class without the frozen guard, which then becomes a `cls`:
    a frozen dataclass's `__init__` sets each field through `object.__setattr__`, the costliest
    part of a 45,000-VM table's rows, where the twin's sets each slot directly. The twin has
    the same slots on the same base, so the object's class can be set to `cls` once it is
    filled: the row is the same (equal, same hash, still frozen); every field must be given."""
    names = [f.name for f in fields(cls)]  # identifiers: the dataclass checked them
    source = "\n".join(
        [f"def __init__(self, {', '.join(names)}):"]
        + [f"    self.{name} = {name}" for name in names]
        + ["    self.__class__ = cls"]
    )
    namespace: dict[str, Any] = {"cls": cls}
    exec(source, namespace)  # our own field names (as dataclasses makes its __init__)
    twin = type(
        f"_{cls.__name__}Made",
        cls.__bases__,
        {
            "__slots__": cls.__slots__,
            "__init__": namespace["__init__"],
            "__setattr__": object.__setattr__,  # both: slots set at C speed
            "__delattr__": object.__delattr__,
        },
    )
    return twin  # type: ignore[return-value]


new_vm_row = _made_without_init(VmRow)
"""`VmRow(...)` with the same arguments, in order, several times faster."""

ROW_CLASSES: dict[ObjectKind, type[InventoryRow]] = {
    ObjectKind.VM: VmRow,
    ObjectKind.HOST: HostRow,
    ObjectKind.CLUSTER: ClusterRow,
    ObjectKind.DATASTORE: DatastoreRow,
    ObjectKind.NETWORK: NetworkRow,
}

_N = True
_EVERY_COLUMN = {
    c.key: c
    for c in (
        Column("name", "Name"),
        Column("power_state", "Power"),
        Column("host", "Host"),
        Column("cluster", "Cluster"),
        Column("vcpu", "vCPU", _N),
        Column("memory_mb", "Mem MB", _N),
        Column("guest_os", "Guest OS"),
        Column("ip_address", "IP"),
        Column("tools_status", "Tools"),
        Column("vcenter", "vCenter"),
        Column("connection_state", "Connection"),
        Column("maintenance", "Maint"),
        Column("version", "Version"),
        Column("build", "Build"),
        Column("cpu_usage_pct", "CPU %", _N),
        Column("memory_usage_pct", "Mem %", _N),
        Column("vm_count", "VMs", _N),
        Column("datacenter", "Datacenter"),
        Column("host_count", "Hosts", _N),
        Column("effective_host_count", "Effective", _N),
        Column("total_cpu_mhz", "CPU MHz", _N),
        Column("total_memory_mb", "Mem MB", _N),
        Column("datastore_type", "Type"),
        Column("capacity_gb", "Capacity GB", _N),
        Column("free_gb", "Free GB", _N),
        Column("used_pct", "Used %", _N),
        Column("network_type", "Type"),
        Column("vlan", "VLAN"),
        Column("dvs", "DVS"),
    )
}
"""Each column once: the row attribute, its title, and whether it sorts as a number."""


def _columns(keys: str) -> tuple[Column, ...]:
    return tuple(_EVERY_COLUMN[key] for key in keys.split())


COLUMNS: dict[ObjectKind, tuple[Column, ...]] = {
    ObjectKind.VM: _columns(
        "name power_state host cluster vcpu memory_mb guest_os ip_address tools_status vcenter"
    ),
    ObjectKind.HOST: _columns(
        "name cluster connection_state power_state maintenance version build cpu_usage_pct"
        " memory_usage_pct vm_count vcenter"
    ),
    ObjectKind.CLUSTER: _columns(
        "name datacenter host_count effective_host_count vm_count total_cpu_mhz"
        " total_memory_mb vcenter"
    ),
    ObjectKind.DATASTORE: _columns(
        "name datastore_type capacity_gb free_gb used_pct host_count datacenter vcenter"
    ),
    ObjectKind.NETWORK: _columns("name network_type vlan dvs host_count datacenter vcenter"),
}


_GETTERS = {kind: attrgetter(*(c.key for c in columns)) for kind, columns in COLUMNS.items()}


class LoadState(str, enum.Enum):
    """Where one vCenter's inventory stands in the pane."""

    CONNECTING = "connecting"
    LOADING = "loading"
    LIVE = "live"
    STALE = "stale"
    """The connection dropped: rows shown are the last known, a reconnect is pending."""
    FAILED = "failed"


@dataclass(frozen=True)
class VcenterStatus:
    """One vCenter's load state, how many objects arrived, and the last error (no secrets)."""

    vcenter: str
    state: LoadState
    objects: int = 0
    error: str = ""
    load_s: float | None = None
    first_rows_s: float | None = None

    @property
    def stale(self) -> bool:
        return self.state in (LoadState.STALE, LoadState.FAILED)


@dataclass(frozen=True)
class TreeNode:
    """One node of the vCenter -> datacenter -> cluster -> host -> VM tree."""

    key: str
    label: str
    level: str
    """vcenter, datacenter, cluster, host, vm, datastores, datastore, networks, network."""
    children: tuple[TreeNode, ...] = ()


@dataclass(frozen=True)
class InventoryScope:
    """What a tree selection narrows the table to; empty fields match everything."""

    vcenter: str = ""
    datacenter: str = ""
    cluster: str = ""
    host: str = ""

    def contains(self, row: InventoryRow) -> bool:
        if self.vcenter and row.vcenter != self.vcenter:
            return False
        if self.datacenter and row.datacenter != self.datacenter:
            return False
        host: str | None = None
        if isinstance(row, VmRow):
            cluster, host = row.cluster, row.host
        elif isinstance(row, HostRow):
            cluster, host = row.cluster, row.name
        elif isinstance(row, ClusterRow):
            cluster = row.name
        else:
            return True  # datastores and networks belong to the datacenter
        if self.cluster and cluster != self.cluster:
            return False
        return not (self.host and host is not None and host != self.host)

    @property
    def label(self) -> str:
        parts = [p for p in (self.vcenter, self.datacenter, self.cluster, self.host) if p]
        return " / ".join(parts) or "all vCenters"


@dataclass(frozen=True)
class EventLine:
    """A recent event or task of one object, as the details view lists it."""

    time: str
    kind: str
    text: str
    user: str = ""
    state: str = ""


@dataclass(frozen=True)
class ObjectDetails:
    """The details view: key properties, recent events and tasks (each may have failed alone)."""

    row: InventoryRow
    properties: tuple[tuple[str, Any], ...]
    events: tuple[EventLine, ...] = ()
    tasks: tuple[EventLine, ...] = ()
    errors: tuple[str, ...] = ()
