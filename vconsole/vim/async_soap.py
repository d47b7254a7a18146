"""SOAP posts from the event loop: keep-alive HTTP/1.1 connections of one vCenter session.

A ping through vCenter holds its call for the probe's whole timeout, and a round of an MTU matrix
has hundreds in flight: through pyVmomi's http.client each held a worker thread, whose switching
cost the console more CPU than the call itself. Here a call is a coroutine on a pooled asyncio
stream (a TLS one handshaken in a worker thread, `async_tls`). Trust is the session's own:
`check_peer` sees each new connection's certificate before a byte is sent on it (the caller's
pinned-thumbprint check, which raises to refuse), and the TLS context is the one the session
connected with. The headers (the session cookie among them) are the caller's, read at each
call, so a re-login is seen at once.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections.abc import Callable
from http.client import HTTPException

from vconsole.vim.async_tls import TlsOpener, TlsStream

MAX_ANSWER = 64 * 1024 * 1024
MAX_HEAD = 64 * 1024


class AnswerBroken(ConnectionError):
    """The connection closed or sent something that is not an HTTP/1.1 answer."""


class ClosedBeforeAnswer(AnswerBroken):
    """The connection ended before any byte of an answer: a kept one the server had closed."""


class _Stream:
    """One open connection: its reader and writer."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter | TlsStream
    ) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


class AsyncSoapPool:
    """Connections to one SOAP endpoint, opened as needed and kept (up to `keep`) for reuse."""

    def __init__(
        self,
        host: str,
        port: int,
        path: str,
        tls: ssl.SSLContext | None,
        check_peer: Callable[[bytes], None] | None = None,
        keep: int = 1024,
        connect_timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.path = path
        self.keep = keep
        self.tls = TlsOpener(host, port, tls, check_peer, connect_timeout) if tls else None
        self.opened = 0  # connections opened over the pool's life (tests and benches read it)
        self._idle: list[_Stream] = []
        self._loop: asyncio.AbstractEventLoop | None = None  # where the streams live
        hostport = f"[{host}]" if ":" in host else host
        self._line = f"POST {path} HTTP/1.1\r\nHost: {hostport}:{port}\r\n".encode()

    async def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """POST `body`; the status and the (inflated) answer. A pooled connection the server
        closed meanwhile is replaced once; any other break raises (OSError)."""
        request = self._request(body, headers)
        while self._idle:
            stream = self._idle.pop()
            try:
                return await self._exchange(stream, request)
            except (ClosedBeforeAnswer, ConnectionResetError, BrokenPipeError):
                pass  # the server dropped a kept connection (its keep-alive ran out): the next
        return await self._exchange(await self._open(), request)

    def close(self) -> None:
        """Close every kept connection. Callable from any thread (a session is closed in the
        executor): the streams are closed on their own loop, or at once if it has ended."""
        loop = self._loop
        if loop is not None and not loop.is_closed() and loop.is_running():
            try:
                here = asyncio.get_running_loop()
            except RuntimeError:
                here = None
            if here is not loop:
                loop.call_soon_threadsafe(self._close_now, False)
                return
        self._close_now(loop is not None and loop.is_closed())

    def _close_now(self, loop_ended: bool) -> None:
        idle, self._idle = self._idle, []
        for stream in idle:
            if not loop_ended:
                stream.close()
            elif isinstance(stream.writer, TlsStream):
                stream.writer.sock.close()  # its own socket; a transport's goes with the transport
        if self.tls is not None:
            self.tls.close()

    def _request(self, body: bytes, headers: dict[str, str]) -> bytes:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return b"%s%sContent-Length: %d\r\n\r\n%s" % (self._line, head.encode(), len(body), body)

    async def _open(self) -> _Stream:
        self._loop = asyncio.get_running_loop()
        if self.tls is not None:
            tls = await self.tls.open(MAX_HEAD)
            self.opened += 1
            return _Stream(tls.reader, tls)
        reader, writer = await asyncio.open_connection(self.host, self.port, limit=MAX_HEAD)
        self.opened += 1
        return _Stream(reader, writer)

    async def _exchange(self, stream: _Stream, request: bytes) -> tuple[int, bytes]:
        """One request and its answer; the connection goes back to the pool only when the
        answer was read whole and the server keeps it open (a cancelled call closes it)."""
        kept = False
        try:
            stream.writer.write(request)
            status, data, reusable = await _answer(stream.reader)
            if reusable and len(self._idle) < self.keep:
                self._idle.append(stream)
                kept = True
            return status, data
        finally:
            if not kept:
                stream.close()


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, inflated body and whether the connection may carry another request."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            raise ClosedBeforeAnswer("closed before answering") from None
        raise AnswerBroken("a cut answer") from None
    except asyncio.LimitOverrunError:
        raise AnswerBroken("answer headers longer than 64 KiB") from None
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code = rest.partition(" ")[0]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise AnswerBroken(f"not an HTTP answer: {lines[0][:80]!r}")
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            fields[name.strip().lower()] = value.strip()
    reusable = version == "HTTP/1.1" and fields.get("connection", "").lower() != "close"
    try:
        if "chunked" in fields.get("transfer-encoding", "").lower():
            body = await _chunked(reader)
        elif "content-length" in fields:
            size = int(fields["content-length"])
            if not 0 <= size <= MAX_ANSWER:
                raise AnswerBroken(f"answer of {size} bytes")
            body = await reader.readexactly(size)
        else:
            body, reusable = await reader.read(MAX_ANSWER + 1), False
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
        raise AnswerBroken("a cut answer") from None
    if len(body) > MAX_ANSWER:
        raise HTTPException("answer larger than 64 MiB")
    return int(code), _inflate(body, fields.get("content-encoding", "")), reusable


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers: none that matter here
            return b"".join(parts)
        total += size
        if total > MAX_ANSWER:
            raise HTTPException("answer larger than 64 MiB")
        parts.append((await reader.readexactly(size + 2))[:-2])


def _inflate(body: bytes, encoding: str) -> bytes:
    encoding = encoding.lower()
    try:
        if encoding == "gzip":
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            return zlib.decompress(body)
    except zlib.error as exc:
        raise HTTPException(f"a {encoding} answer that does not inflate ({exc})") from None
    return body
