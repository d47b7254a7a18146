"""`EsxiLab`: every scenario host as an SSH server on its own loopback port.

One selector thread accepts on all listening sockets, so 200+ hosts start in milliseconds;
each connection then runs on its own paramiko Transport thread. A host that is down, or whose
SSH service is stopped (`ssh = false`), keeps its reserved port but does not listen, so clients
get "connection refused". A host in lockdown refuses every SSH login. `agents` answers the
esxcli-over-API calls the lab vCenter forwards, from the same host state, whatever SSH does.
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import paramiko

from vconsole.lab.esxi.agent import HostAgents
from vconsole.lab.esxi.server import EsxiSshServer, close_transport, listening_socket
from vconsole.lab.esxi.session_count import SessionGauge
from vconsole.lab.esxi.ssh_lab import LAB_USER, SshLab
from vconsole.lab.esxi.state import HostState, LabClock
from vconsole.lab.scenario import Host, Lag, Scenario

log = logging.getLogger(__name__)


class EsxiLab(SshLab):
    """The scenario's ESXi hosts over SSH. Synchronous API; threads inside."""

    def __init__(
        self,
        scenario: Scenario,
        state_dir: Path,
        bind: str = "127.0.0.1",
        real_network: Any = None,
        time_scale: float = 1.0,
        user: str = LAB_USER,
        password: str | None = None,
    ) -> None:
        super().__init__(scenario, state_dir, bind, user, password, log)
        self.clock = LabClock(time_scale)
        self.hosts: dict[str, HostState] = {
            h.name: HostState(scenario, with_switch_lags(scenario, h), self.clock, real_network)
            for h in scenario.hosts
        }
        self.sessions = {name: SessionGauge() for name in self.hosts}  # SSH sessions per host
        self._ports: dict[str, int] = {}
        self._listeners: dict[str, socket.socket] = {}
        self._transports: dict[str, list[paramiko.Transport]] = {}
        self._down: set[str] = {h.name for h in scenario.hosts if h.down}
        self._no_ssh: set[str] = {h.name for h in scenario.hosts if not h.ssh}
        self.agents = HostAgents(self.hosts, self.is_down, bind)
        self._selector: selectors.BaseSelector | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    @property
    def endpoints(self) -> dict[str, tuple[str, int]]:
        """Address of every host, down ones included (their port refuses connections)."""
        return {name: (self.bind, port) for name, port in self._ports.items()}

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the ESXi lab is already started")
        _ = self.host_key
        self._stopping = False
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        try:
            for name in self.hosts:
                sock = self._listen(0)
                self._ports[name] = sock.getsockname()[1]
                if name in self._down or name in self._no_ssh:
                    sock.close()
                else:
                    self._add_listener(name, sock)
            self.agents.start()
        except OSError:
            self.stop()
            raise
        self._thread = threading.Thread(
            target=self._accept_loop, name="esxi-lab-accept", daemon=True
        )
        self._thread.start()

    def set_down(self, host: str, down: bool) -> None:
        """Run-time fault: stop (dropping its sessions) or restart one host's listener."""
        if host not in self.hosts:
            raise KeyError(f"unknown lab host {host!r}; hosts: {', '.join(sorted(self.hosts))}")
        with self._lock:
            if down:
                self._down.add(host)
                sock = self._listeners.pop(host, None)
                if sock is not None and self._selector is not None:
                    self._selector.unregister(sock)
                    sock.close()
                for t in self._transports.pop(host, []):
                    close_transport(t)
                return
            self._down.discard(host)
            if self._selector is None or host in self._listeners or host in self._no_ssh:
                return
            self._add_listener(host, self._listen(self._ports[host]), locked=True)

    def is_down(self, host: str) -> bool:
        return host in self._down

    def stop(self) -> None:
        self._stopping = True
        self.agents.stop()
        if self._wake_w is not None:
            try:
                self._wake_w.send(b"x")
            except OSError as exc:  # the accept loop is gone already; join() below returns at once
                log.debug("accept loop wake-up not sent: %s", exc)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            for sock in self._listeners.values():
                sock.close()
            self._listeners.clear()
            for ts in self._transports.values():
                for t in ts:
                    close_transport(t)
            self._transports.clear()
            if self._selector is not None:
                self._selector.close()
                self._selector = None
            for s in (self._wake_r, self._wake_w):
                if s is not None:
                    s.close()
            self._wake_r = self._wake_w = None

    def _listen(self, port: int) -> socket.socket:
        return listening_socket(self.bind, port, backlog=64, timeout=0.0)

    def _add_listener(self, host: str, sock: socket.socket, locked: bool = False) -> None:
        assert self._selector is not None
        self._listeners[host] = sock
        self._selector.register(sock, selectors.EVENT_READ, host)

    def _accept_loop(self) -> None:
        while not self._stopping:
            selector = self._selector
            if selector is None:
                return
            try:
                events = selector.select(timeout=1.0)
            except (OSError, ValueError):
                return
            for key, _ in events:
                if key.data is None:
                    return
                try:
                    conn, _addr = key.fileobj.accept()  # type: ignore[union-attr]
                except (BlockingIOError, OSError):
                    continue
                self._serve(key.data, conn)

    def _serve(self, host: str, conn: socket.socket) -> None:
        server = EsxiSshServer(self.hosts[host], self.user, self.password, self.sessions[host])
        self._serve_session(conn, server, f"lab host {host}", host)

    def _admit(self, machine: str, transport: paramiko.Transport) -> bool:
        if machine in self._down or self._stopping:  # went down while this one was accepted
            return False
        live = [t for t in self._transports.get(machine, []) if t.is_active()]
        live.append(transport)
        self._transports[machine] = live
        return True


def with_switch_lags(scenario: Scenario, host: Host) -> Host:
    """A LAG is a switch-wide object: every host on the switch lists it, with no NIC where the
    host does not use it (as `lacp config get` prints an empty NICs cell)."""
    mine = {(lag.dvs, lag.name) for lag in host.lags}
    switches = {lag.dvs for lag in host.lags}
    extra: dict[tuple[str, str], Lag] = {}
    for other in scenario.hosts:
        for lag in other.lags:
            key = (lag.dvs, lag.name)
            if lag.dvs in switches and key not in mine and key not in extra:
                extra[key] = replace(lag, nics=(), partner_silent=())
    return replace(host, lags=(*host.lags, *extra.values())) if extra else host
