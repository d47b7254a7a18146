"""One vCenter's inventory as the console knows it: raw properties in, typed rows out.

Objects arrive as property maps (first load, then updates); rows are derived from them and
from their neighbours (a VM's host and cluster names, a host's VM count), and only the rows a
change touches are derived again. A full resync (after a reconnect) removes what did not come
back. Properties the account may not read (NoPermission) are kept as `denied` on the row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vconsole.models.inventory import (
    ClusterRow,
    DatastoreRow,
    HostRow,
    InventoryRow,
    NetworkRow,
    VmRow,
)
from vconsole.services.inventory_delta import RowDelta
from vconsole.services.inventory_packed import PackedVm
from vconsole.services.inventory_values import int_or_none, percent, vlan_text
from vconsole.vim.parser import MissingProperty, ObjectChange, ObjectProperties
from vconsole.vim.soap import MoRef

DENIED_FAULTS = frozenset(("NoPermission", "NotAuthenticated", "NoPermissionFault"))
NETWORK_TYPES = {
    "Network": "standard portgroup",
    "DistributedVirtualPortgroup": "distributed portgroup",
    "OpaqueNetwork": "opaque network",
}
GIB = 1024**3


@dataclass
class RawObject:
    type: str
    props: dict[str, object]
    denied: tuple[str, ...] = ()


Known = RawObject | PackedVm  # what the store keeps of one object


def _denied(missing: Iterable[MissingProperty]) -> tuple[str, ...]:
    return tuple(m.path for m in missing if m.fault in DENIED_FAULTS)


class VcenterInventory:
    """The objects and rows of one vCenter."""

    def __init__(self, vcenter: str) -> None:
        self.vcenter = vcenter
        self.objects: dict[str, Known] = {}
        """Raw objects by moid: a VM read by a packed layout is kept as it came (`PackedVm`)."""
        self.rows: dict[str, InventoryRow] = {}
        self._vms_by_host: dict[str, set[str]] = {}
        self._vm_host: dict[str, str] = {}
        self._dc_cache: dict[str, tuple[str, str]] = {}
        self._host_context: dict[str, tuple[str, str, str]] = {}
        self._hosts: set[str] = set()
        self._hosts_of: dict[str, list[str]] | None = None
        self._resync_unseen: set[str] | None = None

    # -- lookups ----------------------------------------------------------------------------
    def _name(self, moid: str) -> str:
        obj = self.objects.get(moid)
        if obj is None:
            return ""
        return str(obj.props.get("name") or moid)

    def _parent(self, moid: str) -> str:
        obj = self.objects.get(moid)
        parent = obj.props.get("parent") if obj is not None else None
        return parent.value if isinstance(parent, MoRef) else ""

    def datacenter_of(self, moid: str) -> tuple[str, str]:
        """(datacenter moid, name) above an object, walking parents; cached."""
        cached = self._dc_cache.get(moid)
        if cached is not None:
            return cached
        seen: set[str] = set()
        current = moid
        found = ("", "")
        while current and current not in seen:
            seen.add(current)
            obj = self.objects.get(current)
            if obj is None:
                break
            if obj.type == "Datacenter":
                found = (current, self._name(current))
                break
            current = self._parent(current)
        self._dc_cache[moid] = found
        return found

    def _cluster_of_host(self, host_moid: str) -> tuple[str, str]:
        parent = self._parent(host_moid)
        obj = self.objects.get(parent)
        if obj is not None and obj.type == "ClusterComputeResource":
            return parent, self._name(parent)
        return parent, ""

    # -- applying what arrived -------------------------------------------------------------
    def add(self, objects: Iterable[ObjectProperties]) -> RowDelta:
        """Objects from a retrieval (each replaces what was known of it)."""
        delta = RowDelta()
        touched: list[str] = []
        known, unseen = self.objects, self._resync_unseen
        for item in objects:
            if type(item) is PackedVm:  # kept as it came: it never changes
                moid = item.values[0]
                known[moid] = item
            else:
                moid = item.ref.value
                denied = _denied(item.missing) if item.missing else ()
                known[moid] = RawObject(item.ref.type, dict(item.props), denied)
                if item.ref.type != "VirtualMachine":
                    self._placement_changed(moid)
            if unseen is not None:
                unseen.discard(moid)
            touched.append(moid)
        self._derive(touched, delta, renamed=True)
        return delta

    def apply(self, changes: Iterable[ObjectChange]) -> RowDelta:
        """Updates from the update stream: enter, modify (partial), leave."""
        delta = RowDelta()
        touched: list[str] = []
        renamed = False
        for change in changes:
            moid = change.ref.value
            if self._resync_unseen is not None:
                self._resync_unseen.discard(moid)
            if change.kind == "leave":
                self._forget(moid, delta)
                continue
            obj = self.objects.get(moid)
            new = obj is None or change.kind == "enter"  # a modify of one unknown: it arrives
            if obj is None or new:
                obj = self.objects[moid] = RawObject(change.ref.type, {})
            elif type(obj) is PackedVm:  # changed from now on: a map of its own
                obj = self.objects[moid] = RawObject(obj.type, obj.props)
            obj.props.update(change.props)
            for path in change.removed:
                obj.props.pop(path, None)
            if change.missing:
                obj.denied = _denied(change.missing)
            touched.append(moid)
            if obj.type != "VirtualMachine":
                self._placement_changed(moid)
                renamed |= new or "name" in change.props or "parent" in change.props
        self._derive(touched, delta, renamed)
        return delta

    def _placement_changed(self, moid: str) -> None:
        """A host, cluster, folder or datacenter arrived or changed: what VM rows borrow from
        them (host, cluster and datacenter names) is read again."""
        if self.objects[moid].type == "HostSystem":
            self._hosts.add(moid)
        self._dc_cache.clear()
        self._host_context.clear()

    def begin_resync(self) -> None:
        """A full state is about to arrive; whatever it does not mention is gone."""
        self._resync_unseen = set(self.objects)

    def end_resync(self) -> RowDelta:
        unseen, self._resync_unseen = self._resync_unseen or set(), None
        delta = RowDelta()
        for moid in unseen:
            self._forget(moid, delta)
        return delta

    def _forget(self, moid: str, delta: RowDelta) -> None:
        obj = self.objects.pop(moid, None)
        self._hosts.discard(moid)
        if moid in self.rows:
            delta.removed.add(self.rows.pop(moid).key)
        if obj is not None and obj.type == "VirtualMachine":
            host = self._vm_host.pop(moid, "")
            self._vms_by_host.get(host, set()).discard(moid)
            self._derive([host], delta)
        elif obj is not None:
            self._structure_changed(delta)

    # -- deriving rows -----------------------------------------------------------------------
    def _derive(self, moids: list[str], delta: RowDelta, renamed: bool = False) -> None:
        counts_changed: set[str] = set()
        structure = False
        objects, vm_host, vm_row, rows = self.objects, self._vm_host, self._vm_row, self.rows
        upserts, removed, prefix = delta.upserts, delta.removed, self.vcenter + "/"
        by_host = self._vms_by_host
        for moid in moids:
            obj = objects.get(moid)
            if obj is None:
                continue
            if type(obj) is PackedVm:
                host_moid = obj.host
            elif obj.type == "VirtualMachine":
                host = obj.props.get("runtime.host")
                host_moid = host.value if isinstance(host, MoRef) else ""
            else:
                structure = True
                continue
            old = vm_host.get(moid)
            if old != host_moid:
                if old is not None:
                    self._vms_by_host.get(old, set()).discard(moid)
                    counts_changed.add(old)
                vm_host[moid] = host_moid
                on_host = by_host.get(host_moid)
                if on_host is None:
                    on_host = by_host[host_moid] = set()
                on_host.add(moid)
                counts_changed.add(host_moid)
            row = vm_row(moid, obj, host_moid)
            was = rows.get(moid)
            if was is None or was != row:  # `_put`, for the many (a new one: no comparison)
                rows[moid] = row
                key = prefix + moid
                upserts[key] = row
                removed.discard(key)
        if structure:
            self._structure_changed(delta, full=renamed)
        elif counts_changed:
            for host in counts_changed:
                self._derive_structure(host, delta)
            for cluster in {self._cluster_of_host(host)[0] for host in counts_changed}:
                self._derive_structure(cluster, delta)

    def _structure_changed(self, delta: RowDelta, full: bool = True) -> None:
        """Names or parents of non-VM objects changed: derive them all (few), and VMs if asked."""
        self._dc_cache.clear()
        self._host_context.clear()
        self._hosts_of = None
        for moid in list(self.objects):
            obj = self.objects[moid]
            if obj.type == "VirtualMachine":
                if full:
                    self._put(self._vm_row(moid, obj, self._vm_host.get(moid, "")), delta)
            else:
                self._derive_structure(moid, delta)

    def _derive_structure(self, moid: str, delta: RowDelta) -> None:
        obj = self.objects.get(moid)
        if obj is None:
            return
        row: InventoryRow | None = None
        if obj.type == "HostSystem":
            row = self._host_row(moid, obj)
        elif obj.type == "ClusterComputeResource":
            row = self._cluster_row(moid, obj)
        elif obj.type == "Datastore":
            row = self._datastore_row(moid, obj)
        elif obj.type in NETWORK_TYPES:
            row = self._network_row(moid, obj)
        if row is not None:
            self._put(row, delta)

    def _put(self, row: InventoryRow, delta: RowDelta) -> None:
        if self.rows.get(row.moid) != row:
            self.rows[row.moid] = row
            key = row.key
            delta.upserts[key] = row
            delta.removed.discard(key)

    def _vm_row(self, moid: str, obj: Known, host: str) -> VmRow:
        context = self._host_context.get(host)
        if context is None:
            context = self._host_context[host] = (
                self._name(host),
                self._cluster_of_host(host)[1] if host else "",
                self.datacenter_of(host)[1] if host else "",
            )
        if type(obj) is PackedVm:
            return obj.row(self.vcenter, host, context)
        p = obj.props
        host_name, cluster, dc = context
        return VmRow(
            self.vcenter,
            moid,
            str(p.get("name") or moid),
            host_name,
            host,
            dc,
            obj.denied,
            str(p.get("runtime.powerState") or ""),
            host_name,
            cluster,
            int_or_none(p.get("summary.config.numCpu")),
            int_or_none(p.get("summary.config.memorySizeMB")),
            str(p.get("summary.config.guestFullName") or ""),
            str(p.get("guest.ipAddress") or ""),
            str(p.get("guest.toolsRunningStatus") or ""),
            str(p.get("runtime.connectionState") or ""),
            bool(p.get("summary.config.template") or False),
        )

    def _host_row(self, moid: str, obj: Known) -> HostRow:
        p = obj.props
        parent, cluster = self._cluster_of_host(moid)
        _, dc = self.datacenter_of(moid)
        cpu_used = int_or_none(p.get("summary.quickStats.overallCpuUsage"))
        mhz, cores = (
            int_or_none(p.get("summary.hardware.cpuMhz")),
            int_or_none(p.get("summary.hardware.numCpuCores")),
        )
        mem_used = int_or_none(p.get("summary.quickStats.overallMemoryUsage"))
        mem_total = int_or_none(p.get("summary.hardware.memorySize"))
        return HostRow(
            self.vcenter,
            moid,
            str(p.get("name") or moid),
            cluster or self._name(parent),
            parent,
            dc,
            obj.denied,
            cluster,
            str(p.get("runtime.connectionState") or ""),
            str(p.get("runtime.powerState") or ""),
            bool(p.get("runtime.inMaintenanceMode") or False),
            str(p.get("summary.config.product.version") or ""),
            str(p.get("summary.config.product.build") or ""),
            cpu_used,
            percent(cpu_used, mhz * cores if mhz and cores else None),
            mem_used,
            percent(mem_used, mem_total / 2**20 if mem_total else None),
            len(self._vms_by_host.get(moid, ())),
        )

    def _under_datacenter(
        self, moid: str, obj: Known
    ) -> tuple[str, str, str, str, str, str, tuple[str, ...]]:
        """The common fields of a row whose tree parent is its datacenter (cluster, datastore,
        network): vCenter, moid, name, parent and its moid, datacenter, denied properties."""
        dc_moid, dc = self.datacenter_of(moid)
        return (self.vcenter, moid, str(obj.props.get("name") or moid), dc, dc_moid, dc, obj.denied)

    def _cluster_row(self, moid: str, obj: Known) -> ClusterRow:
        p = obj.props
        if self._hosts_of is None:  # hosts by parent, kept until the structure changes
            self._hosts_of = {}
            for host in self._hosts:
                self._hosts_of.setdefault(self._parent(host), []).append(host)
        hosts = self._hosts_of.get(moid, [])
        memory = int_or_none(p.get("summary.totalMemory"))
        return ClusterRow(
            *self._under_datacenter(moid, obj),
            int_or_none(p.get("summary.numHosts")) or len(hosts),
            int_or_none(p.get("summary.numEffectiveHosts")),
            sum(len(self._vms_by_host.get(h, ())) for h in hosts),
            int_or_none(p.get("summary.totalCpu")),
            memory // 2**20 if memory is not None else None,
        )

    def _datastore_row(self, moid: str, obj: Known) -> DatastoreRow:
        p = obj.props
        capacity = int_or_none(p.get("summary.capacity"))
        free = int_or_none(p.get("summary.freeSpace"))
        mounts = p.get("host")
        accessible = p.get("summary.accessible")
        return DatastoreRow(
            *self._under_datacenter(moid, obj),
            str(p.get("summary.type") or ""),
            round(capacity / GIB, 1) if capacity is not None else None,
            round(free / GIB, 1) if free is not None else None,
            percent(capacity - free, capacity) if capacity and free is not None else None,
            len(mounts) if isinstance(mounts, list) else (1 if isinstance(mounts, dict) else 0),
            accessible if isinstance(accessible, bool) else None,
        )

    def _network_row(self, moid: str, obj: Known) -> NetworkRow:
        p = obj.props
        kind = NETWORK_TYPES.get(obj.type, obj.type)
        if p.get("config.uplink") is True:
            kind = "dvs uplinks"
        dvs = p.get("config.distributedVirtualSwitch")
        hosts = p.get("host")
        return NetworkRow(
            *self._under_datacenter(moid, obj),
            kind,
            vlan_text(p.get("config.defaultPortConfig")),
            self._name(dvs.value) if isinstance(dvs, MoRef) else "",
            len(hosts) if isinstance(hosts, list) else (1 if isinstance(hosts, MoRef) else 0),
        )
