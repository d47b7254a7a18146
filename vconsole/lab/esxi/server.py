"""SSH plumbing of one lab ESXi host: password auth, exec requests and a minimal shell.

`LabSshServer` is the host-independent part; a subclass answers command lines (`answer`), so
other lab machines (the Bitfusion client VM) reuse the same transport and channel handling.

Each exec'd line is answered by `shell.run_line` from the host's state; a host with
`slow_ms` waits that long before every answer (on the lab clock, so `time_scale` applies). A command starts only
after paramiko has sent the exec request's success reply (`LabTransport`): a fast answer
that closed the channel before that reply would make clients report "Channel closed".
"""

from __future__ import annotations

import hmac
import logging
import socket
import threading
from typing import Any

import paramiko
from paramiko.common import (
    AUTH_FAILED,
    AUTH_SUCCESSFUL,
    MSG_CHANNEL_REQUEST,
    OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED,
    OPEN_SUCCEEDED,
)

from vconsole.lab.esxi.output import Reply
from vconsole.lab.esxi.shell import run_line
from vconsole.lab.esxi.state import HostState

log = logging.getLogger(__name__)


def _request_then_start(channel: paramiko.Channel, message: paramiko.Message) -> None:
    """Handle a channel request as paramiko does, then start the command it accepted."""
    paramiko.Channel._handle_request(channel, message)  # type: ignore[attr-defined]
    server = channel.get_transport().server_object
    if isinstance(server, LabSshServer):
        server.start_pending(channel)


def _close_quietly(channel: paramiko.Channel) -> None:
    """Close a channel whose client may already have hung up."""
    try:
        channel.close()
    except (OSError, EOFError, paramiko.SSHException):
        pass


class LabTransport(paramiko.Transport):
    """A server Transport that starts accepted commands once their reply is on the wire.

    Its reader thread waits 5 s between looks for a close instead of paramiko's 0.1 s, so a lab
    of 1,000 idle connections does not burn a core; close() wakes it by shutting the socket.
    """

    _active_check_timeout = 5.0
    _channel_handler_table = {
        **paramiko.Transport._channel_handler_table,  # type: ignore[attr-defined]
        MSG_CHANNEL_REQUEST: _request_then_start,
    }

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        super().close()


class LabSshServer(paramiko.ServerInterface):
    """Policy for one SSH connection to one lab machine; `answer` says what a line prints."""

    def __init__(self, name: str, user: str, password: str) -> None:
        self.name = name
        self._user = user
        self._password = password
        self._pty: set[int] = set()
        self._pending: dict[int, threading.Thread] = {}
        self._pending_lock = threading.Lock()

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        ok = hmac.compare_digest(username.encode(), self._user.encode()) & hmac.compare_digest(
            password.encode(), self._password.encode()
        )
        return AUTH_SUCCESSFUL if ok else AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return OPEN_SUCCEEDED
        return OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        line = command.decode("utf-8", "replace")
        self._queue(channel, self._exec, (channel, line), "exec")
        return True

    def _queue(self, channel: paramiko.Channel, target: Any, args: tuple, kind: str) -> None:
        worker = threading.Thread(
            target=target, args=args, name=f"lab-{kind}-{self.name}", daemon=True
        )
        with self._pending_lock:
            self._pending[channel.get_id()] = worker

    def start_pending(self, channel: paramiko.Channel) -> None:
        """Called on the transport thread right after a request's reply was sent."""
        with self._pending_lock:
            worker = self._pending.pop(channel.get_id(), None)
        if worker is not None:
            worker.start()

    def check_channel_pty_request(
        self, channel, term, width, height, pixelwidth, pixelheight, modes
    ):  # type: ignore[no-untyped-def]
        self._pty.add(channel.get_id())
        return True

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        self._queue(channel, self._shell, (channel,), "shell")
        return True

    def answer(self, line: str) -> Reply:
        raise NotImplementedError

    def prompt(self) -> str:
        return f"[root@{self.name}:~] "

    def _answer(self, line: str) -> Reply:
        try:
            return self.answer(line)
        except Exception:  # a lab bug must not hang the client
            log.exception("lab machine %s failed on %r", self.name, line)
            return Reply(stderr="sh: internal error\n", exit=255)

    def _exec(self, channel: paramiko.Channel, line: str) -> None:
        try:
            reply = self._answer(line)
            if reply.stdout:
                channel.sendall(reply.stdout.encode())
            if reply.stderr:
                channel.sendall_stderr(reply.stderr.encode())
            channel.send_exit_status(reply.exit)
        except (OSError, EOFError, paramiko.SSHException):
            pass
        finally:
            _close_quietly(channel)

    def _shell(self, channel: paramiko.Channel) -> None:
        """A line-at-a-time prompt, enough for an admin poking at the lab by hand."""
        newline = "\r\n" if channel.get_id() in self._pty else "\n"
        prompt = self.prompt()
        buf = b""
        try:
            channel.sendall(prompt.encode())
            while True:
                data = channel.recv(1024)
                if not data:
                    break
                if newline == "\r\n":
                    channel.sendall(data.replace(b"\r", b"\r\n"))
                buf += data
                while b"\r" in buf or b"\n" in buf:
                    cut = min(i for i in (buf.find(b"\r"), buf.find(b"\n")) if i >= 0)
                    line, buf = buf[:cut].decode("utf-8", "replace"), buf[cut + 1 :].lstrip(b"\n")
                    if line.strip() in ("exit", "logout"):
                        channel.send_exit_status(0)
                        return
                    reply = self._answer(line)
                    text = (reply.stdout + reply.stderr).replace("\n", newline)
                    channel.sendall((text + prompt).encode())
        except (OSError, EOFError, paramiko.SSHException):
            pass
        finally:
            _close_quietly(channel)


class EsxiSshServer(LabSshServer):
    """One connection to one lab ESXi host: lines are answered from the host's state."""

    def __init__(self, state: HostState, user: str, password: str) -> None:
        super().__init__(state.name, user, password)
        self.state = state

    def check_auth_password(self, username: str, password: str) -> int:
        if self.state.host.lockdown != "disabled":
            return AUTH_FAILED  # lockdown: only vCenter may talk to the host
        return super().check_auth_password(username, password)

    def answer(self, line: str) -> Reply:
        if self.state.host.slow_ms:
            self.state.clock.sleep(self.state.host.slow_ms / 1000.0)
        return run_line(self.state, line)


def listening_socket(bind: str, port: int, backlog: int, timeout: float) -> socket.socket:
    """A TCP listener on `bind` (IPv4 or IPv6 by its form); `timeout` 0 makes it non-blocking."""
    sock = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((bind, port))
    sock.listen(backlog)
    sock.settimeout(timeout)
    return sock


def start_session(
    conn: socket.socket,
    server: LabSshServer,
    host_key: paramiko.PKey,
    log_channel: str,
    who: str,
    logger: logging.Logger,
) -> LabTransport | None:
    """Run the SSH server side on an accepted connection; None (connection closed, logged at
    debug as `who`'s) when the handshake fails."""
    try:
        conn.settimeout(None)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = LabTransport(conn)
        transport.set_log_channel(log_channel)
        transport.add_server_key(host_key)
        transport.start_server(event=threading.Event(), server=server)
    except (OSError, paramiko.SSHException) as exc:
        logger.debug("%s: connection failed: %s", who, exc)
        conn.close()
        return None
    return transport
