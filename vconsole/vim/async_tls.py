"""A TLS connection handshaken in a worker thread, then read and written from the event loop.

asyncio's own TLS runs every handshake on the loop's one thread: the first round of an MTU
matrix opens hundreds of connections to vCenter at once, and there they cost more CPU, one
after the other, than in threads that release the GIL for the crypto. Here the handshake (and
the caller's certificate check, before any byte is sent) is a blocking one in a small pool of
threads, resuming the server's last TLS session when it gave one (1.18 -> 0.74 ms of the
console's CPU per connection to the lab vCenter); the established socket is then non-blocking,
its answers fed to a `StreamReader`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import ssl
from collections.abc import Callable

READ_SIZE = 256 * 1024
HANDSHAKE_THREADS = 8
TICKET_WAIT_S = 0.05


class TlsStream:
    """An established TLS socket driven by the event loop: `reader` gets what arrives."""

    def __init__(
        self,
        sock: ssl.SSLSocket,
        limit: int,
        on_session: Callable[[ssl.SSLSession], None] | None = None,
    ) -> None:
        sock.setblocking(False)
        self._on_session = on_session
        self.sock = sock
        self.loop = asyncio.get_running_loop()
        self.reader = asyncio.StreamReader(limit=limit, loop=self.loop)
        self._fd = sock.fileno()
        self._out = bytearray()
        self._writing = False
        self._closed = False
        self.loop.add_reader(self._fd, self._readable)

    def write(self, data: bytes) -> None:
        self._out += data
        self._flush()

    def is_closing(self) -> bool:
        return self._closed

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.loop.remove_reader(self._fd)
        if self._writing:
            self.loop.remove_writer(self._fd)
        self.sock.close()
        if not self.reader.at_eof():
            self.reader.feed_eof()

    def _readable(self) -> None:
        while not self._closed:
            try:
                data = self.sock.recv(READ_SIZE)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                return  # nothing more yet (or only TLS records of its own, such as tickets)
            except OSError as exc:
                self.reader.set_exception(exc)
                self.close()
                return
            if not data:
                self.close()
                return
            self.reader.feed_data(data)
            if self._on_session is not None and self.sock.session is not None:
                self._on_session(self.sock.session)  # TLS 1.3: known once a ticket has come
                self._on_session = None

    def _flush(self) -> None:
        while self._out and not self._closed:
            try:
                sent = self.sock.send(self._out)
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
                if not self._writing:
                    self._writing = True
                    self.loop.add_writer(self._fd, self._flush)
                return
            except OSError as exc:
                self.reader.set_exception(exc)
                self.close()
                return
            del self._out[:sent]
        if self._writing and not self._closed:
            self._writing = False
            self.loop.remove_writer(self._fd)


class TlsOpener:
    """Opens TLS connections to one server in worker threads, each checked by `check_peer`
    (given the DER certificate; it raises to refuse) before it is handed over."""

    def __init__(
        self,
        host: str,
        port: int,
        context: ssl.SSLContext,
        check_peer: Callable[[bytes], None] | None,
        timeout: float,
    ) -> None:
        self.host = host
        self.port = port
        self.context = context
        self.check_peer = check_peer
        self.timeout = timeout
        # the last session the server gave a ticket for: later connections resume it (no
        # certificate sent or signed again; the pinned check still sees the session's one)
        self.session: ssl.SSLSession | None = None
        self._threads: concurrent.futures.ThreadPoolExecutor | None = None
        self._first = asyncio.Lock()
        self._waited = False  # the first connection waited for a ticket (once per opener)

    async def open(self, limit: int) -> TlsStream:
        """A new connection. The very first one waits briefly for the server's session ticket,
        the connections asked for meanwhile wait for it: a matrix's first round opens hundreds
        at once, and they all resume its session instead of a full handshake each."""
        if self.session is None and not self._waited:
            async with self._first:
                if self.session is None and not self._waited:
                    stream = await self._open(limit, TICKET_WAIT_S)
                    self._waited = True
                    return stream
        return await self._open(limit, 0.0)

    async def _open(self, limit: int, ticket_wait: float) -> TlsStream:
        if self._threads is None:
            self._threads = concurrent.futures.ThreadPoolExecutor(
                HANDSHAKE_THREADS, thread_name_prefix="vim-tls"
            )
        pending = self._threads.submit(self._connect, ticket_wait)
        try:
            sock = await asyncio.wrap_future(pending)
        except asyncio.CancelledError:
            pending.add_done_callback(_close_result)  # the caller gave up: close it when ready
            raise
        return TlsStream(sock, limit, None if sock.session_reused else self._keep)

    def _keep(self, session: ssl.SSLSession) -> None:
        self.session = session

    def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
            self._threads = None

    def _connect(self, ticket_wait: float) -> ssl.SSLSocket:
        raw = socket.create_connection((self.host, self.port), timeout=self.timeout)
        try:
            tls = self.context.wrap_socket(raw, server_hostname=self.host, session=self.session)
        except BaseException:
            raw.close()
            raise
        try:
            if self.check_peer is not None:
                self.check_peer(tls.getpeercert(True) or b"")
            if ticket_wait > 0:
                self._await_ticket(tls, ticket_wait)
        except BaseException:
            tls.close()
            raise
        return tls

    def _await_ticket(self, tls: ssl.SSLSocket, wait: float) -> None:
        """TLS 1.3 sends tickets after the handshake; a read (none is due before the request)
        takes them in. No ticket by `wait`: every connection makes a full handshake."""
        tls.settimeout(wait)
        try:
            early = tls.recv(1)
            if not early:
                raise ConnectionResetError("the server closed the connection after its handshake")
            raise ConnectionResetError("the server sent data before any request")
        except (TimeoutError, ssl.SSLWantReadError):
            pass
        finally:
            tls.settimeout(self.timeout)
        if tls.session is not None and tls.session.has_ticket:
            self.session = tls.session


def _close_result(done: concurrent.futures.Future[ssl.SSLSocket]) -> None:
    if not done.cancelled() and done.exception() is None:
        done.result().close()
