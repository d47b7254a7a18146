"""The lab scenario's model: sites, hosts, LAGs, LUNs, Bitfusion, Cloud Director, and the
paths between them, as frozen dataclasses.

Reading, checking and completing a scenario file is `scenario`'s job; every lab server and the
topology builders name these types without importing the loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vconsole.lab.scenario_checks import ClusterSpec, DvsSpec

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
