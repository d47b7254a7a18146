"""What the inventory reads from vCenter: object types and property paths, one list per view.

Paths are leaf properties where possible, so answers stay in the parser's fast path; the few
complex ones (datastore mounts, network hosts, portgroup VLAN config) are small. Container
views list concrete types as well as base types: the simulator matches view types exactly,
while vCenter also includes subtypes (listing both changes nothing there).
"""

from __future__ import annotations

from vconsole.vim.soap import PropertySpec

VM_TYPES = ("VirtualMachine",)
VM_PATHS = (
    "name",
    "runtime.powerState",
    "runtime.host",
    "runtime.connectionState",
    "summary.config.numCpu",
    "summary.config.memorySizeMB",
    "summary.config.guestFullName",
    "summary.config.template",
    "guest.ipAddress",
    "guest.toolsRunningStatus",
)
VM_SPECS = (PropertySpec("VirtualMachine", VM_PATHS),)

SKELETON_TYPES = ("Folder", "Datacenter", "ComputeResource", "ClusterComputeResource")
"""Read first: few objects even in the largest estate, and enough to ask for one cluster's VMs."""
RESOURCE_TYPES = (
    "HostSystem",
    "Datastore",
    "Network",
    "DistributedVirtualPortgroup",
    "OpaqueNetwork",
    "DistributedVirtualSwitch",
    "VmwareDistributedVirtualSwitch",
)
HOST_PATHS = (
    "name",
    "parent",
    "runtime.connectionState",
    "runtime.powerState",
    "runtime.inMaintenanceMode",
    "summary.config.product.version",
    "summary.config.product.build",
    "summary.quickStats.overallCpuUsage",
    "summary.quickStats.overallMemoryUsage",
    "summary.hardware.cpuMhz",
    "summary.hardware.numCpuCores",
    "summary.hardware.memorySize",
)
SKELETON_SPECS = (
    PropertySpec("Folder", ("name", "parent")),
    PropertySpec("Datacenter", ("name", "parent")),
    PropertySpec(
        "ComputeResource",
        (
            "name",
            "parent",
            "host",
            "summary.numHosts",
            "summary.numEffectiveHosts",
            "summary.totalCpu",
            "summary.totalMemory",
        ),
    ),
)
HOST_SPECS = (PropertySpec("HostSystem", HOST_PATHS),)
RESOURCE_SPECS = (
    *HOST_SPECS,
    PropertySpec(
        "Datastore",
        (
            "name",
            "parent",
            "summary.type",
            "summary.capacity",
            "summary.freeSpace",
            "summary.accessible",
            "host",
        ),
    ),
    PropertySpec("Network", ("name", "parent", "host")),
    PropertySpec(
        "DistributedVirtualPortgroup",
        ("config.distributedVirtualSwitch", "config.defaultPortConfig", "config.uplink"),
    ),
    PropertySpec("DistributedVirtualSwitch", ("name", "parent")),
)

STRUCTURE_TYPES = SKELETON_TYPES + RESOURCE_TYPES
STRUCTURE_SPECS = SKELETON_SPECS + RESOURCE_SPECS
ALL_TYPES = STRUCTURE_TYPES + VM_TYPES
ALL_SPECS = STRUCTURE_SPECS + VM_SPECS
