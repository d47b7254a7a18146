"""vCenter's half of a multipathing refresh, and what it keeps between refreshes.

The multipath layout (LUNs, paths, PSP, datastores) is configuration: it is read in full on the
first refresh, on a full refresh, when it is older than `multipath_max_age_s`, or when a host
depends on vCenter for its path states (no SSH answer); otherwise only connection states are
read. Each host's latency window is kept, and a refresh asks only for samples newer than the
newest one held: one 20 s sample per poll instead of the whole window, which is most of the
XML pyVmomi would otherwise parse. Hosts are asked `perf_batch` at a time, one querySpec each in
one QueryPerf; a batch that fails is asked again host by host, so one host's fault stays its own.
A host whose newest sample is younger than the 20 s interval is not asked at all: nothing newer
exists yet (a sample stamped ahead of this clock is never taken for young).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from vconsole.errors import VconsoleError
from vconsole.kept import kept_if_equal, kept_refs
from vconsole.services.paths_vcenter import (
    PATH_READ,
    PATH_WRITE,
    REALTIME_INTERVAL_S,
    HostLatency,
    VcHost,
    counter_ids,
    query_advanced_int,
    query_hosts_latency,
    read_multipath,
)
from vconsole.vim.collector import PropertyReader
from vconsole.vim.soap import PropertySpec

if TYPE_CHECKING:
    from vconsole.sessions.protocols import Sessions
    from vconsole.sessions.vcenter import VimConnection
    from vconsole.untyped import VimObject


PERF_BATCH = 50  # hosts per QueryPerf: one call's SOAP overhead shared, its answer still small
PERF_CONCURRENCY = 4
"""QueryPerf calls at a time: their answers are parsed by Python threads that share one
interpreter lock, so more calls at once only add switching (at 1,000 hosts, 16 at a time took
twice the CPU of 4)."""


@dataclass(frozen=True)
class VcenterView:
    hosts: dict[str, VcHost]
    latency: dict[str, HostLatency]
    perf_notes: dict[str, str]
    queries: int = 0  # QueryPerf calls made for this view


class _Window:
    """One host's samples per (counter, instance), aligned with `stamps` (-1 = no sample) and
    trimmed to the newest N. The usual merge appends the one newer sample a poll brings.

    Each series is a tuple, replaced whole at each merge, not a list changed in place: a tuple
    of floats is a container the cyclic collector stops tracking the first time it looks at it,
    where a list (some 50 per host, kept for the console's life) is walked item by item at every
    full collection; and the reading a refresh takes shares the tuples rather than copying them.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.values: dict[tuple[str, str], tuple[float, ...]] = {}
        self.stamps: list[float] = []
        self._latency: HostLatency | None = None  # until the next merge that adds samples

    @property
    def newest(self) -> float | None:
        return self.stamps[-1] if self.stamps else None

    def merge(self, found: HostLatency) -> None:
        stamps = found.timestamps
        if not stamps:  # nothing newer (a refresh within 20 s of the last): nothing to place
            return
        self._latency = None
        merged = sorted(set(self.stamps) | set(stamps))[-self.size :]
        if merged != self.stamps:
            self._realign(merged)
        where = {ts: i for i, ts in enumerate(merged)}
        at = [(k, i) for k, i in enumerate(where.get(ts) for ts in stamps) if i is not None]
        blank = _NO_SAMPLE * len(merged)
        held = self.values
        for counter, by_instance in found.series.items():
            for instance, values in by_instance.items():
                key = (counter, instance)
                row = list(held.get(key, blank))
                for k, i in at:
                    if k < len(values):
                        row[i] = values[k]
                held[key] = tuple(row)

    def _realign(self, merged: list[float]) -> None:
        old, self.stamps = self.stamps, merged
        kept = [ts for ts in old if ts >= merged[0]]
        if kept == merged[: len(kept)]:  # the held samples slide left; the new ones follow
            drop, pad = len(old) - len(kept), _NO_SAMPLE * (len(merged) - len(kept))
            for key, slot in self.values.items():
                self.values[key] = slot[drop:] + pad
            return
        where = {ts: i for i, ts in enumerate(merged)}
        for key, slot in self.values.items():
            row = list(_NO_SAMPLE * len(merged))
            for ts, value in zip(old, slot, strict=True):
                i = where.get(ts)
                if i is not None:
                    row[i] = value
            self.values[key] = tuple(row)

    def latency(self) -> HostLatency:
        if self._latency is not None:
            return self._latency
        series: dict[str, dict[str, tuple[float, ...]]] = {}
        for (counter, instance), slot in self.values.items():
            series.setdefault(counter, {})[instance] = slot
        self._latency = HostLatency(series, len(self.stamps), tuple(self.stamps))
        return self._latency


_NO_SAMPLE = (-1.0,)


class VcenterReader:
    """Reads multipath info and latency from one vCenter for the hosts a service wants."""

    def __init__(
        self,
        manager: Sessions,
        vcenter: str,
        *,
        samples: int,
        perf_concurrency: int = PERF_CONCURRENCY,
        perf_batch: int = PERF_BATCH,
        multipath_max_age_s: float = 300.0,
        incremental: bool = True,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.manager = manager
        self.vcenter = vcenter
        self.samples = samples
        self.perf_concurrency = perf_concurrency
        self.perf_batch = perf_batch
        self.multipath_max_age_s = multipath_max_age_s
        self.incremental = incremental
        self.clock = clock
        self.wall = wall  # epoch seconds, compared with the samples' timestamps
        self._ids: dict[str, int] | None = None
        self._layout: tuple[float, tuple[VcHost, ...], dict[str, VimObject]] | None = None
        self._windows: dict[str, _Window] = {}

    async def read(
        self, wanted: Callable[[str], bool], *, full_layout: bool = False
    ) -> VcenterView:
        vim = await self.manager.vim(self.vcenter)
        content = await vim.call(_content_of, vim)
        layout = self._layout
        if full_layout or layout is None or self.clock() - layout[0] > self.multipath_max_age_s:
            vc_hosts, refs = await vim.call(read_multipath, content)
            if layout is not None:
                vc_hosts = kept_if_equal(layout[1], vc_hosts)
                refs = kept_refs(layout[2], refs)
            self._layout = (self.clock(), vc_hosts, refs)
        else:
            states = await connection_states(vim)
            vc_hosts = tuple(
                h
                if states.get(h.name, h.connection_state) == h.connection_state
                else replace(h, connection_state=states[h.name])
                for h in layout[1]
            )
            refs = layout[2]
        hosts = {h.name: h for h in vc_hosts if wanted(h.name)}
        if self._ids is None:
            self._ids = await vim.call(counter_ids, content)
        ids = self._ids
        if PATH_READ not in ids and PATH_WRITE not in ids:
            note = "vCenter has no storagePath latency counters"
            return VcenterView(hosts, {}, dict.fromkeys(hosts, note))
        notes: dict[str, str] = {}
        latency: dict[str, HostLatency] = {}
        asks: list[tuple[VcHost, _Window | None, float | None]] = []
        for host in hosts.values():
            if host.connection_state not in ("", "connected"):
                notes[host.name] = f"host is {host.connection_state} in vCenter"
                self._windows.pop(host.name, None)
                continue
            if not host.devices:
                continue
            window = self._windows.get(host.name)
            since = window.newest if window is not None and self.incremental else None
            age = self.wall() - since if since is not None else 0.0
            if window is not None and since is not None and 0 <= age < REALTIME_INTERVAL_S:
                latency[host.name] = window.latency()  # no newer sample exists yet
                continue
            if since is not None and age > self.samples * REALTIME_INTERVAL_S:
                since, window = None, None
            asks.append((host, window, since))
        gate = asyncio.Semaphore(max(1, self.perf_concurrency))
        queries = 0

        async def ask(batch: list[tuple[VcHost, _Window | None, float | None]]) -> None:
            nonlocal queries
            async with gate:
                queries += 1
                try:
                    found = await vim.call(
                        query_hosts_latency,
                        content,
                        [(refs[h.name], since) for h, _, since in batch],
                        ids,
                        self.samples,
                    )
                except Exception as exc:
                    if len(batch) > 1:  # one host's fault must not cost the others their latency
                        queries -= 1
                        await asyncio.gather(*(ask([one]) for one in batch))
                        return
                    why = exc.message if isinstance(exc, VconsoleError) else _error(exc)
                    notes[batch[0][0].name] = f"QueryPerf failed: {why}"
                    return
            for (host, window, since), one in zip(batch, found, strict=True):
                self._keep(host.name, window if since is not None else None, one, notes, latency)

        size = max(1, self.perf_batch)
        await asyncio.gather(*(ask(asks[k : k + size]) for k in range(0, len(asks), size)))
        return VcenterView(hosts, latency, notes, queries)

    def _keep(
        self,
        name: str,
        window: _Window | None,
        found: HostLatency,
        notes: dict[str, str],
        latency: dict[str, HostLatency],
    ) -> None:
        if window is None:
            window = _Window(self.samples)
        window.merge(found)
        merged = window.latency()
        if not any(_has_samples(merged, c) for c in (PATH_READ, PATH_WRITE)):
            self._windows.pop(name, None)
            notes[name] = (
                "vCenter returned no storagePath samples (statistics level below 3, "
                "or the host sends no realtime data)"
            )
            return
        self._windows[name] = window
        latency[name] = merged

    def newest_sample(self, host: str) -> float | None:
        """Epoch seconds of the newest latency sample held for `host`."""
        window = self._windows.get(host)
        return window.newest if window is not None else None

    async def advanced_int(self, hosts: list[str], key: str) -> dict[str, int | None]:
        """An advanced option of hosts vCenter has connected (for hosts SSH could not read)."""
        layout = self._layout
        if layout is None:
            return {}
        vim = await self.manager.vim(self.vcenter)
        content = await vim.call(_content_of, vim)
        refs = layout[2]
        names = [h for h in hosts if h in refs]
        values = await asyncio.gather(
            *(vim.call(query_advanced_int, content, refs[h], key) for h in names),
            return_exceptions=True,
        )
        return {
            h: v for h, v in zip(names, values, strict=True) if not isinstance(v, BaseException)
        }


_STATES = (PropertySpec("HostSystem", ("name", "runtime.connectionState")),)


async def connection_states(vim: VimConnection) -> dict[str, str]:
    """Every host's name -> `runtime.connectionState`, read on each refresh between layout
    reads: by the console's own PropertyCollector reader, as pyVmomi's deserializer spent
    0.2 s of CPU on 1,000 hosts' states."""
    out: dict[str, str] = {}
    async for batch in PropertyReader(vim).stream(["HostSystem"], _STATES):
        for obj in batch:
            name = obj.props.get("name", obj.ref.value)
            out[str(name)] = str(obj.props.get("runtime.connectionState", ""))
    return out


def _content_of(vim: VimConnection) -> VimObject:
    return vim.content


def _has_samples(found: HostLatency, counter: str) -> bool:
    return any(any(v >= 0 for v in values) for values in found.series.get(counter, {}).values())


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
