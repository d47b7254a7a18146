"""The lab scenario: one TOML file describes the estate every lab server answers from.

The same model feeds vcsim (inventory, LAG config, multipath, perf samples), the ESXi SSH hosts
(esxcli and vmkping output), the Bitfusion client VM and Cloud Director, so panes agree.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from vconsole import _toml as tomllib
from vconsole.lab.scenario_checks import (
    ClusterSpec,
    DvsSpec,
    ScenarioKeyError,
    parse_clusters,
    parse_switches,
    validate_check_keys,
)

SCENARIO_DIR = Path(__file__).parent / "scenarios"
DEFAULT_SCENARIO = SCENARIO_DIR / "default.toml"

IPV4_HEADER = 28  # 20-byte IP header + 8-byte ICMP header
IPV6_HEADER = 48  # 40-byte IPv6 header + 8-byte ICMPv6 header


class ScenarioError(ValueError):
    """A scenario file that cannot describe a lab; the message names the key."""


@dataclass(frozen=True)
class Site:
    name: str
    wan_mtu: int = 1500
    icmp_blackhole: bool = False
    latency_ms: float = 0.0
    hq: bool = False

    @property
    def datacenter(self) -> str:
        return f"DC-{self.name}"


@dataclass(frozen=True)
class Vmk:
    name: str
    ip: str = ""
    mtu: int = 1500
    netstack: str = "defaultTcpipStack"
    services: tuple[str, ...] = ()
    netmask: str = "255.255.255.0"
    gateway: str = ""
    ipv6: str = ""
    portgroup: str = ""


@dataclass(frozen=True)
class Lag:
    dvs: str
    name: str
    mode: str = "active"
    timeout: str = "slow"
    partner_timeout: str = "slow"
    nics: tuple[str, ...] = ()
    partner_silent: tuple[str, ...] = ()
    lag_id: int = 0
    load_balancing: str = "srcDestIpTcpUdpPortVlan"
    partner_system: str = "00:04:96:34:c8:4f"
    partner_key: int = 1039


@dataclass(frozen=True)
class LunPath:
    name: str = ""
    state: str = "active"
    read_ms: float = 1.0
    write_ms: float = 1.0
    adapter: str = ""
    target: str = ""


@dataclass(frozen=True)
class Lun:
    id: str
    psp: str = "VMW_PSP_RR"
    rr_type: str = "latency"
    satp: str = "VMW_SATP_ALUA"
    display_name: str = ""
    datastore: str = ""
    capacity_gb: int = 2048
    iops_limit: int = 1000
    used_pct: float = -1.0  # of its datastore; below 0: filled by the VMs stored on it
    paths: tuple[LunPath, ...] = ()


@dataclass(frozen=True)
class Nic:
    name: str
    speed_mbps: int = 25000
    mtu: int = 9000
    link_up: bool = True
    driver: str = ""  # "": derived from the speed, as `esxcli network nic list` shows it
    flaps: int = 0  # link-down events in the last hour (vCenter events)


LOCKDOWN_MODES = ("disabled", "normal", "strict")


@dataclass(frozen=True)
class Host:
    name: str
    site: str
    cluster: str
    vms: int = 0
    down: bool = False
    slow_ms: int = 0
    ssh: bool = True  # false: the SSH service is stopped (connection refused); the API answers
    lockdown: str = "disabled"  # normal | strict: direct logins refused, vCenter's API works
    vmks: tuple[Vmk, ...] = ()
    lags: tuple[Lag, ...] = ()
    luns: tuple[Lun, ...] = ()
    nics: tuple[Nic, ...] = ()
    advanced: tuple[tuple[str, int], ...] = ()
    dvs_mtu: int = 9000
    version: str = "8.0.3"
    build: str = "24022510"
    cpu_cores: int = 32
    cpu_mhz: int = 2600
    memory_gb: int = 512
    cpu_usage_pct: float = -1.0  # below 0: follows the VMs running on the host
    memory_usage_pct: float = -1.0
    boot_device: str = "disk"  # disk | sd | usb | san
    boot_device_gb: int | None = None
    osdata_on: str = "boot"  # boot | datastore
    module_params: tuple[tuple[str, str], ...] = ()
    dvs: tuple[str, ...] = ()  # more switches to join (default: every [[dvs]] of its datacenter)

    def vmk(self, name: str) -> Vmk | None:
        return next((v for v in self.vmks if v.name == name), None)

    def advanced_value(self, option: str, default: int = 0) -> int:
        return dict(self.advanced).get(option, default)


@dataclass(frozen=True)
class BitfusionServer:
    name: str
    gpus: int = 4
    gpu_model: str = "NVIDIA A100-PCIE-40GB"
    gpu_memory_mb: int = 40536
    nic_gbps: int = 10
    address: str = ""
    host: str = ""
    down: bool = False


@dataclass(frozen=True)
class BitfusionClient:
    name: str
    gpus: int = 1
    fraction: float = 1.0


@dataclass(frozen=True)
class Bitfusion:
    servers: tuple[BitfusionServer, ...] = ()
    clients: tuple[BitfusionClient, ...] = ()
    client_vm: str = "bf-client01"
    churn_s: float = 20.0


@dataclass(frozen=True)
class VcdOrg:
    name: str
    portal_name: str = ""


@dataclass(frozen=True)
class Vcd:
    version: str = "37.2"
    token_ttl_s: int = 1800
    orgs: tuple[VcdOrg, ...] = ()


@dataclass(frozen=True)
class ExtraTarget:
    """An address vmkping can reach from a site (vCenter, the witness, an array...)."""

    name: str
    ip: str
    site: str
    mtu: int = 1500


@dataclass(frozen=True)
class Scenario:
    name: str
    sites: tuple[Site, ...]
    hosts: tuple[Host, ...]
    targets: tuple[ExtraTarget, ...] = ()
    bitfusion: Bitfusion = field(default_factory=Bitfusion)
    vcd: Vcd = field(default_factory=Vcd)
    vcenter_name: str = "vcsa01"
    switches: tuple[DvsSpec, ...] = ()
    cluster_specs: tuple[ClusterSpec, ...] = ()

    def site(self, name: str) -> Site:
        for s in self.sites:
            if s.name == name:
                return s
        raise ScenarioError(f"unknown site {name!r}")

    def host(self, name: str) -> Host:
        for h in self.hosts:
            if h.name == name:
                return h
        raise ScenarioError(f"unknown host {name!r}")

    def clusters(self) -> dict[str, list[Host]]:
        out: dict[str, list[Host]] = {}
        for h in self.hosts:
            out.setdefault(h.cluster, []).append(h)
        return out

    def endpoint(self, ip: str) -> Endpoint | None:
        """What answers at an address: a host's vmk or an extra target."""
        for h in self.hosts:
            for v in h.vmks:
                if ip in (v.ip, v.ipv6):
                    return Endpoint(
                        ip=ip,
                        site=h.site,
                        mtu=v.mtu,
                        host=h.name,
                        vmk=v.name,
                        netstack=v.netstack,
                        down=h.down,
                    )
        for t in self.targets:
            if t.ip == ip:
                return Endpoint(
                    ip=ip,
                    site=t.site,
                    mtu=t.mtu,
                    host="",
                    vmk="",
                    netstack="",
                    down=False,
                    name=t.name,
                )
        return None

    def path(self, host: str, vmk: str, dst_ip: str) -> PathInfo:
        """The modelled path from a host's vmk to an address: MTU, black hole, reachability."""
        src = self.host(host)
        v = src.vmk(vmk)
        if v is None:
            raise ScenarioError(f"host {host} has no {vmk}")
        dst = self.endpoint(dst_ip)
        if dst is None or dst.down:
            return PathInfo(reachable=False, mtu=0, local_mtu=v.mtu, blackhole=False, hops=())
        if dst.netstack and dst.netstack != v.netstack:
            return PathInfo(reachable=False, mtu=0, local_mtu=v.mtu, blackhole=False, hops=())
        hops: list[tuple[str, int]] = [(f"{host}/{vmk}", v.mtu), (f"{host}/dvs", src.dvs_mtu)]
        blackhole = False
        if dst.site != src.site:
            for site_name in (src.site, dst.site):
                s = self.site(site_name)
                if not s.hq:
                    hops.append((f"{s.name}/wan", s.wan_mtu))
                    blackhole = blackhole or s.icmp_blackhole
        if dst.host:  # the frame leaves through the receiving host's switch too
            hops.append((f"{dst.host}/dvs", self.host(dst.host).dvs_mtu))
        label = f"{dst.host}/{dst.vmk}" if dst.host else dst.name
        hops.append((label, dst.mtu))
        mtu = min(m for _, m in hops[1:])
        return PathInfo(
            reachable=True,
            mtu=mtu,
            local_mtu=v.mtu,
            blackhole=blackhole,
            hops=tuple(hops),
            latency_ms=self._latency(src.site, dst.site),
        )

    def _latency(self, a: str, b: str) -> float:
        if a == b:
            return 0.2
        return 0.2 + self.site(a).latency_ms + self.site(b).latency_ms


@dataclass(frozen=True)
class Endpoint:
    ip: str
    site: str
    mtu: int
    host: str
    vmk: str
    netstack: str
    down: bool
    name: str = ""


@dataclass(frozen=True)
class PathInfo:
    """`mtu` is the smallest MTU beyond the local vmk; `local_mtu` is the vmk's own MTU."""

    reachable: bool
    mtu: int
    local_mtu: int
    blackhole: bool
    hops: tuple[tuple[str, int], ...]
    latency_ms: float = 0.2

    def outcome(self, payload: int, family: int = 4) -> str:
        """What one DF-set probe of `payload` bytes meets: `reply`, `too_long` or `lost`."""
        header = IPV4_HEADER if family == 4 else IPV6_HEADER
        if payload + header > self.local_mtu:
            return "too_long"
        if not self.reachable or payload + header > self.mtu:
            return "lost"
        return "reply"


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
    from vconsole.lab.scenario_derive import complete

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
        validate_check_keys(scenario)
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
