"""Where the Bitfusion servers run: server VMs and their hosts' physical NIC speeds from vCenter.

One PropertyCollector call reads every VM's name, guest addresses and host, and every host's
name and `config.network.pnic` (link speed), instead of a read per VM and per host. A server
is matched to its VM by address (what the client lists), else by name (what smi prints).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vconsole.services.vcenter_props import read_properties

if TYPE_CHECKING:
    from vconsole.untyped import VimObject


@dataclass(frozen=True)
class HostNics:
    """An ESXi host's physical NICs that have link: (vmnic, Mb/s)."""

    host: str
    nics: tuple[tuple[str, int], ...] = ()

    @property
    def fastest_gbps(self) -> float | None:
        """The fastest link a server VM's vNIC can use: with the default teaming (route by
        originating port) one vNIC is pinned to one uplink, so links do not add up."""
        speeds = [mb for _, mb in self.nics if mb > 0]
        return max(speeds) / 1000.0 if speeds else None


@dataclass(frozen=True)
class ServerVm:
    name: str
    addresses: tuple[str, ...]
    host: str


@dataclass(frozen=True)
class Placement:
    """What vCenter says about the estate the servers run on."""

    vms: tuple[ServerVm, ...] = ()
    hosts: tuple[HostNics, ...] = ()

    def host_nics(self, host: str) -> HostNics | None:
        wanted = host.lower()
        for h in self.hosts:
            if h.host.lower() == wanted or h.host.lower().split(".")[0] == wanted.split(".")[0]:
                return h
        return None

    def find_vm(self, address: str, names: Iterable[str] = ()) -> ServerVm | None:
        for vm in self.vms:
            if address and address in vm.addresses:
                return vm
        wanted = {n.lower() for n in names if n}
        for vm in self.vms:
            if vm.name.lower() in wanted:
                return vm
        return None


def read_placement(content: VimObject) -> Placement:
    """Blocking: run through the session manager's executor (`vim.call`)."""
    from pyVmomi import vim

    objects = read_properties(
        content,
        [
            (vim.VirtualMachine, ["name", "guest.ipAddress", "guest.net", "runtime.host"]),
            (vim.HostSystem, ["name", "config.network.pnic"]),
        ],
    )
    host_names: dict[str, str] = {}
    hosts: list[HostNics] = []
    raw_vms: list[tuple[str, tuple[str, ...], str]] = []
    for obj, props in objects:
        if isinstance(obj, vim.HostSystem):
            name = str(props.get("name", obj._moId))
            host_names[obj._moId] = name
            hosts.append(HostNics(name, pnic_speeds(props.get("config.network.pnic"))))
        else:
            host = props.get("runtime.host")
            raw_vms.append(
                (
                    str(props.get("name", "")),
                    guest_addresses(props.get("guest.ipAddress"), props.get("guest.net")),
                    getattr(host, "_moId", "") if host is not None else "",
                )
            )
    vms = tuple(ServerVm(n, a, host_names.get(h, h)) for n, a, h in raw_vms)
    return Placement(vms, tuple(hosts))


def pnic_speeds(pnics: VimObject) -> tuple[tuple[str, int], ...]:
    """(vmnic, Mb/s) of NICs with link; a NIC without `linkSpeed` is down."""
    out = []
    for nic in pnics or []:
        speed = getattr(getattr(nic, "linkSpeed", None), "speedMb", None)
        if isinstance(speed, int) and speed > 0:
            out.append((str(getattr(nic, "device", "")), speed))
    return tuple(sorted(out))


def guest_addresses(primary: VimObject, nets: VimObject) -> tuple[str, ...]:
    found = [str(primary)] if primary else []
    for net in nets or []:
        found.extend(str(a) for a in getattr(net, "ipAddress", None) or [])
    return tuple(dict.fromkeys(found))
