"""Check 5: HA slot size. Source of truth: vCenter computes the slots
(`ClusterComputeResource.RetrieveDasAdvancedRuntimeInfo`: slot CPU/memory, total/used/
unreserved slots); the VM that sets the slot is found from VM reservations, which vCenter holds.
"""

from __future__ import annotations

from vconsole.models.checks import CheckRow
from vconsole.models.common import Verdict
from vconsole.models.findings import Subject, SubjectKind
from vconsole.services.checks_catalog import HA_SLOTS, row
from vconsole.services.checks_vcenter import ClusterFacts, VcenterFacts, VmReservation

OUTLIER_FACTOR = 4
"""A reservation this many times the next largest one inflates the slot for everyone..."""
LARGE = {"memory_mb": 4096, "cpu_mhz": 2000}
"""...when it is also large in itself (a 256 MB reservation sets the slot but wastes little)."""

FIX_DEFAULT = (
    "Switch admission control to the cluster resource percentage policy (vSphere HA > Admission "
    "Control > Cluster resource percentage), or set das.slotCpuInMHz / das.slotMemInMB to a "
    "realistic VM size in HA advanced options"
)


def ha_rows(vc: VcenterFacts, site: str, now: float) -> list[CheckRow]:
    rows = []
    for cluster in vc.clusters:
        subject = Subject.of(SubjectKind.CLUSTER, cluster.name, cluster=cluster.name, site=site)
        rows.append(_cluster_row(cluster, vc.vms, subject, now))
    return rows


def _cluster_row(
    cluster: ClusterFacts, vms: tuple[VmReservation, ...], subject: Subject, now: float
) -> CheckRow:
    if not cluster.ha:
        return row(
            HA_SLOTS,
            subject,
            "ha-off",
            Verdict.OK,
            "HA is off",
            value="HA off",
            seen_at=now,
        )
    if cluster.admission != "slots":
        detail = cluster.admission
        if cluster.admission == "percentage":
            detail = f"percentage (CPU {cluster.cpu_pct}%, memory {cluster.memory_pct}%)"
        return row(
            HA_SLOTS,
            subject,
            "ha-no-slots",
            Verdict.OK,
            f"admission control {detail}: no slots to size",
            value=f"HA, {cluster.admission}",
            seen_at=now,
        )
    if cluster.slot is None:
        return row(
            HA_SLOTS,
            subject,
            "unreadable",
            Verdict.ERROR,
            "vCenter gave no slot information",
            cluster.slot_error,
            seen_at=now,
        )
    slot = cluster.slot
    members = [v for v in vms if v.host in cluster.hosts and v.powered_on]
    reserving = [v for v in members if v.cpu_mhz or v.memory_mb]
    available = max(slot.unreserved_slots, 0)
    value = (
        f"slot {slot.cpu_mhz} MHz / {slot.memory_mb} MB; {slot.total_slots} total, "
        f"{slot.used_slots} used, {available} available"
    )
    capacity = slot.failover_capacity
    if capacity is not None:
        value += f"; failover capacity {capacity} host{'s' if capacity != 1 else ''}"
    evidence = (
        f"host failures to tolerate {cluster.failures_tolerated}; {value}; "
        f"{slot.good_hosts}/{slot.total_hosts} hosts good, {slot.total_vms} VMs; "
        f"{len(reserving)} of {len(members)} powered-on VMs have a reservation"
    )
    if not reserving:
        return row(
            HA_SLOTS,
            subject,
            "default-slot-size",
            Verdict.WARNING,
            f"no VM has a reservation, so the slot is the default "
            f"{slot.cpu_mhz} MHz / {slot.memory_mb} MB and admission control admits far "
            "more VMs than a failover can restart",
            evidence,
            fix=FIX_DEFAULT,
            value=value,
            seen_at=now,
        )
    setter = _slot_setter(reserving)
    if setter is not None:
        vm, what = setter
        return row(
            HA_SLOTS,
            subject,
            "slot-inflated",
            Verdict.WARNING,
            f"{vm.name} reserves {what} and sets the slot size for every "
            f"VM: only {slot.total_slots} slots for {len(members)} VMs ({available} "
            "available)",
            evidence,
            fix=f"Lower {vm.name}'s reservation, or switch admission control to the "
            "cluster resource percentage policy, or cap the slot with das.slotCpuInMHz / "
            "das.slotMemInMB (the VM then takes several slots)",
            value=value,
            seen_at=now,
        )
    return row(
        HA_SLOTS,
        subject,
        "slot-size-ok",
        Verdict.OK,
        value,
        evidence,
        value=value,
        seen_at=now,
    )


def _slot_setter(reserving: list[VmReservation]) -> tuple[VmReservation, str] | None:
    """The VM whose CPU or memory reservation dwarfs the rest, with what it reserves."""
    for attr, unit in (("memory_mb", "MB"), ("cpu_mhz", "MHz")):
        ranked = sorted(reserving, key=lambda v: getattr(v, attr), reverse=True)
        top = getattr(ranked[0], attr)
        nxt = getattr(ranked[1], attr) if len(ranked) > 1 else 0
        if top >= LARGE[attr] and top >= OUTLIER_FACTOR * max(nxt, 1):
            vm = ranked[0]
            return vm, f"{vm.cpu_mhz} MHz / {vm.memory_mb} MB ({attr.split('_')[0]} {top} {unit})"
    return None
