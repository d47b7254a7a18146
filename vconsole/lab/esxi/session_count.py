"""How many SSH sessions a lab machine has open, counted the way OpenSSH's MaxSessions sees it.

A session counts from its channel's open request until both the client has closed the channel
and its command has ended: sshd keeps a session whose client hung up while its process still
runs ("has child"), so a cancelled probe still takes a slot until it finishes. The client's
close is taken into account on the transport thread before the next open request is counted
(wire order), so a client that closes one channel and then opens the next is never counted
twice.
"""

from __future__ import annotations

import threading


class SessionGauge:
    """Sessions open on one machine right now, across its connections; the peak and the total."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.total = 0
        self._lock = threading.Lock()

    def opened(self) -> None:
        with self._lock:
            self.now += 1
            self.total += 1
            self.peak = max(self.peak, self.now)

    def closed(self) -> None:
        with self._lock:
            self.now = max(0, self.now - 1)

    def reset_peak(self) -> None:
        with self._lock:
            self.peak = self.now


class ChannelSessions:
    """One connection's sessions: each ends when its client closed it and its command ended."""

    def __init__(self, gauge: SessionGauge) -> None:
        self.gauge = gauge
        self._open: set[int] = set()
        self._running: set[int] = set()
        self._client_closed: set[int] = set()
        self._lost = False
        self._lock = threading.Lock()

    def opened(self, chanid: int) -> None:
        with self._lock:
            self._open.add(chanid)
        self.gauge.opened()

    def command_started(self, chanid: int) -> None:
        with self._lock:
            self._running.add(chanid)

    def command_ended(self, chanid: int) -> None:
        with self._lock:
            self._running.discard(chanid)
            done = chanid in self._client_closed or self._lost
        if done:
            self._end(chanid)

    def connection_closed(self) -> None:
        """The connection is gone: its sessions end as their commands do (now, if none runs)."""
        with self._lock:
            self._lost = True
            idle = self._open - self._running
        for chanid in idle:
            self._end(chanid)

    def client_closed(self, chanid: int) -> None:
        with self._lock:
            if chanid not in self._open:  # already ended (told again by the server's own close)
                return
            self._client_closed.add(chanid)
            done = chanid not in self._running
        if done:
            self._end(chanid)

    def _end(self, chanid: int) -> None:
        with self._lock:
            if chanid not in self._open:
                return
            self._open.discard(chanid)
            self._client_closed.discard(chanid)
        self.gauge.closed()
