"""Posting SOAP bodies over the pyVmomi stub's own HTTP connections, parsing as bytes arrive.

The stub keeps the session cookie (`vmware_soap_session`), the TLS context and the pinned
thumbprint check, so a request sent here is trusted and authenticated exactly like pyVmomi's
own; only the (slow) deserializer is replaced. Everything here is synchronous: it runs in the
session manager's executor, through `VimConnection.call`, so a lost session is re-established by
the usual re-login and a dropped connection marks the target down.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import zlib
from collections.abc import Callable
from http.client import HTTPException
from http.cookies import CookieError, SimpleCookie
from typing import Any

from vconsole.vim.parser import AnswerTail, ObjectChange, ObjectProperties
from vconsole.vim.scanner import FastAnswerParser
from vconsole.vim.scanner_layout import Packer

log = logging.getLogger(__name__)

SESSION_COOKIE = "vmware_soap_session"
READ_SIZE = 256 * 1024
Batch = list[ObjectProperties | ObjectChange]


class SoapFault(Exception):
    """The server answered with a SOAP fault; `kind` is the vim fault type."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}" if message else kind)
        self.kind = kind
        self.message = message


class Cancelled(Exception):
    """The caller asked the transfer to stop (the pane closed, the service stopped)."""


def session_cookie(stub: Any) -> str:
    """The Cookie header pyVmomi's session uses, reduced to the session cookie itself."""
    return _session_cookie(str(getattr(stub, "cookie", "") or ""))


@functools.lru_cache(maxsize=64)
def _session_cookie(raw: str) -> str:
    """Parsed once per cookie value: every call of a run sends the same one."""
    try:
        morsel = SimpleCookie(raw).get(SESSION_COOKIE)
    except CookieError as exc:  # sent as pyVmomi holds it; its value is never logged
        log.debug("session cookie header not parsed (%s); sent as it is", type(exc).__name__)
        morsel = None
    if morsel is None:
        return str(raw)
    return f'{SESSION_COOKIE}="{morsel.value}"'


def soap_headers(stub: Any) -> dict[str, str]:
    """The headers of every SOAP POST on the stub's session (gzip asked for: answers are big)."""
    return {
        "Cookie": session_cookie(stub),
        "SOAPAction": getattr(stub, "versionId", "") or "",
        "Content-Type": 'text/xml; charset="utf-8"',
        "Accept-Encoding": "gzip, deflate",
        "User-Agent": "vconsole",
    }


def release(stub: Any, conn: Any, reusable: bool, broken: bool) -> None:
    """Give a connection back to the stub's pool, or close it; a broken one drops the pool
    too (the server is likely gone, so pooled connections are dead as well)."""
    if reusable:
        stub.ReturnConnection(conn)
        return
    conn.close()
    if broken:
        stub.DropConnections()


class BatchSink:
    """Coalesces parsed objects into batches: the first at once, then every `interval_s` or `size`."""

    def __init__(self, emit: Callable[[Batch], None], size: int = 2000, interval_s: float = 0.05):
        self.emit = emit
        self.size = size
        self.interval_s = interval_s
        self.pending: Batch = []
        self.count = 0
        self._last = 0.0

    def add(self, objects: Batch) -> None:
        if not objects:
            return
        self.pending.extend(objects)
        self.count += len(objects)
        now = time.monotonic()
        if not self._last or len(self.pending) >= self.size or now - self._last >= self.interval_s:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        if self.pending:
            batch, self.pending = self.pending, []
            self._last = now or time.monotonic()
            self.emit(batch)


def exchange(
    stub: Any, body: bytes, consume: Callable[[bytes], None], cancel: threading.Event | None = None
) -> None:
    """POST one SOAP request on a pooled connection; the answer's (inflated) bytes go to
    `consume` as they arrive. OSError/HTTPException when the connection breaks."""
    headers = soap_headers(stub)
    conn = stub.GetConnection()
    reusable = False
    broken = True
    try:
        conn.request("POST", stub.path, body, headers)
        resp = conn.getresponse()
        if resp.status not in (200, 500):
            raise HTTPException(f"{resp.status} {resp.reason}")
        encoding = (resp.getheader("Content-Encoding") or "identity").lower()
        inflate = None
        if encoding == "gzip":
            inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            inflate = zlib.decompressobj()
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            chunk = resp.read1(READ_SIZE)
            if not chunk:
                break
            consume(inflate.decompress(chunk) if inflate is not None else chunk)
        resp.read()  # completes the response so the connection can be reused
        if inflate is not None:
            consume(inflate.flush())
        reusable = not resp.will_close
        broken = False
    except Cancelled:
        broken = False
        raise
    finally:
        release(stub, conn, reusable, broken)


def post_bytes(stub: Any, body: bytes) -> bytes:
    """POST one SOAP request; the whole answer (a fault included) as bytes, for a reader of
    its own."""
    parts: list[bytes] = []
    exchange(stub, body, parts.append)
    return b"".join(parts)


def post(
    stub: Any,
    body: bytes,
    on_objects: Callable[[Batch], None] | None = None,
    cancel: threading.Event | None = None,
    packer: Packer | None = None,
) -> AnswerTail:
    """POST one SOAP request; parsed objects go to `on_objects` while the answer streams in
    (objects of a shape `packer` takes, as it makes them: see `scanner_layout.Packer`).

    Raises `vim.fault.NotAuthenticated` for an expired session (the connection wrapper logs in
    again and retries), `SoapFault` for any other fault, OSError/HTTPException when the
    connection breaks (objects delivered before the break stay delivered).
    """
    parser = FastAnswerParser(packer)

    def consume(chunk: bytes) -> None:
        objects = parser.feed(chunk)
        if objects and on_objects is not None:
            on_objects(objects)

    exchange(stub, body, consume, cancel)
    objects = parser.close()
    if objects and on_objects is not None:
        on_objects(objects)
    tail = parser.tail
    if tail.fault is not None:
        if tail.fault.kind == "NotAuthenticated":
            from pyVmomi import vim

            raise vim.fault.NotAuthenticated(msg=tail.fault.message)
        raise SoapFault(tail.fault.kind, tail.fault.message)
    return tail
