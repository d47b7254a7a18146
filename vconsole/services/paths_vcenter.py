"""Multipath state and storage latency from vCenter: one PropertyCollector call, one QueryPerf per host.

`config.storageDevice` of every host (multipath LUNs, SCSI disks, HBAs) and every datastore's
VMFS extents come back in one `RetrievePropertiesEx`. Latency comes from realtime counters
(20 s samples): `storagePath.totalReadLatency/totalWriteLatency` per path (instance = path
name, the UID) and `disk.deviceLatency/kernelLatency` per device (instance = canonical name),
all asked with instance `*`, one querySpec per host, several hosts per `QueryPerf`. Counter ids differ between vCenters,
so they are looked up by name once per connection. The NMP Round Robin sub-policy is not in
the API (only the PSP name is), so it comes from the hosts over SSH.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vconsole.services.vcenter_props import read_properties
from vconsole.vim.perf import query_perf
from vconsole.vim.perf_model import EntityMetrics, PerfSeries, UnreadablePerf
from vconsole.vim.soap import MoRef, PerfQuery

if TYPE_CHECKING:
    from vconsole.untyped import VimObject

PATH_READ = "storagePath.totalReadLatency.average"
PATH_WRITE = "storagePath.totalWriteLatency.average"
DEVICE_LATENCY = "disk.deviceLatency.average"
KERNEL_LATENCY = "disk.kernelLatency.average"
COUNTERS = (PATH_READ, PATH_WRITE, DEVICE_LATENCY, KERNEL_LATENCY)
PSP_LATENCY_KEY = "Misc.EnablePSPLatencyPolicy"
REALTIME_INTERVAL_S = 20
PERF_FORMAT = "csv"
"""How QueryPerf is asked; "csv" puts each series' samples in one string, "normal" one
element per sample."""

log = logging.getLogger(__name__)

_KEY_RUNTIME = re.compile(r"(vmhba\d+:C\d+:T\d+:L\d+)$")


@dataclass(frozen=True)
class VcPath:
    name: str  # HostMultipathInfoPath.name: the path UID in practice (perf instance)
    runtime_name: str = ""  # from the key when it ends in vmhbaN:C:T:L ([R] key form)
    state: str = ""
    working: bool | None = None
    adapter: str = ""
    target: str = ""


@dataclass(frozen=True)
class VcDevice:
    device: str
    display_name: str = ""
    psp: str = ""
    satp: str = ""
    datastore: str = ""
    paths: tuple[VcPath, ...] = ()


@dataclass(frozen=True)
class VcHost:
    name: str
    connection_state: str = ""
    devices: tuple[VcDevice, ...] = ()


@dataclass(frozen=True)
class HostLatency:
    """Samples (ms, oldest first; -1 = no sample) per perf instance, per counter name.

    `timestamps` (epoch seconds) belong to the samples, oldest first, when vCenter sent them.
    """

    series: dict[str, dict[str, tuple[float, ...]]]
    sample_count: int = 0
    timestamps: tuple[float, ...] = ()

    def get(self, counter: str, instance: str) -> tuple[float, ...] | None:
        return self.series.get(counter, {}).get(instance)


def read_multipath(content: VimObject) -> tuple[tuple[VcHost, ...], dict[str, VimObject]]:
    """Blocking (run via `vim.call`): every host's multipath LUNs, and host name -> HostSystem."""
    from pyVmomi import vim

    objects = read_properties(
        content,
        [
            (vim.HostSystem, ["name", "runtime.connectionState", "config.storageDevice"]),
            (vim.Datastore, ["name", "info"]),
        ],
    )
    datastores: dict[str, str] = {}
    hosts: list[tuple[str, str, VimObject]] = []
    refs: dict[str, VimObject] = {}
    for obj, props in objects:
        if isinstance(obj, vim.HostSystem):
            name = str(props.get("name", obj._moId))
            refs[name] = obj
            hosts.append(
                (
                    name,
                    str(props.get("runtime.connectionState", "")),
                    props.get("config.storageDevice"),
                )
            )
            continue
        vmfs = getattr(props.get("info"), "vmfs", None)
        for extent in getattr(vmfs, "extent", None) or []:
            disk = str(getattr(extent, "diskName", "") or "")
            if disk:
                datastores.setdefault(disk, str(props.get("name", "")))
    out = tuple(
        VcHost(name, state, devices_from_storage(storage, datastores))
        for name, state, storage in sorted(hosts)
    )
    return out, refs


def devices_from_storage(storage: VimObject, datastores: dict[str, str]) -> tuple[VcDevice, ...]:
    """The NMP devices of one `HostStorageDeviceInfo` (HPP devices are not in multipathInfo)."""
    if storage is None:
        return ()
    luns = {str(getattr(lun, "key", "")): lun for lun in getattr(storage, "scsiLun", None) or []}
    hbas = {
        str(getattr(h, "key", "")): str(getattr(h, "device", ""))
        for h in getattr(storage, "hostBusAdapter", None) or []
    }
    multipath = getattr(storage, "multipathInfo", None)
    devices = []
    for unit in getattr(multipath, "lun", None) or []:
        scsi = luns.get(str(getattr(unit, "lun", "")))
        canonical = str(getattr(scsi, "canonicalName", "") or getattr(unit, "id", ""))
        paths = []
        for p in getattr(unit, "path", None) or []:
            key_match = _KEY_RUNTIME.search(str(getattr(p, "key", "") or ""))
            name = str(getattr(p, "name", "") or "")
            runtime = key_match.group(1) if key_match else ""
            if not runtime and _KEY_RUNTIME.fullmatch(name):
                runtime = name
            paths.append(
                VcPath(
                    name=name,
                    runtime_name=runtime,
                    state=str(getattr(p, "state", "") or getattr(p, "pathState", "") or ""),
                    working=getattr(p, "isWorkingPath", None),
                    adapter=hbas.get(str(getattr(p, "adapter", "")), ""),
                    target=_transport_target(getattr(p, "transport", None)),
                )
            )
        devices.append(
            VcDevice(
                device=canonical,
                display_name=str(getattr(scsi, "displayName", "") or ""),
                psp=str(getattr(getattr(unit, "policy", None), "policy", "") or ""),
                satp=str(
                    getattr(getattr(unit, "storageArrayTypePolicy", None), "policy", "") or ""
                ),
                datastore=datastores.get(canonical, ""),
                paths=tuple(paths),
            )
        )
    return tuple(devices)


def _transport_target(transport: VimObject) -> str:
    for attr in ("iScsiName", "portWorldWideName"):
        value = getattr(transport, attr, None)
        if value:
            return f"{value:x}" if isinstance(value, int) else str(value)
    return ""


def counter_ids(content: VimObject) -> dict[str, int]:
    """Blocking: `group.name.rollup` -> counter id for the counters this pane reads."""
    wanted = set(COUNTERS)
    out: dict[str, int] = {}
    for c in content.perfManager.perfCounter or []:
        name = f"{c.groupInfo.key}.{c.nameInfo.key}.{c.rollupType}"
        if name in wanted:
            out[name] = int(c.key)
    return out


def query_host_latency(
    content: VimObject,
    host: VimObject,
    ids: dict[str, int],
    samples: int,
    since: float | None = None,
) -> HostLatency:
    """Blocking: every path's and device's latency counters of one host in one QueryPerf.

    With `since` (epoch seconds of the newest sample already held) only later samples are
    asked for (`startTime` is exclusive), so a refresh every 20 s moves one sample, not 15.
    """
    return query_hosts_latency(content, [(host, since)], ids, samples)[0]


def query_hosts_latency(
    content: VimObject,
    hosts: list[tuple[VimObject, float | None]],
    ids: dict[str, int],
    samples: int,
    perf_format: str = PERF_FORMAT,
) -> list[HostLatency]:
    """Blocking: `query_host_latency` for several hosts in one QueryPerf (one querySpec each,
    each with its own `since`); the answers in the order of `hosts`.

    The answer is read by the console's own reader (`vim.perf`); one it cannot read exactly
    (a fault included) is asked again through pyVmomi, whose answer or error stands."""
    from datetime import datetime, timezone

    from pyVmomi.Iso8601 import ISO8601Format

    specs = [
        PerfQuery(
            MoRef(host._wsdlName, host._moId),
            tuple(ids.values()),
            REALTIME_INTERVAL_S,
            samples,
            ISO8601Format(datetime.fromtimestamp(since, tz=timezone.utc))
            if since is not None
            else "",
            perf_format,
        )
        for host, since in hosts
    ]
    manager = content.perfManager
    try:
        found = query_perf(manager._stub, MoRef(manager._wsdlName, manager._moId), specs)
    except UnreadablePerf as exc:
        log.debug("QueryPerf answer read through pyVmomi: %s", exc)
        return query_hosts_latency_pyvmomi(content, hosts, ids, samples)
    return _per_host(found, hosts, ids)


def query_hosts_latency_pyvmomi(
    content: VimObject,
    hosts: list[tuple[VimObject, float | None]],
    ids: dict[str, int],
    samples: int,
) -> list[HostLatency]:
    """Blocking: `query_hosts_latency` asked and read by pyVmomi ("normal" format)."""
    from datetime import datetime, timezone

    from pyVmomi import vim

    metric_ids = [vim.PerformanceManager.MetricId(counterId=i, instance="*") for i in ids.values()]
    specs = []
    for host, since in hosts:
        spec = vim.PerformanceManager.QuerySpec(
            entity=host, intervalId=REALTIME_INTERVAL_S, maxSample=samples, metricId=metric_ids
        )
        if since is not None:
            spec.startTime = datetime.fromtimestamp(since, tz=timezone.utc)
        specs.append(spec)
    found = [entity_metrics_of(em) for em in content.perfManager.QueryPerf(specs) or []]
    return _per_host(found, hosts, ids)


def _per_host(
    found: list[EntityMetrics], hosts: list[tuple[VimObject, float | None]], ids: dict[str, int]
) -> list[HostLatency]:
    by_entity: dict[str, list[EntityMetrics]] = {}
    for em in found:
        by_entity.setdefault(em.entity, []).append(em)
    return [_latency_of(by_entity.get(str(host._moId), []), ids) for host, _ in hosts]


def query_advanced_int(content: VimObject, host: VimObject, key: str) -> int | None:
    """Blocking: one integer advanced option of one host (`Misc.EnablePSPLatencyPolicy`), or
    None when the host does not have it (before 6.7)."""
    from pyVmomi import vim

    try:
        values = host.configManager.advancedOption.QueryOptions(key)
    except vim.fault.InvalidName:
        return None
    for option in values or []:
        if option.key == key:
            try:
                return int(option.value)
            except (TypeError, ValueError):
                return None
    return None


def query_path_latency(
    content: VimObject, host: VimObject, ids: dict[str, int], instance: str, samples: int
) -> HostLatency:
    """Blocking: one path's read and write latency alone (the per-path way, for comparison)."""
    from pyVmomi import vim

    metric_ids = [
        vim.PerformanceManager.MetricId(counterId=ids[name], instance=instance)
        for name in (PATH_READ, PATH_WRITE)
        if name in ids
    ]
    spec = vim.PerformanceManager.QuerySpec(
        entity=host, intervalId=REALTIME_INTERVAL_S, maxSample=samples, metricId=metric_ids
    )
    found = [entity_metrics_of(em) for em in content.perfManager.QueryPerf([spec]) or []]
    return _latency_of(found, ids)


def entity_metrics_of(em: VimObject) -> EntityMetrics:
    """A pyVmomi PerfEntityMetric as the console's reader gives it."""
    return EntityMetrics(
        str(getattr(getattr(em, "entity", None), "_moId", "")),
        tuple(_epoch(i.timestamp) for i in getattr(em, "sampleInfo", None) or []),
        tuple(
            PerfSeries(
                int(s.id.counterId),
                str(s.id.instance or ""),
                tuple(getattr(s, "value", None) or []),
            )
            for s in getattr(em, "value", None) or []
        ),
    )


def _latency_of(metrics: list[EntityMetrics], ids: dict[str, int]) -> HostLatency:
    names = {v: k for k, v in ids.items()}
    series: dict[str, dict[str, tuple[float, ...]]] = {}
    count = 0
    stamps: tuple[float, ...] = ()
    for em in metrics:
        if len(em.timestamps) > count:
            count = len(em.timestamps)
            stamps = em.timestamps
        for counter_id, instance, values in em.series:  # 50,000 at 1,000 hosts: unpacked
            name = names.get(counter_id)
            if name is not None:
                by_instance = series.get(name)
                if by_instance is None:
                    by_instance = series[name] = {}
                by_instance[instance] = tuple(map(float, values))
    return HostLatency(series, count, stamps)


def _epoch(value: VimObject) -> float:
    try:
        return float(value.timestamp())
    except (AttributeError, TypeError, ValueError, OverflowError):
        return 0.0
