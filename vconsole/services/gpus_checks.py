"""The Bitfusion pane's checks: each finding says what is wrong and the evidence it rests on.

Network sizing follows the field rule of thumb: one 10 Gb/s link per 4 GPUs on a server,
compared with the fastest physical NIC with link on the server VM's ESXi host (vCenter).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from vconsole.models.gpus import (
    GpuProblem,
    PoolServer,
    PoolTotals,
    ServerState,
    Severity,
)

GBPS_PER_4_GPUS = 10.0
DEFAULT_FREE_THRESHOLD_PCT = 10.0


def needed_gbps(gpus: int) -> float:
    """10 Gb/s for every started group of 4 GPUs (4 GPUs -> 10, 5..8 -> 20)."""
    return GBPS_PER_4_GPUS * math.ceil(gpus / 4) if gpus > 0 else 0.0


def _mib(mb: int) -> str:
    return f"{mb / 1024:.1f} GiB" if mb >= 10240 else f"{mb} MiB"


def _when(stamp: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(stamp)) if stamp else "an earlier refresh"


def judge_pool(
    servers: Sequence[PoolServer],
    totals: PoolTotals,
    *,
    free_threshold_pct: float = DEFAULT_FREE_THRESHOLD_PCT,
    placement_known: bool = False,
) -> tuple[GpuProblem, ...]:
    """Every finding about the pool; `placement_known` when vCenter or a mapping was asked."""
    out: list[GpuProblem] = []
    for server in servers:
        out.extend(_server_problems(server, placement_known))
    if totals.memory_mb:
        free_pct = 100.0 * totals.free_mb / totals.memory_mb
        if free_pct < free_threshold_pct:
            out.append(
                GpuProblem(
                    "pool-saturated",
                    Severity.CRITICAL,
                    "pool",
                    f"the pool is {totals.used_pct:.0f}% allocated: {_mib(totals.free_mb)} free "
                    f"of {_mib(totals.memory_mb)}, below the {free_threshold_pct:g}% threshold",
                    f"{totals.allocated_mb} MiB allocated of {totals.memory_mb} MiB on "
                    f"{totals.gpus} GPUs of reachable servers",
                )
            )
    elif servers and not any(s.reachable for s in servers):
        out.append(
            GpuProblem(
                "pool-empty",
                Severity.CRITICAL,
                "pool",
                "no server answers: the pool has no GPU to give",
                f"{len(servers)} server(s) known, none reachable",
            )
        )
    return tuple(out)


def _server_problems(server: PoolServer, placement_known: bool) -> list[GpuProblem]:
    where = f"{server.name} ({server.address})" if server.name != server.address else server.name
    if server.state == ServerState.UNREACHABLE:
        lost = f": its {len(server.gpus)} GPU(s) are out of the pool" if server.gpus else ""
        return [
            GpuProblem(
                "server-unreachable",
                Severity.CRITICAL,
                server.name,
                f"{where} does not answer the client{lost}",
                server.reason,
            )
        ]
    if server.state == ServerState.GONE:
        return [
            GpuProblem(
                "server-gone",
                Severity.WARNING,
                server.name,
                f"{where} was in the pool at {_when(server.last_seen)} and is no longer listed",
                "not in list_gpus output and no claim error for it",
            )
        ]
    out: list[GpuProblem] = []
    for gpu in server.gpus:
        if gpu.allocated_mb > 0 and gpu.clients_known and not gpu.clients:
            out.append(
                GpuProblem(
                    "memory-without-client",
                    Severity.WARNING,
                    gpu.id,
                    f"GPU {gpu.index} of {server.name} has {_mib(gpu.allocated_mb)} allocated "
                    "but no client holds it",
                    f"list_gpus: free {gpu.free_mb} MiB / {gpu.memory_mb} MiB; "
                    f"smi lists no client on GPU {gpu.index}",
                )
            )
    need = needed_gbps(len(server.gpus))
    if server.host_nic_gbps is not None and need > server.host_nic_gbps:
        out.append(
            GpuProblem(
                "network-undersized",
                Severity.WARNING,
                server.name,
                f"{server.name} has {len(server.gpus)} GPUs and wants {need:g} Gb/s "
                f"(10 Gb/s per 4 GPUs), but the fastest NIC of {server.host} is "
                f"{server.host_nic_gbps:g} Gb/s",
                f"host {server.host}: fastest physical NIC with link {server.host_nic_gbps:g} Gb/s",
            )
        )
    elif server.host_nic_gbps is None and placement_known:
        why = (
            f"no NIC speed for host {server.host}"
            if server.host
            else "its VM was not found in vCenter"
        )
        out.append(
            GpuProblem(
                "network-unchecked",
                Severity.INFO,
                server.name,
                f"network sizing of {server.name} not checked: {why}",
            )
        )
    return out
