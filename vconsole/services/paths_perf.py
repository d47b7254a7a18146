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
import operator
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
    """One host's samples per counter and instance, aligned with `stamps` (-1 = no sample) and
    trimmed to the newest N, held as HostLatency.series holds them so a reading is no copy.

    The usual poll brings samples newer than all held: each series gets them appended and loses
    as many of its oldest, in one tuple concatenation (`_append`); anything else (older or
    repeated stamps, more than N at once) places every sample by its stamp (`_rebuild`). Each
    series is a tuple and each merge builds new dicts: a tuple of floats is a container the cyclic
    collector stops tracking, and a reading a refresh took never changes under it.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.series: dict[str, dict[str, tuple[float, ...]]] = {}
        self.stamps: tuple[float, ...] = ()
        self._latency: HostLatency | None = None  # until the next merge that adds samples

    @property
    def newest(self) -> float | None:
        return self.stamps[-1] if self.stamps else None

    def merge(self, found: HostLatency) -> None:
        stamps = found.timestamps
        if not stamps:  # nothing newer (a refresh within 20 s of the last): nothing to place
            return
        self._latency = None
        held = self.stamps
        newer = not held or stamps[0] > held[-1]
        if newer and len(stamps) <= self.size and all(map(operator.lt, stamps, stamps[1:])):
            self._append(found)
        else:
            self._rebuild(found)

    def _append(self, found: HostLatency) -> None:
        stamps, k = tuple(found.timestamps), len(found.timestamps)
        drop = max(0, len(self.stamps) + k - self.size)
        pad, blank = _NO_SAMPLE * k, _NO_SAMPLE * (len(self.stamps) - drop)
        series: dict[str, dict[str, tuple[float, ...]]] = {}
        for counter, by_instance in found.series.items():
            if not by_instance:
                continue
            fresh = (  # the usual answer: one tuple of k samples per series, as it is
                by_instance
                if all(len(v) == k and type(v) is tuple for v in by_instance.values())
                else {i: _fit(v, k) for i, v in by_instance.items()}
            )
            old = self.series.get(counter)
            if old is None:
                series[counter] = {i: blank + v for i, v in fresh.items()}
                continue
            slid = {i: slot[drop:] + fresh.get(i, pad) for i, slot in old.items()}
            slid.update((i, blank + v) for i, v in fresh.items() if i not in old)
            series[counter] = slid
        for counter, old in self.series.items():
            if counter not in series:
                series[counter] = {i: slot[drop:] + pad for i, slot in old.items()}
        self.stamps, self.series = self.stamps[drop:] + stamps, series

    def _rebuild(self, found: HostLatency) -> None:
        merged = tuple(sorted(set(self.stamps) | set(found.timestamps))[-self.size :])
        where = {ts: i for i, ts in enumerate(merged)}
        blank = _NO_SAMPLE * len(merged)
        series = {
            counter: {i: _place(blank, where, self.stamps, s) for i, s in by_instance.items()}
            for counter, by_instance in self.series.items()
        }
        for counter, by_instance in found.series.items():
            if not by_instance:
                continue
            out = series.setdefault(counter, {})
            for instance, values in by_instance.items():
                out[instance] = _place(out.get(instance, blank), where, found.timestamps, values)
        self.stamps, self.series = merged, series

    def latency(self) -> HostLatency:
        if self._latency is None:
            self._latency = HostLatency(self.series, len(self.stamps), self.stamps)
        return self._latency


def _fit(values: tuple[float, ...], k: int) -> tuple[float, ...]:
    """A poll's samples of one series, one per stamp (a short answer padded with no-sample)."""
    if len(values) == k and type(values) is tuple:
        return values
    return tuple(values[:k]) + _NO_SAMPLE * max(0, k - len(values))


def _place(
    row: tuple[float, ...],
    where: dict[float, int],
    stamps: tuple[float, ...],
    values: tuple[float, ...],
) -> tuple[float, ...]:
    """`row` with each of `values` put at its stamp's place, if the stamp is in the window."""
    out = list(row)
    for ts, value in zip(stamps, values, strict=False):
        i = where.get(ts)
        if i is not None:
            out[i] = value
    return tuple(out)


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
