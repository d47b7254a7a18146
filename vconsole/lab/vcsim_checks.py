"""The part of the lab vCenter's topology the design checks need: switch settings, port group
teaming, HA clusters with reservations, and NIC link-down events to post.

Added to the topology JSON under `checks` (the Go program's `checks.go` applies it after the
inventory is built); port groups a `[[dvs]]` declares are added to that switch's port groups.
"""

from __future__ import annotations

from typing import Any

from vconsole.lab.scenario_checks import extra_memberships
from vconsole.lab.scenario_model import Scenario


def with_checks(topology: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    """`topology` with the declared port groups on their switches and the `checks` section."""
    declared = {s.name: s for s in scenario.switches}
    extra = extra_memberships(scenario)
    hosts = {h.name: h for h in scenario.hosts}
    for dc in topology.get("datacenters", []):
        present = {sw["name"] for sw in dc.get("switches", [])}
        for host, names in sorted(extra.items()):
            if hosts[host].site != dc.get("site"):
                continue
            for name in names:
                if name not in present:
                    present.add(name)
                    dc["switches"].append(
                        {"name": name, "mtu": hosts[host].dvs_mtu, "lags": [], "portgroups": []}
                    )
        for sw in dc.get("switches", []):
            spec = declared.get(sw["name"])
            if spec is None:
                continue
            for pg in spec.portgroups:
                if pg.name not in sw["portgroups"]:
                    sw["portgroups"].append(pg.name)
            if spec.mtu:
                sw["mtu"] = spec.mtu
    topology["checks"] = {
        "switches": [
            {
                "name": s.name,
                "version": s.version,
                "multicast_filtering": s.multicast_filtering,
                "discovery": s.discovery,
                "portgroups": [
                    {"name": p.name, "vlan": int(p.vlan), "failback": bool(p.failback)}
                    for p in s.portgroups
                ],
            }
            for s in scenario.switches
        ],
        "clusters": [
            {
                "name": c.name,
                "ha": c.ha,
                "admission": c.admission,
                "failures_tolerated": c.failures_tolerated,
                "reservations": [
                    {"vm": r.vm, "cpu_mhz": r.cpu_mhz, "memory_mb": r.memory_mb}
                    for r in c.reservations
                ],
            }
            for c in scenario.cluster_specs
        ],
        "members": [
            {"host": h, "dvs": name} for h, names in sorted(extra.items()) for name in names
        ],
        "flaps": [
            {"host": h.name, "nic": n.name, "count": n.flaps}
            for h in scenario.hosts
            for n in h.nics
            if n.flaps > 0 and not h.down
        ],
    }
    return topology
