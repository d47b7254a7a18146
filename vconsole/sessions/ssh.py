"""SSH to ESXi hosts and Bitfusion clients: one paramiko Transport per host, commands as channels.

Everything here is blocking and runs in the manager's executor. Connecting is split in two so
the host-key decision (which may ask the admin) happens on the event loop between the
handshake and authentication: no credential is sent to a host whose key was not accepted.
"""

from __future__ import annotations

import socket
import threading
import time

import paramiko

from vconsole.config import TargetConfig
from vconsole.errors import AuthFailed, CommandTimeout, TargetUnreachable
from vconsole.sessions.results import OUTPUT_CAP, CommandResult
from vconsole.sessions.trust import KnownHosts

# paramiko's reader thread wakes every 0.1 s to look for a close; idle, 1,000 connections made
# 10,000 wake-ups a second fighting for the GIL. Once logged in it waits this long instead
# (close() shuts the socket down, which wakes it at once; keepalives are 30 s apart).
_IDLE_WAKE_S = 5.0
# Asked for first (the first of the client's list the host also offers wins, so hosts without
# them still connect): with an AEAD cipher paramiko checks each packet's tag in C; with a
# separate MAC it computes an HMAC per packet and compares it byte by byte in Python.
_AEAD_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")


class CommandCancelled(Exception):
    """The awaiting caller went away; the channel was closed.

    Closing a channel without a pty does not stop the remote process on OpenSSH 9.2 (it runs
    to its end); the console only stops waiting for it and frees the channel.
    """


class Cancel(threading.Event):
    """Set from the event loop when the awaiting caller goes away. It also sets the events the
    command's thread sleeps on, so that thread wakes at once rather than polling a timer."""

    def __init__(self) -> None:
        super().__init__()
        self._wake: list[threading.Event] = []

    def set(self) -> None:
        super().set()
        for event in tuple(self._wake):
            event.set()

    def watch(self, *events: threading.Event) -> None:
        """Set these too when cancelled (at once, when it already is)."""
        self._wake.extend(events)
        if self.is_set():
            for event in events:
                event.set()


class _Reading:
    """One exec's output as it arrives. The thread sleeps until either stream has data, the
    channel closes, the deadline passes or the caller cancels: one wake-up per packet, none on
    a poll timer (a 50 ms poll woke every waiting exec's thread several times on a busy host)."""

    __slots__ = (
        "name",
        "channel",
        "line",
        "timeout",
        "deadline",
        "cancel",
        "cap",
        "ready",
        "out",
        "err",
        "truncated",
    )

    def __init__(
        self,
        host: SshHost,
        channel: paramiko.Channel,
        line: str,
        deadline: float,
        timeout: float,
        cancel: Cancel,
    ) -> None:
        self.name = host.target.name
        self.channel = channel
        self.line = line
        self.timeout = timeout
        self.deadline = deadline
        self.cancel = cancel
        self.cap = host.output_cap
        self.out, self.err = bytearray(), bytearray()
        self.truncated = False
        # set by paramiko when either stream gets data or closes; cleared by a read that
        # empties a stream (even while the other has data, so readiness is checked again)
        self.ready = threading.Event()
        channel.settimeout(0.0)
        channel.in_buffer.set_event(self.ready)
        channel.in_stderr_buffer.set_event(self.ready)
        cancel.watch(self.ready, channel.status_event)

    def _check(self) -> float:
        """Seconds left; raises when cancelled or past the deadline."""
        if self.cancel.is_set():
            raise CommandCancelled()
        left = self.deadline - time.monotonic()
        if left < 0:
            raise CommandTimeout(self.name, self.line, self.timeout)
        return left

    def read(self) -> None:
        """Both streams until stdout ends (or passes the cap: the rest is left unread)."""
        channel, ready = self.channel, self.ready
        while True:
            ready.wait(self._check())
            self._drain_stderr()
            while True:
                try:
                    data = channel.recv(65536)
                except TimeoutError:  # nothing buffered now
                    break
                if not data:
                    return
                room = self.cap - len(self.out)
                self.out.extend(data[:room])
                if len(data) > room:
                    self.truncated = True
                    return
            ready.clear()
            if (
                channel.recv_ready()
                or channel.recv_stderr_ready()
                or channel.eof_received
                or channel.closed
            ):
                ready.set()  # came between the reads and the clear

    def _drain_stderr(self) -> None:
        channel = self.channel
        while channel.recv_stderr_ready():
            chunk = channel.recv_stderr(65536)
            if len(self.err) < self.cap:
                self.err.extend(chunk[: self.cap - len(self.err)])
            else:
                self.truncated = True

    def exit_status(self) -> int:
        """The exit status, once stdout has ended; stderr read to its end too."""
        channel = self.channel
        while not channel.status_event.wait(self._check()):
            pass
        self._check()  # a cancel sets the event too
        self._drain_stderr()
        return channel.recv_exit_status()


class SshHost:
    """One authenticated Transport to one host, shared by every command for that host."""

    def __init__(self, target: TargetConfig, known_hosts: KnownHosts, output_cap: int = OUTPUT_CAP):
        self.target = target
        self.known_hosts = known_hosts
        self.output_cap = output_cap
        self.transport: paramiko.Transport | None = None
        self._closed = False  # set by close(); a handshake still running then discards its result

    @property
    def alive(self) -> bool:
        return self.transport is not None and self.transport.is_active()

    def handshake(self) -> paramiko.PKey:
        """TCP connect and SSH key exchange, bounded by the target's timeout; returns the host key."""
        t = self.target
        timeout = min(t.timeout, 30.0)
        try:
            sock = socket.create_connection((t.address, t.effective_port), timeout=timeout)
        except OSError as exc:
            raise TargetUnreachable(
                t.name, f"cannot connect to {t.address}:{t.effective_port}: {exc.strerror or exc}"
            ) from None
        # Without TCP_NODELAY each short command waits on Nagle + delayed ACK (~40 ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = paramiko.Transport(sock)
        transport.banner_timeout = timeout
        transport.handshake_timeout = timeout
        options = transport.get_security_options()
        first = tuple(c for c in _AEAD_CIPHERS if c in options.ciphers)
        options.ciphers = first + tuple(c for c in options.ciphers if c not in first)
        known = self.known_hosts.known_types(t.address, t.effective_port)
        if known:
            preferred = [k for k in known if k in options.key_types]
            if preferred:
                options.key_types = tuple(preferred)
        try:
            transport.start_client(timeout=timeout)
            key = transport.get_remote_server_key()  # raises when the handshake did not finish
        except (paramiko.SSHException, OSError, EOFError) as exc:
            transport.close()
            reason = str(exc) or type(exc).__name__
            raise TargetUnreachable(
                t.name, f"SSH handshake with {t.address}:{t.effective_port} failed: {reason}"
            ) from None
        if self._closed:  # the caller gave up (cancelled) while the handshake was running
            transport.close()
            raise TargetUnreachable(t.name, "connection abandoned")
        self.transport = transport
        return key

    def authenticate(self, password: str | None) -> None:
        """Key auth when `key_file` is set, else password (with keyboard-interactive fallback)."""
        t = self.target
        transport = self.transport
        assert transport is not None
        user = t.user or "root"
        try:
            if t.key_file:
                key = paramiko.PKey.from_path(t.key_file)
                transport.auth_publickey(user, key)
            else:
                transport.auth_password(user, password or "")
        except paramiko.AuthenticationException:
            self.close()
            raise AuthFailed(t.name, user) from None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            self.close()
            raise TargetUnreachable(
                t.name, f"SSH login failed: {exc or type(exc).__name__}"
            ) from None
        transport.set_keepalive(30)
        transport.sock.settimeout(_IDLE_WAKE_S)

    def run(self, line: str, timeout: float, cancel: Cancel) -> CommandResult:
        """Run one command line on a new channel; bounded by `timeout`, stopped by `cancel`."""
        transport = self.transport
        if transport is None or not transport.is_active():
            raise TargetUnreachable(self.target.name, "SSH connection lost")
        started = time.monotonic()
        try:
            channel = transport.open_session(timeout=timeout)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise TargetUnreachable(
                self.target.name, f"cannot open a channel: {exc or type(exc).__name__}"
            ) from None
        try:
            reading = _Reading(self, channel, line, started + timeout, timeout, cancel)
            channel.exec_command(line)
            reading.read()
            exit_code = -1 if reading.truncated else reading.exit_status()
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise TargetUnreachable(
                self.target.name, f"connection lost during {line!r}: {exc or type(exc).__name__}"
            ) from None
        finally:
            channel.close()
        return CommandResult(
            reading.out.decode("utf-8", "replace"),
            reading.err.decode("utf-8", "replace"),
            exit_code,
            time.monotonic() - started,
            reading.truncated,
        )

    def close(self) -> None:
        self._closed = True
        if self.transport is not None:
            try:  # wakes the reader thread now rather than after its idle wait
                self.transport.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.transport.close()
            self.transport = None
