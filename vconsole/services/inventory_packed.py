"""VMs kept as the texts a scanner layout matched, and their rows made straight from them.

A 45,000-VM load repeats one or two shapes. For a shape whose values the VM row takes as they
are (texts, plain decimal integers, a boolean, the host's reference), the parser hands the
store one small object holding the match's groups; the store keeps it as the VM's raw object
and builds the row from the groups by position: no property map, no reference object, no
lookups by name. The properties are made from the groups only when asked for (an update to the
VM, a caller reading them), exactly as the layout reads them. Any other shape (a value typed
otherwise, a VM with a property it may not read) takes the usual way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from operator import itemgetter

from vconsole.models.inventory import VmRow, new_vm_row
from vconsole.vim.parser import ObjectProperties
from vconsole.vim.scanner_layout import BOOLEAN, Layout, References
from vconsole.vim.soap import MoRef

VM_TYPE = "VirtualMachine"
_TEXT = "text"
_INT = "int"
_BOOL = "bool"
_REF = "ref"
ROW_READINGS = {  # the row's VM properties, in the order `_cells` unpacks them
    "name": _TEXT,
    "runtime.powerState": _TEXT,
    "runtime.connectionState": _TEXT,
    "summary.config.numCpu": _INT,
    "summary.config.memorySizeMB": _INT,
    "summary.config.guestFullName": _TEXT,
    "summary.config.template": _BOOL,
    "guest.ipAddress": _TEXT,
    "guest.toolsRunningStatus": _TEXT,
}
HOST = "runtime.host"
_ABSENT = ("",)
"""Appended to the groups: where a property the shape lacks is read (every reading of "" is
what the row shows for an unset property)."""


def _reading(convert: object) -> str:
    """What a layout's converter gives, as far as the row is concerned."""
    if convert is str:
        return _TEXT
    if convert is int:
        return _INT
    if convert is BOOLEAN:
        return _BOOL
    if isinstance(getattr(convert, "__self__", None), References):
        return _REF
    return "other"


@dataclass(frozen=True)
class VmPlan:
    """Where, in one layout's groups, each VM row cell is."""

    layout: Layout
    cells: Callable[[tuple[str, ...]], tuple[str, ...]]
    host: Callable[[tuple[str, ...]], str]


def pack_vm(layout: Layout) -> Callable[[tuple[str, ...]], ObjectProperties] | None:
    """How to keep the VMs of a shape whose row cells are read as they are (the inventory's
    `scanner_layout.Packer` for its VM reads); None for any other shape."""
    if layout.ref_type != VM_TYPE:
        return None
    where: dict[str, int] = {}
    for i, (key, convert) in enumerate(zip(layout.keys, layout.converters, strict=True)):
        wanted = ROW_READINGS.get(key, _REF if key == HOST else None)
        if wanted is not None and _reading(convert) != wanted:
            return None
        where[key] = i + 1  # the last of a repeated name wins, as in the property map
    absent = len(layout.keys) + 1
    plan = VmPlan(
        layout,
        itemgetter(*(where.get(key, absent) for key in ROW_READINGS)),
        itemgetter(where.get(HOST, absent)),
    )
    return partial(PackedVm, plan)


class PackedVm(ObjectProperties):
    """A VM as its layout matched it; also the store's raw object for it (nothing in it
    changes: an update makes the store keep a property map instead)."""

    __slots__ = ("plan", "values")
    plan: VmPlan
    values: tuple[str, ...]
    type = VM_TYPE
    denied: tuple[str, ...] = ()

    def __init__(self, plan: VmPlan, values: tuple[str, ...]) -> None:
        _set_plan(self, plan)
        _set_values(self, values)

    @property  # type: ignore[override]
    def ref(self) -> MoRef:
        return MoRef(VM_TYPE, self.values[0])

    @property  # type: ignore[override]
    def props(self) -> dict[str, object]:
        """The properties as the layout reads them (a new map at each access)."""
        return self.plan.layout.props(self.values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ObjectProperties):
            return NotImplemented
        return (self.ref, self.props, self.missing) == (other.ref, other.props, other.missing)

    __hash__ = None  # type: ignore[assignment]

    @property
    def host(self) -> str:
        """The moid of the VM's host ("" when the shape has none)."""
        moid: str = (self.plan.host)(self.values + _ABSENT)
        return moid

    def row(self, vcenter: str, host: str, context: tuple[str, str, str]) -> VmRow:
        """The VM's row, as `VcenterInventory` derives it from the properties."""
        name, power, connection, cpus, memory, guest, template, ip, tools = self.plan.cells(
            self.values + _ABSENT
        )
        moid = self.values[0]
        host_name, cluster, datacenter = context
        return new_vm_row(
            vcenter,
            moid,
            name or moid,
            host_name,
            host,
            datacenter,
            (),
            power,
            host_name,
            cluster,
            int(cpus) if cpus else None,
            int(memory) if memory else None,
            guest,
            ip,
            tools,
            connection,
            template == "true",
        )


_set_plan = PackedVm.plan.__set__  # type: ignore[attr-defined]
_set_values = PackedVm.values.__set__  # type: ignore[attr-defined]
