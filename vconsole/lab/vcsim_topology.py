"""The JSON topology the lab's vCenter simulator is shaped from, derived from the scenario.

Shapes that are reconstructed rather than verbatim (see the API reference notes): path UIDs of
iSCSI paths (`iqn.1998-01.com.vmware:<host>-<hex>-00023d00000N,<target>,t,1-<naa>`), which also
name the `storagePath` perf instances; LAG keys (the scenario `lag_id` as a string).
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections import Counter
from dataclasses import dataclass
from typing import Any

from vconsole.lab.lab_numbers import datastore_free_gb, host_load
from vconsole.lab.scenario_checks import host_switch
from vconsole.lab.scenario_model import Host, Lun, LunPath, Scenario

MANAGEMENT_PORTGROUP = "Management Network"


@dataclass(frozen=True)
class LabVm:
    """One VM the lab creates; tests and panes can predict the inventory from these."""

    name: str
    host: str
    cluster: str
    powered_on: bool
    guest_id: str
    guest_name: str
    cpu: int
    memory_mb: int
    ip: str


_GUESTS = (
    ("rhel9_64Guest", "Red Hat Enterprise Linux 9 (64-bit)"),
    ("windows2019srv_64Guest", "Microsoft Windows Server 2019 (64-bit)"),
    ("ubuntu64Guest", "Ubuntu Linux (64-bit)"),
    ("windows2022srvNext_64Guest", "Microsoft Windows Server 2022 (64-bit)"),
    ("sles15_64Guest", "SUSE Linux Enterprise 15 (64-bit)"),
)
_VM_NET = ipaddress.IPv4Address("10.200.0.0")  # each host's VMs: a block of 1,024 addresses
_SIZES = ((2, 4096), (4, 8192), (2, 8192), (8, 16384), (4, 16384))


def lab_vms(scenario: Scenario) -> list[LabVm]:
    """VMs named `<cluster>-vm-NNNN`, numbered per cluster; every fifth one is powered off."""
    out: list[LabVm] = []
    per_cluster: Counter[str] = Counter()
    for h_index, host in enumerate(scenario.hosts):
        for k in range(host.vms):
            per_cluster[host.cluster] += 1
            n = per_cluster[host.cluster]
            guest_id, guest_name = _GUESTS[n % len(_GUESTS)]
            cpu, mem = _SIZES[n % len(_SIZES)]
            out.append(
                LabVm(
                    name=f"{host.cluster}-vm-{n:04d}",
                    host=host.name,
                    cluster=host.cluster,
                    powered_on=n % 5 != 0,
                    guest_id=guest_id,
                    guest_name=guest_name,
                    cpu=cpu,
                    memory_mb=mem,
                    ip=str(_VM_NET + h_index * 1024 + 10 + k),
                )
            )
    hosts = {h.name: h for h in scenario.hosts}
    for server in scenario.bitfusion.servers:
        placed = hosts.get(server.host)
        if placed is None:
            continue
        # The Bitfusion server appliances run as VMs, so the GPU pane can find their hosts.
        out.append(
            LabVm(
                name=server.name,
                host=placed.name,
                cluster=placed.cluster,
                powered_on=not server.down,
                guest_id="ubuntu64Guest",
                guest_name="Ubuntu Linux (64-bit)",
                cpu=8,
                memory_mb=65536,
                ip=server.address,
            )
        )
    return out


def fc_wwn(host: str, adapter: str) -> int:
    """The 48-bit tail of a Fibre Channel adapter's WWNN/WWPN, stable per host and adapter."""
    digest = hashlib.sha256(f"{host}/{adapter}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 16**12


def path_uid(host: Host, lun: Lun, path: LunPath) -> str:
    """The path UID esxcli prints as `UID:` and the API uses as path name and perf instance:
    iSCSI `<initiator iqn>-<session>,<target iqn>,t,1-<device>`, Fibre Channel (a target that
    is not an iqn) `fc.<WWNN>:<WWPN>-<target>-<device>`."""
    if path.target and not path.target.startswith("iqn."):
        wwn = fc_wwn(host.name, path.name.split(":")[0])
        return f"fc.2000{wwn:012x}:2100{wwn:012x}-{path.target}-{lun.id}"
    tag = hashlib.sha1(host.name.encode()).hexdigest()[:8]
    channel = path.name.split(":")[1][1:] if path.name.count(":") >= 3 else "0"
    isid = f"00023d{int(channel) + 1:06d}" if channel.isdigit() else "00023d000001"
    initiator = f"iqn.1998-01.com.vmware:{host.name}-{tag}-{isid}"
    target = path.target or f"iqn.1992-08.com.example:{path.adapter or 'target'}"
    return f"{initiator},{target},t,1-{lun.id}"


def host_datastores(scenario: Scenario, host: Host) -> list[str]:
    """Datastores a host mounts: its LUNs' VMFS datastores; without LUNs, the cluster's vSAN
    datastore when it runs VMs and has a vSAN vmk, else a local `datastore1 (<host>)`."""
    stores = list(dict.fromkeys(lun.datastore for lun in host.luns if lun.datastore))
    if stores:
        return stores
    if host.vms and any("vsan" in v.services for v in host.vmks):
        vsan_clusters = {
            h.cluster
            for h in scenario.hosts
            if h.site == host.site and not any(lun.datastore for lun in h.luns) and h.vms
        }
        if len(vsan_clusters) == 1:
            return ["vsanDatastore"]
        return [f"vsanDatastore ({host.cluster})"]
    return [f"datastore1 ({host.name})"]


def _lag_specs(hosts: list[Host], dvs: str) -> list[dict[str, Any]]:
    """One DVS-level LAG per name; mode and timeout are what most member hosts run (ties: default)."""
    by_name: dict[str, list[Any]] = {}
    for h in hosts:
        for lag in h.lags:
            if lag.dvs == dvs:
                by_name.setdefault(lag.name, []).append(lag)
    specs = []
    for name, lags in by_name.items():
        specs.append(
            {
                "key": str(lags[0].lag_id),
                "name": name,
                "mode": _majority([g.mode for g in lags], "active"),
                "uplink_num": max(len(g.nics) for g in lags) or 2,
                "load_balancing": lags[0].load_balancing,
                "timeout": _majority([g.timeout for g in lags], "slow"),
            }
        )
    return specs


def _majority(values: list[str], default: str) -> str:
    counts = Counter(values).most_common()
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return default if default in values else counts[0][0]
    return counts[0][0]


def scenario_to_vcsim_json(
    scenario: Scenario, agents: dict[str, str] | None = None
) -> dict[str, Any]:
    """The topology the Go program shapes the simulator from (one datacenter per site);
    `agents` gives each host's agent URL for esxcli over the API."""
    vms_by_host: dict[str, list[LabVm]] = {}
    for vm in lab_vms(scenario):
        vms_by_host.setdefault(vm.host, []).append(vm)
    datacenters = []
    for site in scenario.sites:
        hosts = [h for h in scenario.hosts if h.site == site.name]
        if not hosts:
            continue
        switches: dict[str, dict[str, Any]] = {}
        datastores: dict[str, int] = {}
        vms_on: Counter[str] = Counter()
        pinned: dict[str, float] = {}
        clusters: dict[str, list[dict[str, Any]]] = {}
        for h in hosts:
            sw_name = host_switch(h)
            sw = switches.setdefault(
                sw_name, {"name": sw_name, "mtu": h.dvs_mtu, "lags": [], "portgroups": []}
            )
            for v in h.vmks:
                pg = v.portgroup or f"{v.name}-pg"
                if pg != MANAGEMENT_PORTGROUP and pg not in sw["portgroups"]:
                    sw["portgroups"].append(pg)
            for lag in h.lags:
                switches.setdefault(
                    lag.dvs, {"name": lag.dvs, "mtu": h.dvs_mtu, "lags": [], "portgroups": []}
                )
            for lun in h.luns:
                if lun.datastore:
                    datastores.setdefault(lun.datastore, lun.capacity_gb)
                    if lun.used_pct >= 0:
                        pinned.setdefault(lun.datastore, lun.used_pct)
            stores = host_datastores(scenario, h)
            for name in stores:
                if name not in datastores:
                    datastores[name] = 500
                elif name.startswith("vsanDatastore"):
                    datastores[name] += 500
            vms_on[stores[0]] += len(vms_by_host.get(h.name, []))
            host_json = _host_json(h, vms_by_host.get(h.name, []), stores)
            host_json["agent_url"] = (agents or {}).get(h.name, "")
            clusters.setdefault(h.cluster, []).append(host_json)
        for sw in switches.values():
            sw["lags"] = _lag_specs(hosts, sw["name"])
        datacenters.append(
            {
                "name": site.datacenter,
                "site": site.name,
                "switches": list(switches.values()),
                "datastores": [
                    {
                        "name": n,
                        "capacity_gb": c,
                        "free_gb": datastore_free_gb(
                            f"{site.name}/{n}", c, vms_on[n], pinned.get(n, -1.0)
                        ),
                    }
                    for n, c in datastores.items()
                ],
                "clusters": [{"name": n, "hosts": hs} for n, hs in clusters.items()],
            }
        )
    from vconsole.lab.vcsim_checks import with_checks

    return with_checks({"vcenter": scenario.vcenter_name, "datacenters": datacenters}, scenario)


def _host_json(h: Host, vms: list[LabVm], stores: list[str]) -> dict[str, Any]:
    sw = host_switch(h)
    load = host_load(h, [(vm.name, vm.powered_on, vm.cpu, vm.memory_mb) for vm in vms])
    return {
        "name": h.name,
        "down": h.down,
        "lockdown": h.lockdown,
        "version": h.version,
        "build": h.build,
        "cpu_cores": h.cpu_cores,
        "cpu_mhz": h.cpu_mhz,
        "memory_mb": h.memory_gb * 1024,
        "cpu_usage_mhz": load.cpu_usage_mhz,
        "memory_usage_mb": load.memory_usage_mb,
        "datastores": stores,
        "advanced": dict(h.advanced),
        "vms": [
            {
                "name": vm.name,
                "powered_on": vm.powered_on,
                "guest_id": vm.guest_id,
                "guest_name": vm.guest_name,
                "cpu": vm.cpu,
                "memory_mb": vm.memory_mb,
                "ip": vm.ip,
            }
            for vm in vms
        ],
        "vmks": [
            {
                "name": v.name,
                "ip": v.ip,
                "netmask": v.netmask,
                "mtu": v.mtu,
                "netstack": v.netstack,
                "portgroup": v.portgroup or f"{v.name}-pg",
                "switch": "" if (v.portgroup or "") == MANAGEMENT_PORTGROUP else sw,
                "services": list(v.services),
            }
            for v in h.vmks
        ],
        "nics": [
            {"name": n.name, "speed_mbps": n.speed_mbps, "link_up": n.link_up} for n in h.nics
        ],
        "lags": [
            {"switch": g.dvs, "name": g.name, "key": str(g.lag_id), "nics": list(g.nics)}
            for g in h.lags
        ],
        "luns": [
            {
                "id": lun.id,
                "display_name": lun.display_name,
                "datastore": lun.datastore,
                "capacity_gb": lun.capacity_gb,
                "psp": lun.psp,
                "satp": lun.satp,
                "paths": [
                    {
                        "name": p.name,
                        "uid": path_uid(h, lun, p),
                        "state": p.state,
                        "read_ms": p.read_ms,
                        "write_ms": p.write_ms,
                        "adapter": p.adapter,
                        "target": p.target,
                    }
                    for p in lun.paths
                ],
            }
            for lun in h.luns
        ],
    }
