"""The lab scenario: one TOML file describes the estate every lab server answers from.

The same model feeds vcsim (inventory, LAG config, multipath, perf samples), the ESXi SSH hosts
(esxcli and vmkping output), the Bitfusion client VM and Cloud Director, so panes agree.
"""

from __future__ import annotations

import ipaddress
from dataclasses import fields
from pathlib import Path
from typing import Any

from vconsole import _toml as tomllib
from vconsole.lab.scenario_checks import (
    ScenarioKeyError,
    built_switches,
    check_hosts,
    parse_clusters,
    parse_switches,
)
from vconsole.lab.scenario_derive import complete
from vconsole.lab.scenario_model import (
    IPV4_HEADER,
    IPV6_HEADER,
    LOCKDOWN_MODES,
    Bitfusion,
    BitfusionClient,
    BitfusionServer,
    Endpoint,
    ExtraTarget,
    Host,
    Lag,
    Lun,
    LunPath,
    Nic,
    PathInfo,
    Scenario,
    ScenarioError,
    Site,
    Vcd,
    VcdOrg,
    Vmk,
)
from vconsole.lab.vcsim_topology import lab_vms

__all__ = [
    "Bitfusion",
    "BitfusionClient",
    "BitfusionServer",
    "DEFAULT_SCENARIO",
    "Endpoint",
    "ExtraTarget",
    "Host",
    "IPV4_HEADER",
    "IPV6_HEADER",
    "LOCKDOWN_MODES",
    "Lag",
    "Lun",
    "LunPath",
    "Nic",
    "PathInfo",
    "SCENARIO_DIR",
    "Scenario",
    "ScenarioError",
    "Site",
    "Vcd",
    "VcdOrg",
    "Vmk",
    "default_scenario",
    "generate_scenario",
    "load_scenario",
    "scenario_from_dict",
]

SCENARIO_DIR = Path(__file__).parent / "scenarios"
DEFAULT_SCENARIO = SCENARIO_DIR / "default.toml"


def load_scenario(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{p}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read: {exc.strerror}") from exc
    return scenario_from_dict(data, name=p.stem)


def default_scenario() -> Scenario:
    return load_scenario(DEFAULT_SCENARIO)


def _take(table: dict[str, Any], cls: type, where: str, **extra: Any) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = set(table) - known - set(extra)
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {sorted(unknown)}; accepted: {sorted(known)}")
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}
    kwargs.update(extra)
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ScenarioError(f"{where}: {exc}") from exc


def scenario_from_dict(data: dict[str, Any], name: str = "scenario") -> Scenario:
    sites = tuple(_take(s, Site, f"site[{i}]") for i, s in enumerate(data.get("site", [])))
    site_names = {s.name for s in sites}
    if not sites:
        raise ScenarioError("at least one [[site]] is needed")
    hosts = []
    for i, h in enumerate(data.get("host", [])):
        where = f"host[{i}] ({h.get('name', '?')})"
        raw = dict(h)
        vmks = tuple(_take(v, Vmk, f"{where}.vmk[{j}]") for j, v in enumerate(raw.pop("vmk", [])))
        lags = tuple(_take(g, Lag, f"{where}.lag[{j}]") for j, g in enumerate(raw.pop("lag", [])))
        luns = []
        for j, lun in enumerate(raw.pop("lun", [])):
            lraw = dict(lun)
            paths = tuple(
                _take(p, LunPath, f"{where}.lun[{j}].path[{k}]")
                for k, p in enumerate(lraw.pop("path", []))
            )
            luns.append(_take(lraw, Lun, f"{where}.lun[{j}]", paths=paths))
        nics = tuple(_take(n, Nic, f"{where}.nic[{j}]") for j, n in enumerate(raw.pop("nic", [])))
        advanced = tuple(sorted((str(k), int(v)) for k, v in raw.pop("advanced", {}).items()))
        params = tuple(sorted((str(k), str(v)) for k, v in raw.pop("module_params", {}).items()))
        host = _take(
            raw,
            Host,
            where,
            vmks=vmks,
            lags=lags,
            luns=tuple(luns),
            nics=nics,
            advanced=advanced,
            module_params=params,
        )
        if host.site not in site_names:
            raise ScenarioError(f"{where}: site {host.site!r} is not a [[site]] name")
        if host.lockdown not in LOCKDOWN_MODES:
            raise ScenarioError(
                f"{where}: lockdown {host.lockdown!r} is not one of {', '.join(LOCKDOWN_MODES)}"
            )
        if not isinstance(host.ssh, bool):
            raise ScenarioError(f"{where}: ssh must be true or false, got {host.ssh!r}")
        for v in host.vmks:
            if v.ip:
                _check_ip(v.ip, f"{where}.vmk {v.name}.ip")
        hosts.append(host)
    names = [h.name for h in hosts]
    if len(set(names)) != len(names):
        raise ScenarioError("host names must be unique")
    targets = tuple(
        _take(t, ExtraTarget, f"target[{i}]") for i, t in enumerate(data.get("target", []))
    )
    bf_raw = dict(data.get("bitfusion", {}))
    bitfusion = _take(
        bf_raw,
        Bitfusion,
        "bitfusion",
        servers=tuple(
            _take(s, BitfusionServer, f"bitfusion.server[{i}]")
            for i, s in enumerate(bf_raw.pop("server", []))
        ),
        clients=tuple(
            _take(c, BitfusionClient, f"bitfusion.client[{i}]")
            for i, c in enumerate(bf_raw.pop("client", []))
        ),
    )
    vcd_raw = dict(data.get("vcd", {}))
    vcd = _take(
        vcd_raw,
        Vcd,
        "vcd",
        orgs=tuple(_take(o, VcdOrg, f"vcd.org[{i}]") for i, o in enumerate(vcd_raw.pop("org", []))),
    )
    try:
        switches, cluster_specs = (
            parse_switches(data.get("dvs")),
            parse_clusters(data.get("cluster")),
        )
    except ScenarioKeyError as exc:
        raise ScenarioError(str(exc)) from None
    scenario = complete(
        Scenario(
            name=str(data.get("name", name)),
            sites=sites,
            hosts=tuple(hosts),
            targets=targets,
            bitfusion=bitfusion,
            vcd=vcd,
            vcenter_name=str(data.get("vcenter_name", "vcsa01")),
            switches=switches,
            cluster_specs=cluster_specs,
        )
    )
    try:
        vm_names = {vm.name for vm in lab_vms(scenario)} if scenario.cluster_specs else set()
        check_hosts(
            scenario.hosts,
            scenario.switches,
            scenario.cluster_specs,
            vm_names,
            built_switches(scenario),
        )
    except ScenarioKeyError as exc:
        raise ScenarioError(str(exc)) from None
    return scenario


def _check_ip(value: str, where: str) -> None:
    try:
        ipaddress.ip_address(value)
    except ValueError as exc:
        raise ScenarioError(f"{where}: {value!r} is not an IP address") from exc


def generate_scenario(
    hosts: int = 200,
    vms: int = 5000,
    sites: int = 10,
    luns_per_host: int = 4,
    paths_per_lun: int = 4,
    slow_ms: int = 0,
) -> Scenario:
    """A large, regular estate for benchmarks and acceptance checks (200+ hosts, 5,000+ VMs)."""
    site_list = [Site(name="HQ", hq=True, wan_mtu=9000)] + [
        Site(
            name=f"BR{i:02d}",
            wan_mtu=1400 if i % 3 else 1280,
            icmp_blackhole=(i % 5 == 0),
            latency_ms=5.0 + i,
        )
        for i in range(1, sites)
    ]
    host_list = []
    for i in range(hosts):
        site = site_list[i % len(site_list)]
        per_host = vms // hosts + (1 if i < vms % hosts else 0)
        octet2, octet3 = divmod(i, 250)
        luns = tuple(
            Lun(
                id=f"naa.600a0980383044374{j:03d}{'0' * 12}{j:04x}",
                datastore=f"DS{j:03d}",
                display_name=f"NETAPP iSCSI Disk (naa.600a0980383044374{j:03d})",
                paths=tuple(
                    LunPath(
                        name=f"vmhba64:C{p}:T0:L{j}",
                        adapter="vmhba64",
                        target=f"iqn.1992-08.com.netapp:sn.1:vs.{p}",
                        read_ms=0.8 + 0.1 * p,
                        write_ms=1.0 + 0.1 * p,
                    )
                    for p in range(paths_per_lun)
                ),
            )
            for j in range(luns_per_host)
        )
        host_list.append(
            Host(
                name=f"esx{i + 1:04d}",
                site=site.name,
                cluster=f"{site.name}-CL{i % 4 + 1}",
                vms=per_host,
                slow_ms=slow_ms,
                vmks=(
                    Vmk(
                        name="vmk0",
                        ip=f"10.{100 + octet2}.{octet3}.{10 + i % 200}",
                        mtu=1500,
                        portgroup="Management Network",
                        services=("management",),
                    ),
                    Vmk(
                        name="vmk1",
                        ip=f"172.{16 + octet2}.{octet3}.{10 + i % 200}",
                        mtu=9000,
                        portgroup="vSAN",
                        services=("vsan",),
                    ),
                ),
                lags=(
                    Lag(
                        dvs=f"DSwitch-{site.name}", name="lag1", lag_id=1, nics=("vmnic2", "vmnic3")
                    ),
                ),
                nics=tuple(Nic(name=f"vmnic{n}") for n in range(4)),
                luns=luns,
                advanced=(("/Misc/EnablePSPLatencyPolicy", 1),),
            )
        )
    return Scenario(
        name=f"generated-{hosts}h-{vms}vm",
        sites=tuple(site_list),
        hosts=tuple(host_list),
        targets=(ExtraTarget(name="vcsa01", ip="10.0.10.5", site="HQ"),),
        bitfusion=Bitfusion(),
        vcd=Vcd(orgs=(VcdOrg(name="acme"),)),
    )
