"""The inventory service: every vCenter of the profile merged into one set of typed rows.

Pure (no textual): `vconsole inventory` calls `load()`; the pane calls `run()`, which loads
through the update stream and then stays live. Answers are parsed as they arrive, so the first
rows are usable long before the last page. A vCenter that drops keeps its rows, marked stale,
and is retried with backoff; the resync after a reconnect removes what disappeared meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from vconsole.models.inventory import (
    InventoryRow,
    LoadState,
    ObjectDetails,
    ObjectKind,
    VcenterStatus,
)
from vconsole.services.inventory_delta import RowDelta
from vconsole.services.inventory_packed import pack_vm
from vconsole.services.inventory_specs import (
    ALL_SPECS,
    ALL_TYPES,
    HOST_SPECS,
    RESOURCE_SPECS,
    RESOURCE_TYPES,
    SKELETON_SPECS,
    SKELETON_TYPES,
    VM_SPECS,
    VM_TYPES,
)
from vconsole.services.inventory_store import VcenterInventory
from vconsole.vim.gc_pause import full_collections_postponed
from vconsole.vim.parser import ObjectProperties
from vconsole.vim.soap import MoRef

if TYPE_CHECKING:
    from typing_extensions import TypedDict, Unpack

    from vconsole.sessions.protocols import Sessions
    from vconsole.vim.collector import ObjectChange, PropertyReader

    class StatusChanges(TypedDict, total=False):
        """What a status update may set besides the state."""

        error: str
        load_s: float | None
        first_rows_s: float | None


log = logging.getLogger(__name__)

RECONNECT_DELAYS_S = (1.0, 2.0, 5.0, 10.0, 30.0)
_NEEDS_VMS = {ObjectKind.VM, ObjectKind.HOST, ObjectKind.CLUSTER}


@dataclass(frozen=True)
class InventoryUpdate:
    """What changed: rows to add or replace, keys of rows to drop, and a vCenter's new status."""

    upserts: tuple[InventoryRow, ...] = ()
    removed: tuple[str, ...] = ()
    status: VcenterStatus | None = None


UpdateListener = Callable[[InventoryUpdate], None]


class _Arrivals:
    """Applies streamed changes as they arrive and notes when the first ones came."""

    def __init__(
        self,
        store: VcenterInventory,
        emit: UpdateListener,
        forward: Callable[[RowDelta, UpdateListener | None], None],
    ) -> None:
        self.store = store
        self.emit = emit
        self.forward = forward
        self.started = time.monotonic()
        self.first_s: float | None = None

    def __call__(self, changes: list[ObjectChange]) -> None:
        if self.first_s is None:
            self.first_s = time.monotonic() - self.started
        self.forward(self.store.apply(changes), self.emit)


def _first_cluster(store: VcenterInventory) -> MoRef | None:
    for moid, obj in store.objects.items():
        if obj.type == "ClusterComputeResource":
            return MoRef(obj.type, moid)
    return None


def _error_text(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc) or type(exc).__name__
    return text.splitlines()[0][:200]


class InventoryService:
    """Loads and watches the inventory of `vcenters` (default: every vcenter target)."""

    def __init__(
        self,
        manager: Sessions,
        vcenters: Sequence[str] | None = None,
        *,
        page_size: int = 1000,
        watch_wait_s: int = 20,
        reconnect_delays_s: Sequence[float] = RECONNECT_DELAYS_S,
    ) -> None:
        self.manager = manager
        names = list(vcenters) if vcenters is not None else manager.profile.names("vcenter")
        self.vcenters: list[str] = names
        self.page_size = page_size
        self.watch_wait_s = watch_wait_s
        self.reconnect_delays_s = tuple(reconnect_delays_s) or (1.0,)
        self.stores = {name: VcenterInventory(name) for name in names}
        self.statuses = {name: VcenterStatus(name, LoadState.CONNECTING) for name in names}
        self.watching: set[str] = set()
        """vCenters whose update stream is established (changes from now on are seen)."""

    # -- reading what is known ----------------------------------------------------------------
    def rows(self, kind: ObjectKind | None = None) -> list[InventoryRow]:
        """Every known row (of one kind), vCenters in profile order."""
        out: list[InventoryRow] = []
        for name in self.vcenters:
            rows = self.stores[name].rows.values()
            out.extend(r for r in rows if kind is None or r.kind == kind)
        return out

    def row(self, key: str) -> InventoryRow | None:
        vcenter, _, moid = key.partition("/")
        store = self.stores.get(vcenter)
        return store.rows.get(moid) if store else None

    def object_type(self, key: str) -> str:
        """The vim type of a row's object (VirtualMachine, HostSystem, ...)."""
        vcenter, _, moid = key.partition("/")
        store = self.stores.get(vcenter)
        obj = store.objects.get(moid) if store else None
        return obj.type if obj else ""

    def stale(self) -> set[str]:
        return {name for name, status in self.statuses.items() if status.stale}

    def _set_status(
        self,
        name: str,
        state: LoadState,
        emit: UpdateListener | None,
        **changes: Unpack[StatusChanges],
    ) -> VcenterStatus:
        old = self.statuses[name]
        keep_error = state not in (LoadState.LIVE, LoadState.LOADING)
        status = replace(
            old,
            state=state,
            objects=len(self.stores[name].objects),
            error=old.error if keep_error else "",
        )
        status = replace(status, **changes)
        self.statuses[name] = status
        if emit is not None:
            emit(InventoryUpdate(status=status))
        return status

    @staticmethod
    def _emit(delta: RowDelta, emit: UpdateListener | None) -> None:
        if emit is not None and delta:
            emit(InventoryUpdate(tuple(delta.upserts.values()), tuple(delta.removed)))

    # -- one-shot load (CLI) ------------------------------------------------------------------
    async def load(
        self,
        kinds: Iterable[ObjectKind] | None = None,
        on_update: UpdateListener | None = None,
    ) -> list[VcenterStatus]:
        """Read every vCenter once, concurrently; a failing vCenter keeps what arrived (stale)."""
        wanted = set(kinds) if kinds is not None else set(ObjectKind)
        with_vms = bool(wanted & _NEEDS_VMS)
        await asyncio.gather(*(self._load_one(n, with_vms, on_update) for n in self.vcenters))
        return [self.statuses[n] for n in self.vcenters]

    async def _load_one(
        self, name: str, with_vms: bool, emit: UpdateListener | None, reraise: bool = False
    ) -> None:
        from vconsole.vim.collector import PropertyReader

        store = self.stores[name]
        started = time.monotonic()
        first: float | None = None
        self._set_status(name, LoadState.CONNECTING, emit)
        try:
            conn = await self.manager.vim(name)
            self._set_status(name, LoadState.LOADING, emit)
            reader = PropertyReader(conn)
            preview: asyncio.Future[None] | None = None
            try:
                # the reads of one load bring one bulk of long-lived objects: a full
                # collection between two of them would walk what the first brought, for nothing
                with full_collections_postponed():
                    # datacenters, folders and clusters first (few even in the largest estate):
                    # one cluster's VMs are asked for while hosts, datastores and networks arrive
                    for types, specs in (
                        (SKELETON_TYPES, SKELETON_SPECS),
                        (RESOURCE_TYPES, RESOURCE_SPECS),
                    ):
                        async for batch in reader.stream(types, specs, self.page_size):
                            first = first if first is not None else time.monotonic() - started
                            self._emit(store.add(batch), emit)
                        if preview is None and with_vms and emit is not None:
                            cluster = _first_cluster(store)
                            if cluster is not None:
                                preview = asyncio.ensure_future(
                                    self._preview(reader, store, emit, cluster)
                                )
                    if with_vms:
                        async for batch in self.vm_batches(reader, store):
                            if preview is not None:
                                preview.cancel()
                            self._emit(store.add(batch), emit)
            finally:
                if preview is not None:
                    preview.cancel()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            state = LoadState.STALE if store.objects else LoadState.FAILED
            self._set_status(name, state, emit, error=_error_text(exc), first_rows_s=first)
            if reraise:
                raise
            return
        self._set_status(
            name,
            LoadState.LIVE,
            emit,
            load_s=time.monotonic() - started,
            first_rows_s=first,
        )

    def vm_batches(
        self, reader: PropertyReader, store: VcenterInventory
    ) -> AsyncIterator[list[ObjectProperties]]:
        """Every VM of one vCenter: datacenter by datacenter when the skeleton shows several
        (the server computes one while the last is parsed), else in one read; the VMs of a
        regular shape come as the store keeps them (`inventory_packed`)."""
        datacenters = [MoRef(o.type, m) for m, o in store.objects.items() if o.type == "Datacenter"]
        if len(datacenters) < 2:
            return reader.stream(VM_TYPES, VM_SPECS, self.page_size, packer=pack_vm)
        return reader.stream_each(datacenters, VM_TYPES, VM_SPECS, self.page_size, packer=pack_vm)

    async def _preview(
        self, reader: PropertyReader, store: VcenterInventory, emit: UpdateListener, cluster: MoRef
    ) -> None:
        """The VMs of one host, then of its whole cluster (with the hosts, so the rows name
        them), asked alongside the rest: a server that does not page (or pages late) computes
        its whole answer before the first byte, and the admin should see rows meanwhile; one
        host's VMs fill a screen soonest. The full reads bring the same rows again (a keyed
        diff: no change)."""
        hosts = store.objects[cluster.value].props.get("host")
        first = hosts[0] if isinstance(hosts, list) and hosts else hosts
        parents = [first, cluster] if isinstance(first, MoRef) else [cluster]
        try:
            for parent in parents:
                async for batch in reader.vms_under(parent, HOST_SPECS + VM_SPECS):
                    self._emit(store.add(batch), emit)
        except Exception as exc:  # only a preview: the full read brings (or reports) these rows
            log.debug("preview under %s stopped: %s: %s", cluster, type(exc).__name__, exc)

    # -- live (the pane) ----------------------------------------------------------------------
    async def run(self, on_update: UpdateListener) -> None:
        """Load every vCenter through its update stream and apply changes until cancelled."""
        tasks = [asyncio.ensure_future(self._watch_one(n, on_update)) for n in self.vcenters]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                try:
                    await task
                except asyncio.CancelledError:  # cancelled just above, as intended
                    continue
                except Exception as exc:  # gather() has raised the first failure already
                    log.debug("inventory read task ended with %s: %s", type(exc).__name__, exc)

    async def _watch_one(self, name: str, emit: UpdateListener) -> None:
        from vconsole.vim.collector import PropertyReader, UpdateStream

        store = self.stores[name]
        failures = 0
        while True:
            stream: UpdateStream | None = None
            started = time.monotonic()
            arrived = _Arrivals(store, emit, self._emit)
            try:
                if not store.objects:
                    # first rows through the paged read: sooner than the stream's full state
                    await self._load_one(name, True, emit, reraise=True)
                conn = await self.manager.vim(name)
                stream = UpdateStream(PropertyReader(conn), self.watch_wait_s)
                await stream.start(ALL_TYPES, ALL_SPECS)
                if self.statuses[name].state != LoadState.LIVE:
                    self._set_status(name, LoadState.LOADING, emit)
                store.begin_resync()
                while (await stream.next(arrived)).truncated:
                    pass
                self._emit(store.end_resync(), emit)
                if self.statuses[name].state != LoadState.LIVE:
                    self._set_status(
                        name,
                        LoadState.LIVE,
                        emit,
                        load_s=time.monotonic() - started,
                        first_rows_s=arrived.first_s,
                        error="",
                    )
                failures = 0
                self.watching.add(name)
                while True:
                    batch = await stream.next()
                    self._emit(store.apply(batch.changes + batch.departures), emit)
            except asyncio.CancelledError:
                self.watching.discard(name)
                if stream is not None:
                    await asyncio.shield(stream.close())
                raise
            except Exception as exc:
                self.watching.discard(name)
                state = LoadState.STALE if store.objects else LoadState.FAILED
                self._set_status(name, state, emit, error=_error_text(exc))
                if stream is not None:
                    try:
                        await asyncio.wait_for(stream.close(), 2)
                    except Exception as close_exc:  # the connection is being replaced anyway
                        log.debug("%s: closing the broken stream: %s", name, close_exc)
                delay = self.reconnect_delays_s[min(failures, len(self.reconnect_delays_s) - 1)]
                failures += 1
                await asyncio.sleep(delay)

    # -- details (low volume, pyVmomi) --------------------------------------------------------
    async def details(self, key: str, max_events: int = 15) -> ObjectDetails:
        """Key properties, recent events and tasks of one object."""
        from vconsole.services.inventory_details import fetch_details

        row = self.row(key)
        if row is None:
            raise KeyError(f"no inventory object {key!r}")
        conn = await self.manager.vim(row.vcenter)
        vim_type = self.object_type(key)

        def names(moid: str) -> str:
            known = self.row(f"{row.vcenter}/{moid}")
            return known.name if known is not None else moid

        return await conn.call(
            fetch_details, conn, row, vim_type, max_events, names, what="details"
        )
