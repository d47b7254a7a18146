"""The socket under one SSH transport, read ahead: one system call takes every packet waiting.

paramiko's transport thread reads each packet in two `recv` calls (its first block, then the
rest), and on a socket with a timeout Python polls before every `recv`: four system calls per
packet, each letting the interpreter lock go and waiting to win it back among a fan-out's
threads. Here the socket is non-blocking and this object keeps the timeout: when nothing is
buffered it polls once and takes up to `READ_AHEAD` bytes, and the packets that came together
are then handed out from memory. paramiko takes any object with `recv`, `send`, `close` and
`settimeout` as its socket (the documented "socket-like object").

The lab's SSH server (the hosts' side) reads through it. The console's own transports read the
plain socket: left open, a console reading through this grew its brk heap by about 10 MiB an
hour (`bench/bench_idle.py --variant plain --variant readahead`), against a flat heap without.
"""

from __future__ import annotations

import select
import socket

READ_AHEAD = 65536  # bytes taken per read: a warm exec's answer arrives in a few packets
_READ = select.POLLIN | select.POLLPRI
_WRITE = select.POLLOUT


class ReadAheadSocket:
    """A connected TCP socket as paramiko's transport uses it; timeouts behave as a socket's.

    Only the transport's own thread reads; writes come from any thread, one at a time under
    paramiko's write lock. Anything else (`shutdown`, `fileno`, `getpeername`...) goes to the
    socket itself."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._timeout = sock.gettimeout()
        sock.setblocking(False)
        self._buffer = b""
        self._at = 0
        # one poll object per direction: a reader and a writer may wait at the same time
        self._readable = select.poll()
        self._readable.register(sock, _READ)
        self._writable = select.poll()
        self._writable.register(sock, _WRITE)

    def settimeout(self, timeout: float | None) -> None:
        self._timeout = timeout

    def gettimeout(self) -> float | None:
        return self._timeout

    def recv(self, size: int) -> bytes:
        """Up to `size` bytes: from what was read ahead, else one wait and one read."""
        at = self._at
        if at < len(self._buffer):
            end = at + size
            self._at = end
            return self._buffer[at:end]
        self._wait(self._readable)
        data = self._sock.recv(max(size, READ_AHEAD))
        if len(data) <= size:
            return data
        self._buffer, self._at = data, size
        return data[:size]

    def send(self, data: bytes) -> int:
        try:
            return self._sock.send(data)
        except BlockingIOError:  # the send buffer is full: wait for room, as a socket would
            self._wait(self._writable)
            return self._sock.send(data)

    def _wait(self, poller: select.poll) -> None:
        """Until the socket is ready (or closed: the next call says how); raises
        `TimeoutError` after the timeout, as a socket with that timeout does."""
        timeout = self._timeout
        if timeout == 0.0:
            return
        ms = None if timeout is None else int(timeout * 1000)
        if not poller.poll(ms):
            raise TimeoutError("timed out")

    def close(self) -> None:
        self._sock.close()

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)
