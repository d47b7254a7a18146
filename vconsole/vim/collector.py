"""Async PropertyCollector reads and update streams for one vCenter session.

Requests go over the session's own HTTP connections (see `transport`), run in the session
manager's executor through `VimConnection.call`, and hand parsed objects to the event loop in
batches while the answer is still arriving. Paging follows the server: `maxObjects` on the
first call, then ContinueRetrievePropertiesEx while a token comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from vconsole.vim import soap, transport
from vconsole.vim.gc_pause import full_collections_postponed
from vconsole.vim.parser import MissingObject, ObjectChange, ObjectProperties
from vconsole.vim.scanner_layout import Packer
from vconsole.vim.soap import MoRef, PropertySpec

log = logging.getLogger(__name__)

Batch = list[ObjectProperties | ObjectChange]
_DONE = object()


def _ref(mo: Any) -> MoRef:
    """The wire reference of a pyVmomi managed object (no I/O)."""
    return MoRef(mo._wsdlName, mo._moId)


@dataclass(frozen=True)
class UpdateBatch:
    """One WaitForUpdatesEx answer: the changes, the version to ask from next, truncation, and
    the objects the filter names that the server could not report (gone, or a fault)."""

    version: str
    changes: tuple[ObjectChange, ...]
    truncated: bool
    missing: tuple[MissingObject, ...] = ()

    @property
    def departures(self) -> tuple[ObjectChange, ...]:
        """Objects the server reports gone (ManagedObjectNotFound), as `leave` changes."""
        return tuple(
            ObjectChange(m.ref, "leave", {})
            for m in self.missing
            if m.fault == "ManagedObjectNotFound"
        )


class PropertyReader:
    """Fast reads for one `VimConnection` (what `await manager.vim(name)` returns)."""

    def __init__(self, conn: Any, batch_size: int = 2000) -> None:
        self.conn = conn
        self.batch_size = batch_size
        self._refs: tuple[MoRef, MoRef, MoRef] | None = None

    @property
    def _stub(self) -> Any:
        return self.conn.si._stub

    def _service(self) -> tuple[MoRef, MoRef, MoRef]:
        """PropertyCollector, ViewManager and root folder. pyVmomi reads ServiceContent from
        the server at every access, on the calling thread (the event loop here), so it is
        read once per reader: these references are fixed for a vCenter."""
        if self._refs is None:
            content = self.conn.content
            self._refs = (
                _ref(content.propertyCollector),
                _ref(content.viewManager),
                _ref(content.rootFolder),
            )
        return self._refs

    async def _call(self, what: str, body: bytes) -> Any:
        def run() -> Any:
            return transport.post(self._stub, body)

        return await self.conn.call(run, what=what)

    async def create_view(self, types: Sequence[str], container: MoRef | None = None) -> MoRef:
        """A recursive ContainerView of `types` under `container` (default: the whole inventory)."""
        _, view_manager, root = self._service()
        tail = await self._call(
            "CreateContainerView",
            soap.create_container_view(view_manager, container or root, types),
        )
        if tail.returned is None:
            raise transport.SoapFault("InvalidResponse", "CreateContainerView returned nothing")
        view: MoRef = tail.returned
        return view

    async def destroy_view(self, view: MoRef) -> None:
        try:
            await self._call("DestroyView", soap.destroy_view(view))
        except Exception as exc:  # the view dies with the session anyway
            log.debug("DestroyView failed: %s: %s", type(exc).__name__, exc)

    async def stream(
        self,
        types: Sequence[str],
        specs: Sequence[PropertySpec],
        page_size: int = 1000,
        container: MoRef | None = None,
        packer: Packer | None = None,
    ) -> AsyncIterator[list[ObjectProperties]]:
        """Objects of `types` with the properties in `specs`, in batches as they arrive (those
        of a shape `packer` takes as it makes them).

        A connection lost half-way raises (TargetUnreachable) after the batches already read.
        """
        view = await self.create_view(types, container)
        collector, _, _ = self._service()

        def read(sink: transport.BatchSink, cancel: threading.Event) -> None:
            body = soap.retrieve_properties_ex(collector, view, specs, page_size)
            token: str | None = None
            try:
                tail = transport.post(self._stub, body, sink.add, cancel, packer)
                token = tail.token
                while token:
                    sink.flush()
                    body = soap.continue_retrieve_properties_ex(collector, token)
                    token = transport.post(self._stub, body, sink.add, cancel, packer).token
            except transport.Cancelled:
                if token:  # the server would keep the rest of the result until logout
                    try:
                        transport.post(
                            self._stub, soap.cancel_retrieve_properties_ex(collector, token)
                        )
                    except Exception as exc:  # then it is freed at logout instead
                        log.debug("CancelRetrievePropertiesEx failed: %s", exc)
                raise

        try:
            async with contextlib.aclosing(self._batches(read)) as batches:
                async for batch in batches:
                    yield batch
        finally:
            await self.destroy_view(view)

    async def stream_each(
        self,
        containers: Sequence[MoRef],
        types: Sequence[str],
        specs: Sequence[PropertySpec],
        page_size: int = 1000,
        in_flight: int = 2,
        packer: Packer | None = None,
    ) -> AsyncIterator[list[ObjectProperties]]:
        """`stream` over each container, `in_flight` requests at a time, batches as they come.

        A server that does not page computes a whole answer before its first byte: asked in
        parts, it computes the next part while the last one is parsed. The first failure
        raises after the batches already read.
        """
        queue: asyncio.Queue[Any] = asyncio.Queue()
        slots = asyncio.Semaphore(max(1, in_flight))

        async def one(container: MoRef) -> None:
            async with slots:
                async for batch in self.stream(types, specs, page_size, container, packer):
                    queue.put_nowait(batch)

        tasks = [asyncio.ensure_future(one(c)) for c in containers]
        every = asyncio.gather(*tasks)
        every.add_done_callback(lambda _: queue.put_nowait(_DONE))
        try:
            # between one container's read and the next, no full collection either
            with full_collections_postponed():
                while (item := await queue.get()) is not _DONE:
                    yield item
                await every
        finally:
            every.cancel()
            for task in tasks:
                task.cancel()
            with contextlib.suppress(BaseException):
                await every

    async def vms_under(
        self, parent: MoRef, specs: Sequence[PropertySpec]
    ) -> AsyncIterator[list[ObjectProperties]]:
        """The VMs of one host or one cluster's hosts in one request (no view), in batches."""
        collector, _, _ = self._service()
        body = soap.retrieve_vms_under(collector, parent, specs)

        def read(sink: transport.BatchSink, cancel: threading.Event) -> None:
            transport.post(self._stub, body, sink.add, cancel)

        async with contextlib.aclosing(self._batches(read)) as batches:
            async for batch in batches:
                yield batch

    async def _batches(
        self, read: Callable[[transport.BatchSink, threading.Event], None]
    ) -> AsyncGenerator[Any, None]:
        """Run `read` in the connection's executor and yield its batches on the event loop as
        they arrive; leaving early sets the cancel event `read` is given."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancel = threading.Event()

        def push(batch: Batch) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, batch)

        def run() -> None:
            sink = transport.BatchSink(push, self.batch_size)
            try:
                read(sink, cancel)
            finally:
                sink.flush()

        task = asyncio.ensure_future(self.conn.call(run, what="RetrievePropertiesEx"))
        task.add_done_callback(lambda _: queue.put_nowait(_DONE))
        try:
            with full_collections_postponed():
                while True:
                    item = await queue.get()
                    if item is _DONE:
                        break
                    yield item
                await task
        finally:
            cancel.set()
            if not task.done():
                task.cancel()

    async def retrieve(
        self, types: Sequence[str], specs: Sequence[PropertySpec], page_size: int = 1000
    ) -> list[ObjectProperties]:
        """Every object at once (the CLI and the benchmark)."""
        out: list[ObjectProperties] = []
        async for batch in self.stream(types, specs, page_size):
            out.extend(batch)
        return out


class UpdateStream:
    """A PropertyCollector of the console's own with one filter over a ContainerView.

    The first `next()` returns the full current state (every object as `enter`); later ones
    block until something changes (or `max_wait_s` passes) and return only the changes.
    """

    def __init__(self, reader: PropertyReader, max_wait_s: int = 20) -> None:
        self.reader = reader
        self.max_wait_s = max_wait_s
        self.collector: MoRef | None = None
        self.view: MoRef | None = None
        self.version = ""

    async def start(self, types: Sequence[str], specs: Sequence[PropertySpec]) -> None:
        reader = self.reader
        self.view = await reader.create_view(types)
        root_collector, _, _ = reader._service()
        tail = await reader._call(
            "CreatePropertyCollector", soap.create_property_collector(root_collector)
        )
        self.collector = tail.returned
        assert self.collector is not None
        await reader._call("CreateFilter", soap.create_filter(self.collector, self.view, specs))
        self.version = ""

    async def next(
        self, on_batch: Callable[[list[ObjectChange]], None] | None = None
    ) -> UpdateBatch:
        """Wait for the next set of changes.

        With `on_batch`, changes go there (on the loop) while the answer arrives, and the
        returned batch carries only the version; without it, they come back in the batch.
        """
        assert self.collector is not None, "start() first"
        collector = self.collector
        stub = self.reader._stub
        loop = asyncio.get_running_loop()
        body = soap.wait_for_updates_ex(collector, self.version, self.max_wait_s, None)
        received: list[ObjectChange] = []

        def push(batch: Batch) -> None:
            changes = [c for c in batch if isinstance(c, ObjectChange)]
            if on_batch is None:
                received.extend(changes)
            else:
                loop.call_soon_threadsafe(on_batch, changes)

        def run() -> Any:
            sink = transport.BatchSink(push, self.reader.batch_size)
            try:
                return transport.post(stub, body, sink.add)
            finally:
                sink.flush()

        tail = await self.reader.conn.call(run, what="WaitForUpdatesEx")
        if tail.version is not None:
            self.version = tail.version
        return UpdateBatch(
            self.version, tuple(received), tail.truncated, tuple(tail.missing_objects)
        )

    async def close(self) -> None:
        """Stop a pending wait, then drop the collector (its filter goes with it) and the view."""
        reader = self.reader
        collector, self.collector = self.collector, None
        if collector is not None:
            for method, body in (
                ("CancelWaitForUpdates", soap.cancel_wait_for_updates(collector)),
                ("DestroyPropertyCollector", soap.destroy_property_collector(collector)),
            ):
                try:
                    await asyncio.wait_for(reader._call(method, body), 5)
                except Exception as exc:  # the collector dies with the session anyway
                    log.debug("%s failed: %s: %s", method, type(exc).__name__, exc)
        view, self.view = self.view, None
        if view is not None:
            try:
                await asyncio.wait_for(reader.destroy_view(view), 5)
            except TimeoutError:  # destroy_view logs its own failures
                log.debug("DestroyView took over 5 s; left to the session's end")
