"""Scenario keys the design checks read: switches with port groups, HA clusters, boot media.

Kept apart from `scenario.py` so the checks' knobs (multicast filtering, failback, boot device,
i40en module parameters, HA admission control and reservations) are parsed and validated in
one place; `scenario.py` only calls `parse_switches`, `parse_clusters` and `check_hosts`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

MULTICAST_MODES = ("legacyFiltering", "snooping")
DISCOVERY_PROTOCOLS = ("cdp", "lldp")
BOOT_DEVICES = ("disk", "sd", "usb", "san")
OSDATA_PLACES = ("boot", "datastore")
ADMISSION_POLICIES = ("slots", "percentage", "none")
TEAM_UP_DELAY_OPTION = "/Net/TeamPolicyUpDelay"
TEAM_UP_DELAY_DEFAULT_MS = 100
DEFAULT_BOOT_GB = {"disk": 128, "sd": 32, "usb": 32, "san": 64}


class ScenarioKeyError(ValueError):
    """A check key with a value the lab cannot serve; the message names the key."""


@dataclass(frozen=True)
class PortgroupSpec:
    name: str
    vlan: int = 0
    failback: bool = True  # the vSphere Client's "Failback: Yes" (the API's rollingOrder=false)


@dataclass(frozen=True)
class DvsSpec:
    name: str
    version: str = "7.0.3"
    multicast_filtering: str = "legacyFiltering"
    mtu: int = 0  # 0: the member hosts' dvs_mtu
    discovery: str = "cdp"
    portgroups: tuple[PortgroupSpec, ...] = ()


@dataclass(frozen=True)
class Reservation:
    vm: str
    cpu_mhz: int = 0
    memory_mb: int = 0


@dataclass(frozen=True)
class ClusterSpec:
    name: str
    ha: bool = True
    admission: str = "slots"
    failures_tolerated: int = 1
    reservations: tuple[Reservation, ...] = ()


def _build(table: Any, cls: type, where: str, **extra: Any) -> Any:
    if not isinstance(table, dict):
        raise ScenarioKeyError(f"{where}: expected a table")
    known = {f.name for f in fields(cls)} - set(extra)
    unknown = set(table) - known
    if unknown:
        raise ScenarioKeyError(
            f"{where}: unknown key(s) {sorted(unknown)}; accepted: {sorted(known)}"
        )
    try:
        return cls(**table, **extra)
    except TypeError as exc:
        raise ScenarioKeyError(f"{where}: {exc}") from None


def _build_with(raw: Any, cls: type, where: str, key: str, child: type, field: str) -> Any:
    """A table whose `[[...key]]` sub-tables, each built as `child`, become its `field`."""
    table = dict(raw)
    children = tuple(
        _build(item, child, f"{where}.{key}[{j}]") for j, item in enumerate(table.pop(key, []))
    )
    return _build(table, cls, where, **{field: children})


def _tables_with(
    items: Any, name: str, cls: type, key: str, child: type, field: str
) -> Iterator[tuple[str, Any]]:
    """Each `[[name]]` table built by `_build_with`, with where it stands (`name[i]`)."""
    for i, raw in enumerate(items or []):
        where = f"{name}[{i}]"
        yield where, _build_with(raw, cls, where, key, child, field)


def _one_of(value: object, accepted: tuple[str, ...], where: str) -> None:
    if value not in accepted:
        raise ScenarioKeyError(
            f"{where}: {value!r} is not accepted; accepted: {', '.join(accepted)}"
        )


def parse_switches(items: Any) -> tuple[DvsSpec, ...]:
    """`[[dvs]]` tables with their `[[dvs.portgroup]]`."""
    out = []
    tables = _tables_with(items, "dvs", DvsSpec, "portgroup", PortgroupSpec, "portgroups")
    for where, spec in tables:
        _one_of(spec.multicast_filtering, MULTICAST_MODES, f"{where}.multicast_filtering")
        _one_of(spec.discovery, DISCOVERY_PROTOCOLS, f"{where}.discovery")
        for j, pg in enumerate(spec.portgroups):
            if not isinstance(pg.failback, bool):
                raise ScenarioKeyError(f"{where}.portgroup[{j}].failback: expected true or false")
            if not 0 <= int(pg.vlan) <= 4094:
                raise ScenarioKeyError(f"{where}.portgroup[{j}].vlan: expected 0..4094")
        out.append(spec)
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise ScenarioKeyError("dvs: switch names must be unique")
    return tuple(out)


def parse_clusters(items: Any) -> tuple[ClusterSpec, ...]:
    """`[[cluster]]` tables with their `[[cluster.reservation]]`."""
    out = []
    tables = _tables_with(items, "cluster", ClusterSpec, "reservation", Reservation, "reservations")
    for where, spec in tables:
        _one_of(spec.admission, ADMISSION_POLICIES, f"{where}.admission")
        if not isinstance(spec.failures_tolerated, int) or not 0 <= spec.failures_tolerated <= 31:
            raise ScenarioKeyError(f"{where}.failures_tolerated: expected a whole number 0..31")
        out.append(spec)
    return tuple(out)


def check_hosts(
    hosts: Any,
    switches: tuple[DvsSpec, ...],
    clusters: tuple[ClusterSpec, ...],
    vm_names: set[str],
    switch_sites: dict[str, str],
) -> None:
    """Cross-checks once hosts are known: boot keys, declared switches and clusters exist."""
    for h in hosts:
        where = f"host {h.name}"
        _one_of(h.boot_device, BOOT_DEVICES, f"{where}.boot_device")
        _one_of(h.osdata_on, OSDATA_PLACES, f"{where}.osdata_on")
        if h.boot_device_gb is not None and not 1 <= h.boot_device_gb <= 65536:
            raise ScenarioKeyError(f"{where}.boot_device_gb: expected 1..65536 (GB)")
    declared = {s.name for s in switches}
    for h in hosts:
        for name in h.dvs:
            if name not in declared and name not in switch_sites:
                raise ScenarioKeyError(
                    f"host {h.name}.dvs: {name!r} is neither a [[dvs]] nor a switch the lab "
                    f"builds ({', '.join(sorted(switch_sites))})"
                )
            if switch_sites.get(name, h.site) != h.site:
                raise ScenarioKeyError(
                    f"host {h.name}.dvs: {name} lives in site {switch_sites[name]}'s datacenter; "
                    "a host joins switches of its own site only"
                )
    listed = {name for h in hosts for name in h.dvs}
    for spec in switches:
        if spec.name not in switch_sites and spec.name not in listed:
            raise ScenarioKeyError(
                f"dvs {spec.name}: no host is on this switch; name it in a host's `dvs` or use "
                f"one the lab builds: {', '.join(sorted(switch_sites))} (a LAG's dvs, else "
                "DSwitch-<site>)"
            )
    cluster_names = {h.cluster for h in hosts}
    for c in clusters:
        if c.name not in cluster_names:
            raise ScenarioKeyError(f"cluster {c.name}: no [[host]] has cluster = {c.name!r}")
        for r in c.reservations:
            if r.vm not in vm_names:
                raise ScenarioKeyError(
                    f"cluster {c.name}.reservation: no lab VM {r.vm!r} (names are <cluster>-vm-NNNN)"
                )


def host_switch(host: Any) -> str:
    """The distributed switch a host's LAGs and non-management vmks live on."""
    for lag in host.lags:
        return str(lag.dvs)
    return f"DSwitch-{host.site}"


def built_switches(scenario: Any) -> dict[str, str]:
    """Switch name -> site of the switches the lab builds for hosts (LAG switches, DSwitch-<site>)."""
    out = {host_switch(h): h.site for h in scenario.hosts}
    out.update({lag.dvs: h.site for h in scenario.hosts for lag in h.lags})
    return out


def extra_memberships(scenario: Any) -> dict[str, list[str]]:
    """Host -> declared switches it joins beyond the ones the lab builds for it: its `dvs` list,
    else every [[dvs]] of its site (a new switch lives in the site of the hosts that list it)."""
    built = built_switches(scenario)
    sites = dict(built)
    for h in scenario.hosts:
        for name in h.dvs:
            sites.setdefault(name, h.site)
    own = {
        h.name: {name for name, site in built.items() if site == h.site and _owns(h, name)}
        for h in scenario.hosts
    }
    out: dict[str, list[str]] = {}
    for h in scenario.hosts:
        wanted = (
            list(h.dvs)
            if h.dvs
            else [s.name for s in scenario.switches if sites.get(s.name) == h.site]
        )
        extra = [n for n in wanted if n not in own[h.name]]
        if extra:
            out[h.name] = extra
    return out


def _owns(host: Any, switch: str) -> bool:
    return switch == host_switch(host) or any(lag.dvs == switch for lag in host.lags)


def switch_spec(scenario: Any, name: str) -> DvsSpec | None:
    return next((s for s in scenario.switches if s.name == name), None)


def boot_gb(host: Any) -> int:
    """The boot device size: the scenario's, else a typical size for its kind."""
    return int(host.boot_device_gb or DEFAULT_BOOT_GB.get(host.boot_device, 128))
