"""`BitfusionLab`: the scenario's Bitfusion client VM as an SSH server on loopback.

    lab = BitfusionLab(scenario, state_dir, claim_ms=0); lab.start()  # claim_ms: slow client
    lab.endpoint -> ("127.0.0.1", port); lab.user, lab.password, lab.host_key_fingerprint
    lab.set_server_down("bf-srv02", True)   # its claim fails with the reference's i/o timeout
    lab.set_installed(False)                # bash: bitfusion: command not found
    lab.set_token("missing" | "read-only")  # Failed to parse .../servers.conf, claim error
    lab.leak("bf-srv01", 2, 4096)           # memory allocated on a GPU that nobody holds
    lab.remove_server("bf-srv03")           # out of servers.conf: the client never mentions it
    lab.set_down(True)                      # the VM itself: connections refused
    lab.stop()

The SSH side is the ESXi lab's (`LabSshServer`, `start_session`, the lab host key); this
module only answers lines from the pool (`bitfusion_pool`) through `bitfusion_cli`.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import paramiko

from vconsole.lab.bitfusion_cli import TOKEN_STATES, BitfusionShell, ClientVmState
from vconsole.lab.bitfusion_pool import GpuPool
from vconsole.lab.esxi.output import Reply
from vconsole.lab.esxi.server import LabSshServer, close_transport, listening_socket
from vconsole.lab.esxi.ssh_lab import LAB_USER, SshLab
from vconsole.lab.scenario import Scenario

log = logging.getLogger(__name__)


class BitfusionSshServer(LabSshServer):
    """One SSH connection to the client VM; a Linux-style prompt for hand use."""

    def __init__(self, shell: BitfusionShell, user: str, password: str) -> None:
        super().__init__(shell.vm.name, user, password)
        self.shell = shell

    def answer(self, line: str) -> Reply:
        return self.shell.run_line(line)

    def prompt(self) -> str:
        return f"root@{self.name}:~# "


class BitfusionLab(SshLab):
    """The client VM and the pool behind it. Synchronous API; threads inside."""

    def __init__(
        self,
        scenario: Scenario,
        state_dir: Path,
        bind: str = "127.0.0.1",
        *,
        user: str = LAB_USER,
        password: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        seed: int | None = None,
        claim_ms: int = 0,
    ) -> None:
        super().__init__(scenario, state_dir, bind, user, password, log)
        self.pool = GpuPool(scenario, clock=clock, wall=wall, seed=seed)
        self.vm = ClientVmState(scenario.bitfusion.client_vm, claim_ms=claim_ms)
        self.shell = BitfusionShell(self.pool, self.vm, wall)
        self._port = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._transports: list[paramiko.Transport] = []
        self._down = False

    @property
    def name(self) -> str:
        return self.vm.name

    @property
    def endpoint(self) -> tuple[str, int]:
        return (self.bind, self._port)

    # -- faults ---------------------------------------------------------------------------
    def set_server_down(self, server: str, down: bool) -> None:
        self.pool.set_down(server, down)

    def remove_server(self, server: str, removed: bool = True) -> None:
        """Take a server out of the client's servers.conf (or put it back)."""
        self.pool.known(server)
        if removed:
            self.vm.removed.add(server)
        else:
            self.vm.removed.discard(server)

    def set_installed(self, installed: bool) -> None:
        self.vm.installed = installed

    def set_token(self, state: str) -> None:
        if state not in TOKEN_STATES:
            raise ValueError(f"token state {state!r}; accepted: {', '.join(TOKEN_STATES)}")
        self.vm.token = state

    def leak(self, server: str, gpu: int, memory_mb: int) -> None:
        self.pool.leak(server, gpu, memory_mb)

    def set_down(self, down: bool) -> None:
        """The client VM powered off (refused) or back (listening on the same port)."""
        with self._lock:
            self._down = down
            if down:
                _close_listener(self._sock)
                self._sock = None
                for t in self._transports:
                    close_transport(t)
                self._transports.clear()
            elif self._thread is not None and self._sock is None:
                self._sock = self._listen(self._port)
                self._spawn_accept(self._sock)

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the Bitfusion lab is already started")
        _ = self.host_key
        self._sock = self._listen(0)
        self._port = self._sock.getsockname()[1]
        self._spawn_accept(self._sock)

    def stop(self) -> None:
        with self._lock:
            self._down = True
            _close_listener(self._sock)
            self._sock = None
            for t in self._transports:
                close_transport(t)
            self._transports.clear()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)

    def _listen(self, port: int) -> socket.socket:
        return listening_socket(self.bind, port, backlog=16, timeout=0.5)

    def _spawn_accept(self, sock: socket.socket) -> None:
        self._down = False
        self._thread = threading.Thread(
            target=self._accept_loop, args=(sock,), name="bitfusion-lab-accept", daemon=True
        )
        self._thread.start()

    def _accept_loop(self, sock: socket.socket) -> None:
        while True:
            with self._lock:
                if self._down or self._sock is not sock:
                    return
            try:
                conn, _addr = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        server = BitfusionSshServer(self.shell, self.user, self.password)
        self._serve_session(conn, server, "bitfusion client VM")

    def _admit(self, machine: str, transport: paramiko.Transport) -> bool:
        if self._down:
            return False
        self._transports = [t for t in self._transports if t.is_active()] + [transport]
        return True


def _close_listener(sock: socket.socket | None) -> None:
    """Stop listening now: shutdown wakes a thread blocked in accept(), which would otherwise
    keep the socket listening until its timeout."""
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError as exc:  # not connected (some systems say so for a listener): close() suffices
        log.debug("listener shutdown: %s", exc)
    sock.close()
