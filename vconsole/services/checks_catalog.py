"""The six design checks: id, title, why an admin should care, and where each reads its truth."""

from __future__ import annotations

from vconsole.models.checks import CheckInfo, CheckRow
from vconsole.models.common import Verdict
from vconsole.models.findings import Finding, Subject

SOURCE = "checks"

MULTICAST = CheckInfo(
    "multicast",
    1,
    "Multicast filtering mode per distributed switch",
    "vSphere 7.0 made IGMP/MLD snooping the default for new switches; Microsoft NLB in "
    "multicast mode and other apps that rely on flooding stop working on a snooping switch.",
    "vCenter: VmwareDistributedVirtualSwitch config.multicastFilteringMode, "
    "summary.productInfo.version, port group names",
)
FLAPPING = CheckInfo(
    "flapping",
    2,
    "Port flapping exposure",
    "A flapping uplink makes the switch fail over and fail back again and again, dropping "
    "traffic each time; failback with the default 100 ms up-delay follows every flap.",
    "vCenter: port group defaultPortConfig.uplinkTeamingPolicy.rollingOrder (true = failback "
    "No), link-down events; host: esxcli system settings advanced list -o /Net/TeamPolicyUpDelay",
)
LLDP = CheckInfo(
    "lldp",
    3,
    "Intel X710/XL710 (i40en) firmware LLDP agent",
    "The NIC firmware's LLDP agent consumes LLDP frames, so a switch that uses LLDP discovery "
    "sees nothing from those ports (and the physical switch may learn the wrong port).",
    "host: esxcli network nic list (driver), esxcli system module parameters list -m i40en "
    "(LLDP); vCenter: DVS config.linkDiscoveryProtocolConfig",
)
BOOT = CheckInfo(
    "boot",
    4,
    "ESXi 7+ boot media",
    "Booting from SD cards or USB sticks is deprecated since 7.0: ESX-OSData writes wear them "
    "out and hosts lose their boot bank. A durable boot device has 32 GB or more.",
    "host: esxcli storage core device list (Is Boot Device, Is USB, Size), "
    "esxcli storage vmfs extent list (OSDATA volume's device)",
)
HA_SLOTS = CheckInfo(
    "ha-slots",
    5,
    "HA slot size",
    "With the slot policy, no reservations means tiny default slots and far more VMs admitted "
    "than a failover can restart; one large reservation inflates every slot and wastes capacity.",
    "vCenter: ClusterComputeResource.RetrieveDasAdvancedRuntimeInfo, configurationEx.dasConfig, "
    "VM config.cpuAllocation/memoryAllocation reservations",
)
DRIFT = CheckInfo(
    "drift",
    6,
    "Cross-host drift",
    "Hosts of one cluster that differ in a setting the other panes rely on behave differently "
    "after a vMotion or a failover, which is the hardest kind of problem to see.",
    "host: advanced list -o /Misc/EnablePSPLatencyPolicy and /Net/TeamPolicyUpDelay, "
    "esxcli network ip interface list (vmk MTU), esxcli network vswitch dvs vmware list (DVS MTU); "
    "vCenter: config.virtualNicManagerInfo.netConfig (which service each vmk carries)",
)
CHECKS = (MULTICAST, FLAPPING, LLDP, BOOT, HA_SLOTS, DRIFT)


def row(
    check: CheckInfo,
    subject: Subject,
    code: str,
    severity: Verdict,
    text: str,
    evidence: str = "",
    *,
    fix: str = "",
    value: str = "",
    seen_at: float | None = None,
) -> CheckRow:
    finding = Finding(code, severity, text, evidence, subject, SOURCE, seen_at)
    return CheckRow(check, finding, fix, value)
