"""What the design checks read from vCenter, in one PropertyCollector call plus one call per HA
cluster (`RetrieveDasAdvancedRuntimeInfo`) and one event query (link-down events, last hour).

Sources of truth: switch `config` (VMwareDVSConfigInfo: multicastFilteringMode, maxMtu,
linkDiscoveryProtocolConfig), `summary.productInfo.version`, `summary.hostMember`; port group
`config.defaultPortConfig.uplinkTeamingPolicy.rollingOrder` (the API's inverted name: true is
the vSphere Client's failback "No"); cluster `configurationEx.dasConfig`; VM reservations.
Link-down events are `esx.problem.net.vmnic.linkstate.down` EventEx events; the query also
names `EventEx` (govmomi's simulator matches type names only) and filters by id and time here.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vconsole.models.findings import Subject, SubjectKind
from vconsole.services.vcenter_props import read_properties

if TYPE_CHECKING:
    from vconsole.untyped import VimObject

LINK_DOWN_EVENTS = ("esx.problem.net.vmnic.linkstate.down", "vprob.net.vmnic.linkstate.down")
EVENT_WINDOW_S = 3600.0


@dataclass(frozen=True)
class PortgroupFacts:
    name: str
    dvs: str
    failback: bool | None  # None: not read (the policy was not set or not readable)
    vlan: int | None = None


@dataclass(frozen=True)
class SwitchFacts:
    name: str
    version: str = ""
    multicast_mode: str = ""
    mtu: int | None = None
    discovery: str = ""  # cdp | lldp | "" (unknown)
    discovery_operation: str = ""
    hosts: tuple[str, ...] = ()
    portgroups: tuple[PortgroupFacts, ...] = ()


@dataclass(frozen=True)
class VmReservation:
    name: str
    host: str
    cpu_mhz: int
    memory_mb: int
    powered_on: bool


@dataclass(frozen=True)
class SlotInfo:
    cpu_mhz: int
    memory_mb: int
    vcpus: int
    total_slots: int
    used_slots: int
    unreserved_slots: int
    total_hosts: int
    good_hosts: int
    total_vms: int
    host_slots: tuple[int, ...] = ()

    @property
    def failover_capacity(self) -> int | None:
        """How many of the largest hosts can fail with the used slots still fitting (what the
        vSphere Client calls the current failover capacity); None without per-host slots."""
        if not self.host_slots:
            return None
        left, failed = sum(self.host_slots), 0
        for slots in sorted(self.host_slots, reverse=True):
            if left - slots < self.used_slots:
                break
            left, failed = left - slots, failed + 1
        return failed


@dataclass(frozen=True)
class ClusterFacts:
    name: str
    hosts: tuple[str, ...] = ()
    ha: bool = False
    admission: str = "none"  # slots | percentage | dedicated | none
    failures_tolerated: int | None = None
    cpu_pct: int | None = None
    memory_pct: int | None = None
    slot: SlotInfo | None = None
    slot_error: str = ""


@dataclass(frozen=True)
class VcenterFacts:
    switches: tuple[SwitchFacts, ...] = ()
    clusters: tuple[ClusterFacts, ...] = ()
    vms: tuple[VmReservation, ...] = ()
    link_down: dict[str, dict[str, int]] = field(default_factory=dict)
    events_error: str = ""
    vmk_services: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    """host -> vmk -> the services vCenter has it selected for (management, vmotion, vsan...)."""

    def cluster_of(self, host: str) -> str:
        return next((c.name for c in self.clusters if host in c.hosts), "")

    def switches_of(self, host: str) -> list[SwitchFacts]:
        return [s for s in self.switches if host in s.hosts]


def host_subject(host: str, vc: VcenterFacts | None, site: str) -> Subject:
    """A host as the checks place it: in its cluster when vCenter was read, on its site."""
    cluster = vc.cluster_of(host) if vc else ""
    return Subject.of(SubjectKind.HOST, host, host=host, cluster=cluster, site=site)


def read_check_facts(content: VimObject, now: float | None = None) -> VcenterFacts:
    """Blocking: run through the session manager's executor (`vim.call`)."""
    from pyVmomi import vim

    objects = read_properties(
        content,
        [
            (vim.DistributedVirtualSwitch, ["name", "config", "summary.hostMember"]),
            (
                vim.dvs.DistributedVirtualPortgroup,
                ["name", "config.distributedVirtualSwitch", "config.defaultPortConfig"],
            ),
            (vim.ClusterComputeResource, ["name", "host", "configurationEx"]),
            (vim.HostSystem, ["name", "config.virtualNicManagerInfo.netConfig"]),
            (
                vim.VirtualMachine,
                [
                    "name",
                    "runtime.powerState",
                    "runtime.host",
                    "config.cpuAllocation",
                    "config.memoryAllocation",
                ],
            ),
        ],
    )
    names = {
        o._moId: str(p.get("name", o._moId)) for o, p in objects if isinstance(o, vim.HostSystem)
    }
    switch_names = {
        o._moId: str(p.get("name", ""))
        for o, p in objects
        if isinstance(o, vim.DistributedVirtualSwitch)
    }
    portgroups: dict[str, list[PortgroupFacts]] = {}
    switches: list[tuple[str, VimObject, VimObject]] = []
    clusters: list[tuple[VimObject, dict[str, VimObject]]] = []
    vms: list[VmReservation] = []
    for obj, props in objects:
        if isinstance(obj, vim.DistributedVirtualSwitch):
            switches.append(
                (str(props.get("name", "")), props.get("config"), props.get("summary.hostMember"))
            )
        elif isinstance(obj, vim.dvs.DistributedVirtualPortgroup):
            dvs_ref = props.get("config.distributedVirtualSwitch")
            dvs = switch_names.get(getattr(dvs_ref, "_moId", ""), "")
            pg = portgroup_facts(
                str(props.get("name", "")), dvs, props.get("config.defaultPortConfig")
            )
            if pg is not None:
                portgroups.setdefault(dvs, []).append(pg)
        elif isinstance(obj, vim.ClusterComputeResource):
            clusters.append((obj, props))
        elif isinstance(obj, vim.VirtualMachine):
            vms.append(_vm(props, names))
    switch_facts = tuple(
        switch_facts_of(
            name,
            config,
            [names.get(m._moId, m._moId) for m in members or []],
            portgroups.get(name, []),
        )
        for name, config, members in sorted(switches, key=lambda s: s[0])
    )
    cluster_facts = tuple(
        sorted((_cluster(obj, props, names) for obj, props in clusters), key=lambda c: c.name)
    )
    link_down, events_error = _link_down(content, names, time.time() if now is None else now)
    services = {
        names[o._moId]: vmk_services(p.get("config.virtualNicManagerInfo.netConfig"))
        for o, p in objects
        if isinstance(o, vim.HostSystem)
    }
    return VcenterFacts(switch_facts, cluster_facts, tuple(vms), link_down, events_error, services)


_VNIC = re.compile(r"VirtualNic-(vmk\d{1,3})$")


def vmk_services(net_config: VimObject) -> dict[str, tuple[str, ...]]:
    """vmk -> services from `virtualNicManagerInfo.netConfig` (selectedVnic keys name the vmk,
    through the candidate with that key, else by the key's own `VirtualNic-vmkN` tail)."""
    out: dict[str, list[str]] = {}
    for config in net_config or []:
        kind = str(getattr(config, "nicType", "") or "")
        devices = {}
        for candidate in getattr(config, "candidateVnic", None) or []:
            key = str(getattr(candidate, "key", "") or "")
            devices[key] = str(getattr(candidate, "device", "") or "")
        for selected in getattr(config, "selectedVnic", None) or []:
            key = str(selected)
            device = devices.get(key) or devices.get(key.split(".", 1)[-1], "")
            match = _VNIC.search(key)
            device = device or (match.group(1) if match else "")
            if device and kind:
                out.setdefault(device, []).append(kind)
    return {vmk: tuple(sorted(kinds)) for vmk, kinds in out.items()}


def switch_facts_of(
    name: str, config: VimObject, hosts: list[str], pgs: list[PortgroupFacts]
) -> SwitchFacts:
    product = getattr(config, "productInfo", None)
    ldp = getattr(config, "linkDiscoveryProtocolConfig", None)
    return SwitchFacts(
        name=name,
        version=str(getattr(product, "version", "") or ""),
        multicast_mode=str(getattr(config, "multicastFilteringMode", "") or ""),
        mtu=_int(getattr(config, "maxMtu", None)),
        discovery=str(getattr(ldp, "protocol", "") or "").lower(),
        discovery_operation=str(getattr(ldp, "operation", "") or ""),
        hosts=tuple(sorted(set(hosts))),
        portgroups=tuple(sorted(pgs, key=lambda p: p.name)),
    )


def portgroup_facts(name: str, dvs: str, setting: VimObject) -> PortgroupFacts | None:
    """A port group's failback; the uplink port group (DVUplinks) carries no VM traffic: None."""
    if "DVUplinks" in name:
        return None
    teaming = getattr(setting, "uplinkTeamingPolicy", None)
    rolling = getattr(getattr(teaming, "rollingOrder", None), "value", None)
    vlan = _int(getattr(getattr(setting, "vlan", None), "vlanId", None))
    failback = None if rolling is None else not bool(rolling)
    return PortgroupFacts(name, dvs, failback, vlan)


def _vm(props: dict[str, VimObject], names: dict[str, str]) -> VmReservation:
    host = props.get("runtime.host")
    cpu = getattr(props.get("config.cpuAllocation"), "reservation", 0)
    mem = getattr(props.get("config.memoryAllocation"), "reservation", 0)
    return VmReservation(
        name=str(props.get("name", "")),
        host=names.get(getattr(host, "_moId", ""), ""),
        cpu_mhz=_int(cpu) or 0,
        memory_mb=_int(mem) or 0,
        powered_on=str(props.get("runtime.powerState", "")) == "poweredOn",
    )


def _cluster(obj: VimObject, props: dict[str, VimObject], names: dict[str, str]) -> ClusterFacts:
    das = getattr(props.get("configurationEx"), "dasConfig", None)
    hosts = tuple(sorted(names.get(h._moId, h._moId) for h in props.get("host") or []))
    ha = bool(getattr(das, "enabled", False))
    policy = getattr(das, "admissionControlPolicy", None)
    admission, level, cpu_pct, mem_pct = "none", None, None, None
    if ha and getattr(das, "admissionControlEnabled", False) and policy is not None:
        kind = type(policy).__name__
        level = _int(getattr(policy, "failoverLevel", None))
        if "FailoverLevel" in kind:
            admission = "slots"
        elif "FailoverResources" in kind:
            admission = "percentage"
            cpu_pct = _int(getattr(policy, "cpuFailoverResourcesPercent", None))
            mem_pct = _int(getattr(policy, "memoryFailoverResourcesPercent", None))
        elif "FailoverHost" in kind:
            admission = "dedicated"
        else:
            admission = kind
    slot, error = None, ""
    if admission == "slots":
        try:
            slot = slot_info(obj.RetrieveDasAdvancedRuntimeInfo())
        except Exception as exc:  # a vCenter that cannot say: shown on the cluster's row
            error = str(getattr(exc, "msg", "") or type(exc).__name__)
        if slot is None and not error:
            error = "vCenter returned no slot information (HA not configured yet?)"
    return ClusterFacts(
        str(props.get("name", "")), hosts, ha, admission, level, cpu_pct, mem_pct, slot, error
    )


def slot_info(info: VimObject) -> SlotInfo | None:
    """`ClusterDasFailoverLevelAdvancedRuntimeInfo` as plain numbers (None for other kinds)."""
    slot = getattr(info, "slotInfo", None)
    if slot is None:
        return None
    return SlotInfo(
        cpu_mhz=_int(getattr(slot, "cpuMHz", 0)) or 0,
        memory_mb=_int(getattr(slot, "memoryMB", 0)) or 0,
        vcpus=_int(getattr(slot, "numVcpus", 0)) or 0,
        total_slots=_int(getattr(info, "totalSlots", 0)) or 0,
        used_slots=_int(getattr(info, "usedSlots", 0)) or 0,
        unreserved_slots=_int(getattr(info, "unreservedSlots", 0)) or 0,
        total_hosts=_int(getattr(info, "totalHosts", 0)) or 0,
        good_hosts=_int(getattr(info, "totalGoodHosts", 0)) or 0,
        total_vms=_int(getattr(info, "totalVms", 0)) or 0,
        host_slots=tuple(
            _int(getattr(h, "slots", 0)) or 0 for h in getattr(info, "hostSlots", None) or []
        ),
    )


_VMNIC = re.compile(r"\bvmnic\d{1,3}\b")


def _link_down(
    content: VimObject, names: dict[str, str], now: float
) -> tuple[dict[str, dict[str, int]], str]:
    from datetime import datetime, timedelta, timezone

    from pyVmomi import vim

    since = datetime.fromtimestamp(now, timezone.utc) - timedelta(seconds=EVENT_WINDOW_S)
    spec = vim.event.EventFilterSpec(
        eventTypeId=[*LINK_DOWN_EVENTS, "EventEx"],
        time=vim.event.EventFilterSpec.ByTime(beginTime=since),
    )
    try:
        events = content.eventManager.QueryEvents(spec) or []
    except Exception as exc:
        return {}, f"link-down events not read: {getattr(exc, 'msg', '') or type(exc).__name__}"
    out: dict[str, dict[str, int]] = {}
    for event in events:
        if str(getattr(event, "eventTypeId", "")) not in LINK_DOWN_EVENTS:
            continue
        created = getattr(event, "createdTime", None)
        if created is not None and created < since:
            continue
        host_ref = getattr(getattr(event, "host", None), "host", None)
        host = names.get(getattr(host_ref, "_moId", ""), "") or str(
            getattr(getattr(event, "host", None), "name", "")
        )
        nic = _event_nic(event)
        if host and nic:
            out.setdefault(host, {})
            out[host][nic] = out[host].get(nic, 0) + 1
    return out, ""


def _event_nic(event: VimObject) -> str:
    for arg in getattr(event, "arguments", None) or []:
        match = _VMNIC.search(str(getattr(arg, "value", "")))
        if match:
            return match.group(0)
    match = _VMNIC.search(str(getattr(event, "fullFormattedMessage", "") or ""))
    return match.group(0) if match else ""


def _int(value: VimObject) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
