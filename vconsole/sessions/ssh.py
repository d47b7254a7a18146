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

_POLL_S = 0.05
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

    def run(self, line: str, timeout: float, cancel: threading.Event) -> CommandResult:
        """Run one command line on a new channel; bounded by `timeout`, stopped by `cancel`."""
        transport = self.transport
        if transport is None or not transport.is_active():
            raise TargetUnreachable(self.target.name, "SSH connection lost")
        started = time.monotonic()
        deadline = started + timeout
        try:
            channel = transport.open_session(timeout=timeout)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise TargetUnreachable(
                self.target.name, f"cannot open a channel: {exc or type(exc).__name__}"
            ) from None
        try:
            channel.settimeout(_POLL_S)
            channel.exec_command(line)
            out, err = bytearray(), bytearray()
            truncated = False

            def check() -> None:
                if cancel.is_set():
                    raise CommandCancelled()
                if time.monotonic() > deadline:
                    raise CommandTimeout(self.target.name, line, timeout)

            def drain_stderr() -> None:
                nonlocal truncated
                while channel.recv_stderr_ready():
                    chunk = channel.recv_stderr(65536)
                    if len(err) < self.output_cap:
                        err.extend(chunk[: self.output_cap - len(err)])
                    else:
                        truncated = True

            while True:
                check()
                drain_stderr()
                try:
                    data = channel.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                room = self.output_cap - len(out)
                out.extend(data[:room])
                if len(data) > room:
                    truncated = True
                    break
            if truncated:
                exit_code = -1
            else:
                while not channel.exit_status_ready():
                    check()
                    channel.status_event.wait(_POLL_S)
                drain_stderr()
                exit_code = channel.recv_exit_status()
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise TargetUnreachable(
                self.target.name, f"connection lost during {line!r}: {exc or type(exc).__name__}"
            ) from None
        finally:
            channel.close()
        return CommandResult(
            out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"),
            exit_code,
            time.monotonic() - started,
            truncated,
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
