"""The inventory tree: vCenter -> datacenter -> cluster -> host -> VM, datastores and networks.

Built from the service's rows, rebuilt only when the structure (names, parents, states shown in
labels) changes, with expanded nodes kept. VMs are added under a host when it is expanded, so a
10,000-VM estate costs no tree nodes until someone looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from vconsole.models.inventory import (
    ClusterRow,
    DatastoreRow,
    HostRow,
    InventoryRow,
    InventoryScope,
    NetworkRow,
    ObjectKind,
    VmRow,
)

if TYPE_CHECKING:
    from vconsole.services.inventory import InventoryService


@dataclass(frozen=True)
class NodeInfo:
    """What selecting a node does: narrow to `scope`, show `kind`, put the cursor on `key`."""

    path: str
    scope: InventoryScope
    kind: ObjectKind | None = None
    key: str | None = None
    host: str = ""


def _host_label(row: HostRow) -> str:
    label = f"{row.name} ({row.vm_count})"
    if row.connection_state and row.connection_state != "connected":
        label += f" {row.connection_state}"
    if row.maintenance:
        label += " maint"
    return label


class InventoryTree(Tree[NodeInfo]):
    """Left side of the inventory pane."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("vCenters", id=id)
        self.show_root = False
        self.signature: tuple[object, ...] = ()
        self.service: InventoryService | None = None

    def rebuild(self, service: InventoryService) -> None:
        self.service = service
        stale = service.stale()
        structure = [r for r in service.rows() if r.kind != ObjectKind.VM]
        signature = (
            tuple(sorted((r.kind.value, r.key, _label_of(r)) for r in structure))
            + tuple(sorted(stale))
            + tuple(service.vcenters)
        )
        if signature == self.signature:
            return
        self.signature = signature
        expanded = {n.data.path for n in self._all_nodes() if n.data and n.is_expanded}
        highlighted = (
            self.cursor_node.data.path if self.cursor_node and self.cursor_node.data else None
        )
        self.clear()
        for vcenter in service.vcenters:
            rows = [r for r in structure if r.vcenter == vcenter]
            label = f"{vcenter} (stale)" if vcenter in stale else vcenter
            vc_node = self.root.add(label, data=NodeInfo(vcenter, InventoryScope(vcenter)))
            for dc in sorted({r.datacenter for r in rows}):
                self._datacenter(vc_node, vcenter, dc, [r for r in rows if r.datacenter == dc])
        self.root.expand()
        for node in self._all_nodes():
            top = node.parent is self.root or (node.parent and node.parent.parent is self.root)
            if node.data and (node.data.path in expanded or top):
                node.expand()
            if node.data and node.data.path == highlighted:
                self.move_cursor(node)

    def _datacenter(
        self, parent: TreeNode[NodeInfo], vc: str, dc: str, rows: list[InventoryRow]
    ) -> None:
        scope = InventoryScope(vc, dc)
        node = parent.add(dc or "(no datacenter)", data=NodeInfo(f"{vc}/{dc}", scope))
        hosts = [r for r in rows if isinstance(r, HostRow)]
        for cluster in sorted((r for r in rows if isinstance(r, ClusterRow)), key=lambda r: r.name):
            c_scope = InventoryScope(vc, dc, cluster.name)
            c_node = node.add(
                f"{cluster.name} ({cluster.vm_count})",
                data=NodeInfo(f"{vc}/{dc}/{cluster.name}", c_scope, None, cluster.key),
            )
            for host in sorted(
                (h for h in hosts if h.cluster == cluster.name), key=lambda h: h.name
            ):
                self._host(c_node, vc, dc, cluster.name, host)
        for host in sorted((h for h in hosts if not h.cluster), key=lambda h: h.name):
            self._host(node, vc, dc, "", host)
        for title, kind, cls in (
            ("Datastores", ObjectKind.DATASTORE, DatastoreRow),
            ("Networks", ObjectKind.NETWORK, NetworkRow),
        ):
            group = node.add(title, data=NodeInfo(f"{vc}/{dc}/{title}", scope, kind))
            for row in sorted((r for r in rows if isinstance(r, cls)), key=lambda r: r.name):
                group.add_leaf(row.name, data=NodeInfo(f"{vc}/{row.key}", scope, kind, row.key))

    def _host(
        self, parent: TreeNode[NodeInfo], vc: str, dc: str, cluster: str, host: HostRow
    ) -> None:
        scope = InventoryScope(vc, dc, cluster, host.name)
        node = parent.add(
            _host_label(host),
            data=NodeInfo(f"{vc}/{host.key}", scope, None, host.key, host.moid),
            allow_expand=host.vm_count > 0,
        )
        node.add_leaf("...", data=None)  # VMs are added on expand

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[NodeInfo]) -> None:
        node = event.node
        info = node.data
        if info is None or not info.host or self.service is None:
            return
        vms = [
            r
            for r in self.service.rows(ObjectKind.VM)
            if isinstance(r, VmRow)
            and r.vcenter == info.scope.vcenter
            and r.parent_moid == info.host
        ]
        node.remove_children()
        for vm in sorted(vms, key=lambda r: r.name):
            node.add_leaf(
                f"{vm.name} {'on' if vm.power_state == 'poweredOn' else 'off'}",
                data=NodeInfo(f"{info.path}/{vm.moid}", info.scope, ObjectKind.VM, vm.key),
            )

    def _all_nodes(self) -> list[TreeNode[NodeInfo]]:
        out: list[TreeNode[NodeInfo]] = []
        stack = list(self.root.children)
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(node.children)
        return out


def _label_of(row: InventoryRow) -> str:
    if isinstance(row, HostRow):
        return _host_label(row)
    if isinstance(row, ClusterRow):
        return f"{row.name} {row.vm_count} {row.parent}"
    return f"{row.name} {row.parent}"
