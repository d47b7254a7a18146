"""Load figures the lab vCenter reports, derived from what runs where, so they add up.

A host's CPU and memory use follow its powered-on VMs (a stable per-VM share of its vCPUs and
memory, plus the hypervisor's own), unless the scenario pins `cpu_usage_pct`/`memory_usage_pct`;
a datastore is filled by the disks of the VMs stored on it plus a stable share of old data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from vconsole.lab.scenario_model import Host

HYPERVISOR_MEMORY_MB = 3072  # what ESXi itself holds on a host with no VMs
HYPERVISOR_CPU_MHZ = 120
VM_DISK_GB = 12  # each VM's thin disks, as stored


@dataclass(frozen=True)
class HostLoad:
    cpu_usage_mhz: int
    memory_usage_mb: int


def share(*parts: str, low: float, high: float) -> float:
    """A stable number in [low, high) for a name: the same lab gives the same figures."""
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return low + (high - low) * int.from_bytes(digest[:4], "big") / 2**32


def host_load(host: Host, vms: list[tuple[str, bool, int, int]]) -> HostLoad:
    """Usage from (name, powered_on, vcpus, memory_mb) of the VMs on `host`."""
    capacity_mhz = host.cpu_cores * host.cpu_mhz
    capacity_mb = host.memory_gb * 1024
    if host.down:
        return HostLoad(0, 0)
    cpu = float(HYPERVISOR_CPU_MHZ)
    mem = float(HYPERVISOR_MEMORY_MB)
    for name, on, vcpus, memory_mb in vms:
        if on:
            cpu += vcpus * host.cpu_mhz * share(name, "cpu", low=0.04, high=0.35)
            mem += memory_mb * share(name, "mem", low=0.55, high=0.95)
    if host.cpu_usage_pct >= 0:
        cpu = capacity_mhz * host.cpu_usage_pct / 100
    if host.memory_usage_pct >= 0:
        mem = capacity_mb * host.memory_usage_pct / 100
    return HostLoad(min(int(cpu), capacity_mhz), min(int(mem), capacity_mb))


def datastore_free_gb(name: str, capacity_gb: int, vm_count: int, used_pct: float = -1) -> int:
    """Capacity less the VMs' disks and a stable 10-45 % of data that is not the lab's VMs;
    never fuller than 95 %, as an admin's alarms would have fired long before. A scenario's
    `used_pct` wins."""
    if used_pct >= 0:
        return int(capacity_gb * (100 - min(used_pct, 100)) / 100)
    used = vm_count * VM_DISK_GB + capacity_gb * share(name, "ds", low=0.10, high=0.45)
    return int(capacity_gb - min(used, capacity_gb * 0.95))
