"""esxcli's structured answers mapped straight to the models the SSH text parsers produce.

A host reached through vCenter answers with records, not text; every pane, verdict and `--json`
schema stays the same because each mapper here returns the very dataclass the matching parser
returns (`StatusOutput`, `NmpDeviceList`, `list[IpInterface]`, `VmkpingOutput`, ...). `decode`
is the one seam the services call: records when the answer has them, the text parser otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from vconsole.esx import storage as st
from vconsole.esx.api_checks import map_devices, map_extents, map_list, map_module_parameters
from vconsole.esx.api_network import (
    map_interfaces,
    map_ipv4,
    map_netstacks,
    map_nics,
    map_switches,
)
from vconsole.esx.api_ping import map_ping
from vconsole.esx.api_records import Record, records_of
from vconsole.esx.lacp import ConfigOutput, HostLagConfig, LagNicCounters, StatsOutput
from vconsole.esx.lacp_status import (
    LacpPortInfo,
    LagNicStatus,
    LagStatus,
    OutputKind,
    StatusOutput,
    classify_message,
)
from vconsole.esx.storage_text import OutputKind as StorageKind
from vconsole.esx.storage_text import classify as classify_storage
from vconsole.esx.storage_text import to_int
from vconsole.esx.vmkping import PingReply, VmkpingOutput

T = TypeVar("T")
NO_LAG = "No running LACP group on the host"


def decode(answer: Any, parse_text: Callable[[str], T], text: str | None = None) -> T:
    """The model for one answer: mapped from its records when it came over the API (or from an
    API capture), else `parse_text(text)` (default: the answer's stdout), exactly as before."""
    if not mapped(answer):
        return parse_text(text if text is not None else str(getattr(answer, "stdout", "") or ""))
    mapper = MAPPERS[answer.method]
    return mapper(tuple(answer.records), getattr(answer, "fault", "") or "")  # type: ignore[no-any-return]


def mapped(answer: Any) -> bool:
    """Whether `decode` maps `answer` from its records: its text, which an answer through
    vCenter renders from them on first read, is then never needed."""
    return (
        getattr(answer, "records", None) is not None
        and (getattr(answer, "method", "") or "") in MAPPERS
    )


def is_api(answer: Any) -> bool:
    return getattr(answer, "records", None) is not None


# ---------------------------------------------------------------- LACP


def _lacp_message(fault: str, output: Callable[..., T]) -> T:
    found = classify_message(fault)
    if found is not None:
        return output(found[0], message=found[1])
    return output(OutputKind.ERROR, message=fault.strip().splitlines()[0][:200])


def _lag_id(rec: Record) -> str:
    number = rec.number("LAGID", "LagId", "LAGKey", "ID")
    return str(number) if number is not None else rec.text("LAGID", "LagId", "LAGKey", "ID")


def _dvs(rec: Record) -> str:
    return rec.text("DVSwitch", "DVSName", "DVS", "VDS", "VDSName", "Switch")


def _port(rec: Record) -> LacpPortInfo:
    if not rec.fields:
        return LacpPortInfo()
    return LacpPortInfo(
        flags=rec.text("Flags"),
        port_state=rec.words("PortState"),
        oper_key=rec.number("OperKey"),
        port_number=rec.number("PortNumber"),
        port_priority=rec.number("PortPriority"),
        admin_key=rec.number("AdminKey"),
        device_id=rec.text("DeviceID"),
        age=rec.text("Age"),
    )


def _lacp_list(
    values: tuple[Any, ...], fault: str, output: Callable[..., T], read_one: Callable[[Record], Any]
) -> T:
    """A LACP answer over the API; no record (or none `read_one` keeps) is a host without a
    running LAG, as esxcli says over SSH."""
    if fault:
        return _lacp_message(fault, output)
    items = tuple(item for item in map(read_one, records_of(values)) if item is not None)
    if not items:
        return output(OutputKind.NO_LAG, message=NO_LAG)
    return output(OutputKind.OK, items)


def map_status(values: tuple[Any, ...], fault: str = "") -> StatusOutput:
    return _lacp_list(values, fault, StatusOutput, _lag_status)


def _lag_status(rec: Record) -> LagStatus | None:
    nics = tuple(
        LagNicStatus(
            nic.text("Nic", "NicName", "Vmnic"),
            nic.text("State"),
            _port(nic.child("LocalInformation", "Local")),
            _port(nic.child("PartnerInformation", "Partner")),
        )
        for nic in rec.records("NicList", "Nics")
    )
    if not (_lag_id(rec) or nics):
        return None
    return LagStatus(_dvs(rec), _lag_id(rec), rec.text("Mode"), nics)


def map_stats(values: tuple[Any, ...], fault: str = "") -> StatsOutput:
    return _lacp_list(values, fault, StatsOutput, _lag_counters)


def _lag_counters(rec: Record) -> LagNicCounters:
    return LagNicCounters(
        dvs=_dvs(rec),
        lag_id=_lag_id(rec),
        nic=rec.text("NIC", "NicName", "Vmnic", "Uplink"),
        rx_lacpdus=rec.number("RxLACPDUs"),
        tx_lacpdus=rec.number("TxLACPDUs"),
        rx_errors=rec.number("RxErrors"),
        tx_errors=rec.number("TxErrors"),
    )


def map_config(values: tuple[Any, ...], fault: str = "") -> ConfigOutput:
    return _lacp_list(values, fault, ConfigOutput, _lag_config)


def _lag_config(rec: Record) -> HostLagConfig:
    return HostLagConfig(
        dvs=_dvs(rec),
        lag_id=_lag_id(rec),
        lag_name=rec.text("LAGName"),
        nics=rec.words("NICs", "NicList", "Nics", "NIC"),
        enabled=rec.flag("Enabled"),
        mode=rec.text("Mode"),
        timeout=rec.text("Timeout", "TimeoutMode", "LACPTimeout"),
        load_balance=rec.text("LoadBalance", "LoadBalancing", "LoadBalanceAlgorithm"),
        nic_count=rec.number("NicNumber", "NumberOfNICs", "NicCount", "UplinkNum"),
    )


# ---------------------------------------------------------------- storage


def _storage_kind(fault: str) -> tuple[StorageKind, str]:
    found = classify_storage(fault)
    return found if found is not None else (StorageKind.ERROR, fault.strip().splitlines()[0][:200])


def _storage_fault(fault: str, output: Callable[..., T]) -> T:
    kind, message = _storage_kind(fault)
    return output(kind, message=message)


def _storage_list(
    values: tuple[Any, ...], fault: str, listing: Callable[..., T], read_one: Any, missing: str
) -> T:
    """A storage list over the API: an empty list is a host with nothing of that kind."""
    why = f"unrecognised answer: {missing}"
    return map_list(values, fault, listing, read_one, why, StorageKind.OK, _storage_kind)


def map_nmp_devices(values: tuple[Any, ...], fault: str = "") -> st.NmpDeviceList:
    return _storage_list(values, fault, st.NmpDeviceList, _nmp_device, "a device without Device")


def _nmp_device(rec: Record) -> st.NmpDevice | None:
    device = rec.text("Device", "DeviceUID")
    if not device:
        return None
    psp = rec.text("PathSelectionPolicy")
    psp_config = rec.text("PathSelectionPolicyDeviceConfig")
    return st.NmpDevice(
        device=device,
        display_name=rec.text("DeviceDisplayName"),
        satp=rec.text("StorageArrayType"),
        satp_config=rec.text("StorageArrayTypeDeviceConfig"),
        psp=psp,
        psp_config=psp_config,
        round_robin=st.parse_psp_device_config(psp_config) if "RR" in psp.upper() else None,
        working_paths=rec.words("WorkingPaths"),
    )


def map_core_paths(values: tuple[Any, ...], fault: str = "") -> st.CorePathList:
    missing = "a path without UID, Device or RuntimeName"
    return _storage_list(values, fault, st.CorePathList, _core_path, missing)


def _core_path(rec: Record) -> st.CorePath | None:
    uid = rec.text("UID")
    runtime = rec.text("RuntimeName")
    if not uid or not (rec.text("Device") or runtime):
        return None
    parts = st.runtime_parts(runtime)
    lun = rec.number("LUN")
    return st.CorePath(
        uid=uid,
        runtime_name=runtime,
        device=rec.text("Device"),
        adapter=rec.text("Adapter") or (parts[0] if parts else ""),
        target=rec.text("Target") or (parts[1] if parts else ""),
        lun=lun if lun is not None else (int(parts[2]) if parts else None),
        state=rec.text("State").lower(),
        transport=rec.text("Transport"),
        target_identifier=rec.text("TargetIdentifier"),
    )


def map_nmp_paths(values: tuple[Any, ...], fault: str = "") -> st.NmpPathList:
    missing = "a path without Path or GroupState"
    return _storage_list(values, fault, st.NmpPathList, _nmp_path, missing)


def _nmp_path(rec: Record) -> st.NmpPath | None:
    import re

    uid = rec.text("Path", "UID", "PathUID")
    if not uid or not rec.has("GroupState"):
        return None
    tpg = re.search(r"TPG_state=([A-Za-z]+)", rec.text("StorageArrayTypePathConfig"))
    return st.NmpPath(
        uid=uid,
        runtime_name=rec.text("RuntimeName"),
        device=rec.text("Device"),
        group_state=" ".join(rec.text("GroupState").lower().split()),
        tpg_state=tpg.group(1).upper() if tpg else "",
    )


def map_rr_config(values: tuple[Any, ...], fault: str = "") -> st.RoundRobinDeviceConfig:
    if fault:
        return _storage_fault(fault, st.RoundRobinDeviceConfig)
    rec = records_of(values)[0] if values else Record({})
    if not rec.has("LimitType"):
        return st.RoundRobinDeviceConfig(StorageKind.UNRECOGNISED, message="no Limit Type")
    return st.RoundRobinDeviceConfig(
        StorageKind.OK,
        device=rec.text("Device"),
        limit_type=rec.text("LimitType"),
        iops=_leading_int(rec, "IOOperationLimit"),
        bytes=_leading_int(rec, "ByteLimit"),
        latency_eval_ms=_leading_int(rec, "LatencyEvaluationInterval"),
        sampling_ios=_leading_int(rec, "NumberOfSamplingIOsPerPath"),
        use_ano=rec.flag("UseActiveUnoptimizedPaths"),
    )


def _leading_int(rec: Record, name: str) -> int | None:
    """A number, or text such as `180000 milliseconds` read as the text parser reads it."""
    number = rec.number(name)
    return number if number is not None else to_int(rec.text(name))


def map_advanced(values: tuple[Any, ...], fault: str = "") -> st.AdvancedValue:
    if fault:
        return _storage_fault(fault, st.AdvancedValue)
    for rec in records_of(values):
        value = rec.number("IntValue")
        if value is not None:
            return st.AdvancedValue(StorageKind.OK, value)
    return st.AdvancedValue(StorageKind.UNRECOGNISED, message="no Int Value in the answer")


MAPPERS: dict[str, Callable[[tuple[Any, ...], str], Any]] = {
    "network.vswitch.dvs.vmware.lacp.status.get": map_status,
    "network.vswitch.dvs.vmware.lacp.stats.get": map_stats,
    "network.vswitch.dvs.vmware.lacp.config.get": map_config,
    "storage.nmp.device.list": map_nmp_devices,
    "storage.core.path.list": map_core_paths,
    "storage.nmp.path.list": map_nmp_paths,
    "storage.nmp.psp.roundrobin.deviceconfig.get": map_rr_config,
    "system.settings.advanced.list": map_advanced,
    "network.ip.interface.list": map_interfaces,
    "network.ip.interface.ipv4.get": map_ipv4,
    "network.nic.list": map_nics,
    "network.vswitch.dvs.vmware.list": map_switches,
    "network.ip.netstack.list": map_netstacks,
    "network.diag.ping": map_ping,
    "system.module.parameters.list": map_module_parameters,
    "storage.core.device.list": map_devices,
    "storage.vmfs.extent.list": map_extents,
}


__all__ = ["MAPPERS", "PingReply", "VmkpingOutput", "decode", "is_api"]
