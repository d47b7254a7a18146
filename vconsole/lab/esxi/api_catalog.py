"""The esxcli namespaces a lab host serves over the vSphere API, each answered from the same
host state as its SSH esxcli (docs/esxcli-api.md §3 lists them with their sources).

Every answer reuses the SSH command's own data function, so both ways agree; writes build the
SSH argument list from the API arguments and run the SSH command itself, so validation, error
text and the state change are one code path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vconsole.lab.esxi import advanced, checks, diagping, lacp, network, storage
from vconsole.lab.esxi.api_xml import Result, Rows, Scalar, Single, Struct, Value
from vconsole.lab.esxi.options import EsxcliError
from vconsole.lab.esxi.state import HostState


@dataclass(frozen=True)
class Param:
    name: str  # API name: the long option without dashes
    type: str  # string | long | boolean
    option: str  # the SSH long option
    short: str = ""
    optional: bool = True
    flag: bool = False


@dataclass(frozen=True)
class Method:
    namespace: str
    verb: str
    params: tuple[Param, ...]
    result: str  # the vmodl result type, as DynamicTypeMgrQueryTypeInfo shows it
    answer: Callable[[HostState, list[str]], Result]
    help: str = ""

    @property
    def moid(self) -> str:
        return "ha-cli-handler-" + self.namespace.replace(".", "-")

    @property
    def name(self) -> str:
        return f"vim.EsxCLI.{self.namespace}.{self.verb}"

    @property
    def wsdl(self) -> str:
        return "VimEsxCLI" + self.namespace.replace(".", "") + self.verb


Fields = Iterable[tuple[str, object]]


@functools.lru_cache(maxsize=1024)
def api_name(display: str) -> str:
    """`MAC Address` -> `MACAddress`, `Round-trip Avg` -> `RoundtripAvg` (a few dozen names,
    asked for every row of every answer)."""
    return re.sub(r"[^A-Za-z0-9]", "", display)


def struct(fields: Fields, rename: dict[str, str] | None = None) -> Struct:
    out: list[tuple[str, Value]] = []
    for display, value in fields:
        name = (rename or {}).get(display, api_name(display))
        out.append((name, value))  # type: ignore[arg-type]
    return Struct(out)


def _type(method_ns: str, verb: str, short: str) -> str:
    return "VimEsxCLI" + method_ns.replace(".", "") + verb + short


def _true() -> Scalar:
    return Scalar("boolean", "true")


def _interfaces(state: HostState, argv: list[str]) -> Result:
    rows = [struct(f) for f in network.interface_records(state, argv)]
    return Rows(_type("network.ip.interface", "list", "NetworkInterface"), rows)


def _ipv4(state: HostState, argv: list[str]) -> Result:
    rows = [
        struct(zip(network.IPV4_HEADERS, r, strict=True)) for r in network.ipv4_rows(state, argv)
    ]
    return Rows(_type("network.ip.interface.ipv4", "get", "IPv4Interface"), rows)


def _nics(state: HostState, argv: list[str]) -> Result:
    rows = []
    for r in network.nic_rows(state, argv):
        fields = list(zip(network.NIC_HEADERS, r, strict=True))
        fields.append(("Link", dict(fields)["Link Status"]))
        rows.append(struct(fields))
    return Rows(_type("network.nic", "list", "Nic"), rows)


def _dvs(state: HostState, argv: list[str]) -> Result:
    record = network.dvs_record(state, argv)
    rows = []
    if record is not None:
        fields, ports = record
        row = struct(fields)
        row.fields.append(("DVPort", [struct(p) for p in ports]))
        rows.append(row)
    return Rows(_type("network.vswitch.dvs.vmware", "list", "VDS"), rows)


def _netstacks(state: HostState, argv: list[str]) -> Result:
    items = network.netstack_items(state, argv)
    return _items("network.ip.netstack", "list", "Netstack", None, items)


def _module_parameters(state: HostState, argv: list[str]) -> Result:
    rows = [
        struct(zip(checks.MODULE_HEADERS, r, strict=True))
        for r in checks.module_parameter_rows(state, argv)
    ]
    return Rows(_type("system.module.parameters", "list", "ModuleParameter"), rows)


def _core_devices(state: HostState, argv: list[str]) -> Result:
    items = checks.device_items(state, argv)
    return _items("storage.core.device", "list", "Device", "Device", items)


def _vmfs_extents(state: HostState, argv: list[str]) -> Result:
    rows = [
        struct(zip(checks.EXTENT_HEADERS, r, strict=True))
        for r in checks.vmfs_extent_rows(state, argv)
    ]
    return Rows(_type("storage.vmfs.extent", "list", "VMFSExtent"), rows)


_LACP = "network.vswitch.dvs.vmware.lacp"


def _lacp_config(state: HostState, argv: list[str]) -> Result:
    rows = [struct(zip(lacp.CONFIG_HEADERS, r, strict=True)) for r in lacp.config_rows(state, argv)]
    return Rows(_type(_LACP + ".config", "get", "LACPConfig"), rows)


def _lacp_status(state: HostState, argv: list[str]) -> Result:
    rows = []
    for g in lacp.status_lags(state, argv):
        nics: list[Struct] = []
        for i, nic in enumerate(g.nics):
            local, partner, port_state = lacp.nic_status(state, g, i, nic)
            nics.append(
                Struct(
                    [
                        ("LocalInformation", struct(local)),
                        ("Nic", nic),
                        ("PartnerInformation", struct(partner)),
                        ("State", port_state),
                    ]
                )
            )
        row = struct(lacp.lag_status(g))
        row.fields.append(("NicList", nics))
        rows.append(row)
    return Rows(_type(_LACP + ".status", "get", "LACPStatus"), rows)


def _lacp_stats(state: HostState, argv: list[str]) -> Result:
    rows = [struct(zip(lacp.STATS_HEADERS, r, strict=True)) for r in lacp.stats_rows(state, argv)]
    return Rows(_type(_LACP + ".stats", "get", "LACPStats"), rows)


def _lacp_timeout(state: HostState, argv: list[str]) -> Result:
    lacp.timeout_set(state, argv)
    return _true()


def _items(kind: str, verb: str, short: str, head: str | None, items: list) -> Result:
    rows = []
    for header, fields in items:
        row = struct(fields)
        if head is not None:
            row.fields.insert(0, (head, header))
        rows.append(row)
    return Rows(_type(kind, verb, short), rows)


def _nmp_devices(state: HostState, argv: list[str]) -> Result:
    items = storage.nmp_device_items(state, argv)
    return _items("storage.nmp.device", "list", "NmpDevice", "Device", items)


def _core_paths(state: HostState, argv: list[str]) -> Result:
    return _items(
        "storage.core.path", "list", "ScsiPath", None, storage.core_path_items(state, argv)
    )


def _nmp_paths(state: HostState, argv: list[str]) -> Result:
    return _items(
        "storage.nmp.path", "list", "ScsiPath", "Path", storage.nmp_path_items(state, argv)
    )


_RR = "storage.nmp.psp.roundrobin.deviceconfig"


def _rr_get(state: HostState, argv: list[str]) -> Result:
    fields = storage.rr_fields(state, argv)
    return Single(_type(_RR, "get", "RoundRobinDeviceConfiguration"), struct(fields))


def _rr_set(state: HostState, argv: list[str]) -> Result:
    storage.rr_set(state, argv)
    return _true()


def _advanced(state: HostState, argv: list[str]) -> Result:
    rows = [struct(advanced.option_fields(state, n)) for n in advanced.option_names(state, argv)]
    return Rows(_type("system.settings.advanced", "list", "SettingsAdvancedOption"), rows)


_PING_MS = {
    "Round-trip Time": "RoundtripTimeMS",
    "Round-trip Min": "RoundtripMinMS",
    "Round-trip Avg": "RoundtripAvgMS",
    "Round-trip Max": "RoundtripMaxMS",
}


def _ping(state: HostState, argv: list[str]) -> Result:
    req, results = diagping.ping(state, argv)
    value = Struct(
        [
            ("Summary", struct(diagping.ping_summary(req, results), _PING_MS)),
            ("Trace", [struct(t, _PING_MS) for t in diagping.ping_trace(req, results)]),
        ]
    )
    return Single(_type("network.diag", "ping", "VMKPing"), value)


def _p(name: str, kind: str = "string", short: str = "", option: str = "", **kw: bool) -> Param:
    return Param(name, kind, option or name, short, **kw)


_DVS = _p("dvs", short="s")
_DEVICE = _p("device", short="d")
CATALOG: tuple[Method, ...] = (
    Method("network.ip.interface", "list", (_p("netstack", short="N"),),
           "vim.EsxCLI.network.ip.interface.list.NetworkInterface[]", _interfaces,
           "List the VMkernel network interfaces."),
    Method("network.ip.interface.ipv4", "get",
           (_p("interfacename", short="i", option="interface-name"), _p("netstack", short="N")),
           "vim.EsxCLI.network.ip.interface.ipv4.get.IPv4Interface[]", _ipv4,
           "Get IPv4 settings for VMkernel network interfaces."),
    Method("network.nic", "list", (), "vim.EsxCLI.network.nic.list.Nic[]", _nics,
           "List the physical NICs."),
    Method("network.vswitch.dvs.vmware", "list", (_p("vdsname", short="v", option="vds-name"),),
           "vim.EsxCLI.network.vswitch.dvs.vmware.list.VDS[]", _dvs,
           "List the VMware vSphere Distributed Switches on the host."),
    Method("network.ip.netstack", "list", (), "vim.EsxCLI.network.ip.netstack.list.Netstack[]",
           _netstacks, "List the network stack instances currently configured."),
    Method("system.module.parameters", "list", (_p("module", short="m", optional=False),),
           "vim.EsxCLI.system.module.parameters.list.ModuleParameter[]", _module_parameters,
           "List the parameters of a VMkernel module."),
    Method("storage.core.device", "list", (_DEVICE,),
           "vim.EsxCLI.storage.core.device.list.ScsiDevice[]", _core_devices,
           "List the storage devices the VMkernel knows."),
    Method("storage.vmfs.extent", "list", (),
           "vim.EsxCLI.storage.vmfs.extent.list.VMFSExtent[]", _vmfs_extents,
           "List the VMFS extents."),
    Method(_LACP + ".config", "get", (_DVS,), f"vim.EsxCLI.{_LACP}.config.get.LACPConfig[]",
           _lacp_config, "Get LACP configuration."),
    Method(_LACP + ".status", "get", (_DVS,), f"vim.EsxCLI.{_LACP}.status.get.LACPStatus[]",
           _lacp_status, "Get LACP port status."),
    Method(_LACP + ".stats", "get", (_DVS,), f"vim.EsxCLI.{_LACP}.stats.get.LACPStats[]",
           _lacp_stats, "Get LACP protocol statistics."),
    Method(_LACP + ".timeout", "set",
           (_p("dvs", short="s", optional=False),
            _p("lagid", "long", short="l", option="lag-id", optional=False),
            _p("nicname", short="n", option="nic-name"),
            _p("timeout", "long", short="t", optional=False)),
           "boolean", _lacp_timeout, "Set LACP LAG timeout: 1 short (fast), 0 long (slow)."),
    Method("storage.nmp.device", "list", (_DEVICE,),
           "vim.EsxCLI.storage.nmp.device.list.NmpDevice[]", _nmp_devices,
           "List the devices controlled by NMP with their SATP and PSP."),
    Method("storage.core.path", "list", (_DEVICE, _p("path", short="p")),
           "vim.EsxCLI.storage.core.path.list.ScsiPath[]", _core_paths, "List the SCSI paths."),
    Method("storage.nmp.path", "list", (_DEVICE, _p("path", short="p")),
           "vim.EsxCLI.storage.nmp.path.list.ScsiPath[]", _nmp_paths,
           "List the paths claimed by NMP."),
    Method(_RR, "get", (_p("device", short="d", optional=False),),
           f"vim.EsxCLI.{_RR}.get.RoundRobinDeviceConfiguration", _rr_get,
           "Get Round Robin settings of a device."),
    Method(_RR, "set",
           (_p("device", short="d", optional=False), _p("type", short="t"),
            _p("iops", "long", short="I"), _p("bytes", "long", short="B"),
            _p("useano", "boolean", short="U"),
            _p("numsamplingcycles", "long", short="S", option="num-sampling-cycles"),
            _p("latencyevaltime", "long", short="T", option="latency-eval-time"),
            _p("cfgfile", "boolean", short="g", flag=True)),
           "boolean", _rr_set, "Set Round Robin settings of a device."),
    Method("system.settings.advanced", "list",
           (_p("option", short="o"), _p("tree", short="t"),
            _p("delta", "boolean", short="d", flag=True)),
           "vim.EsxCLI.system.settings.advanced.list.SettingsAdvancedOption[]", _advanced,
           "List the advanced options."),
    Method("network.diag", "ping",
           (_p("host", short="H", optional=False), _p("count", "long", short="c"),
            _p("size", "long", short="s"), _p("df", "boolean", short="d", flag=True),
            _p("interface", short="I"), _p("netstack"), _p("wait", short="W"),
            _p("interval", short="i"), _p("ttl", "long", short="t"),
            _p("ipv4", "boolean", short="4", flag=True), _p("ipv6", "boolean", short="6", flag=True),
            _p("nexthop", short="N"), _p("debug", "boolean", short="D", flag=True)),
           "vim.EsxCLI.network.diag.ping.VMKPing", _ping,
           "Send ICMP echo requests to network hosts."),
)  # fmt: skip

BY_NAME = {m.name: m for m in CATALOG}
MOIDS = frozenset(m.moid for m in CATALOG)
NAMESPACES = sorted({m.namespace for m in CATALOG})
CLI_INFO_MOID = "ha-dynamic-type-manager-local-cli-cliinfo"


def methods_of(namespace: str) -> list[Method]:
    return [m for m in CATALOG if m.namespace == namespace]


__all__ = ["BY_NAME", "CATALOG", "CLI_INFO_MOID", "EsxcliError", "Method", "NAMESPACES", "Param"]
