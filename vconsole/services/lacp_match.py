"""Which stats row and which host LAG config belong to a port: lookups, built once per host.

A port is matched by NIC and LAG id (DVS when both sides name one). Scanning every stats row
for every port made `analyze` quadratic in a host's port count; the rows are indexed once.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import islice

from vconsole.esx.lacp import HostLagConfig, LagNicCounters, LagStatus, OutputKind, StatsOutput

CounterIndex = Mapping[tuple[str, str | None], list[LagNicCounters]]
"""Stats rows by `(nic, lag_id)`, and by `(nic, None)` for every LAG id."""


def index_counters(stats: StatsOutput | None) -> CounterIndex:
    out: dict[tuple[str, str | None], list[LagNicCounters]] = {}
    if stats is not None and stats.kind == OutputKind.OK:
        for c in stats.counters:
            out.setdefault((c.nic, None), []).append(c)
            out.setdefault((c.nic, c.lag_id), []).append(c)
    return out


def find_counters(lag: LagStatus, nic: str, index: CounterIndex) -> LagNicCounters | None:
    """The row of this NIC and LAG id (on the LAG's DVS if several); else the NIC's only row."""
    exact = index.get((nic, lag.lag_id), [])
    if exact:
        fits = (c for c in exact if not c.dvs or not lag.dvs or c.dvs == lag.dvs)
        return next(fits, exact[0])
    fits = (c for c in index.get((nic, None), []) if not c.dvs or c.dvs == lag.dvs)
    same = list(islice(fits, 2))  # only "exactly one" matters: stop at the second
    return same[0] if len(same) == 1 else None


def index_configs(configs: tuple[HostLagConfig, ...]) -> dict[str, list[HostLagConfig]]:
    out: dict[str, list[HostLagConfig]] = {}
    for cfg in configs:
        out.setdefault(cfg.lag_id, []).append(cfg)
    return out


def find_host_config(
    lag: LagStatus, configs: tuple[HostLagConfig, ...], by_id: Mapping[str, list[HostLagConfig]]
) -> HostLagConfig | None:
    """The config of this LAG id (on its DVS); else the host's only config, if on its DVS."""
    for cfg in by_id.get(lag.lag_id, []):
        if not cfg.dvs or not lag.dvs or cfg.dvs == lag.dvs:
            return cfg
    if len(configs) != 1:
        return None
    return configs[0] if configs[0].dvs == lag.dvs else None
