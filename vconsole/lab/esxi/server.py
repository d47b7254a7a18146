"""SSH plumbing of one lab ESXi host: password auth, exec requests and a minimal shell.

`LabSshServer` is the host-independent part; a subclass answers command lines (`answer`), so
other lab machines (the Bitfusion client VM) reuse the same transport and channel handling.
Only paramiko's public server API is used (`ServerInterface`, `Transport`, `Channel`), so a
paramiko upgrade cannot silently change how the lab behaves.

Each exec'd line is answered by `shell.run_line` from the host's state; a host with
`slow_ms` waits that long before every answer (on the lab clock, so `time_scale` applies).

A fast answer whose channel close reached the client before paramiko's reply to the exec
request would make clients report "Channel closed"; output, exit status and EOF before that
reply are harmless (a paramiko client buffers them until `exec_command` returns). So a command
runs at once and only its close waits for proof the reply is out: the client's own EOF or
close of the channel (any packet the transport thread handles after the request), or, when
none comes within `REPLY_GRACE_S`, one `ReplyBarrier` round trip. A paramiko client closes as
soon as it has the exit status, so a warm refresh costs no round trip per exec.
"""

from __future__ import annotations

import hmac
import logging
import os
import socket
import threading
from collections.abc import Callable

import paramiko
from paramiko.common import (
    AUTH_FAILED,
    AUTH_SUCCESSFUL,
    OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED,
    OPEN_SUCCEEDED,
)

from vconsole.lab.esxi.output import Reply
from vconsole.lab.esxi.read_ahead import ReadAheadSocket
from vconsole.lab.esxi.session_count import ChannelSessions, SessionGauge
from vconsole.lab.esxi.shell import run_line
from vconsole.lab.esxi.state import HostState
from vconsole.sessions.pool import LifoThreadPool, _Worker

log = logging.getLogger(__name__)

# The global request OpenSSH's sshd sends as its client-alive probe; every client answers it.
ROUND_TRIP_REQUEST = "keepalive@openssh.com"
_CHANNEL_GONE = (OSError, EOFError, paramiko.SSHException)
# paramiko's reader thread wakes every 0.1 s to look for a close: 1,000 idle lab connections
# made 10,000 wake-ups a second. Served connections wait this long; `close_transport` shuts
# the socket first, which wakes the thread at once.
IDLE_WAKE_S = 5.0
COMMAND_THREADS_MAX = 4096  # more than a lab's clients ever run at once
REPLY_GRACE_S = 0.5  # how long a finished command waits for the client's EOF or close


class _CommandInbox(_Worker):
    """A lab command thread's inbox; the lab's own types stand for other machines' memory, so a
    count of the console's objects leaves them out."""


class _CommandThreads(LifoThreadPool):
    worker_type = _CommandInbox


_COMMAND_THREADS: LifoThreadPool | None = None
_COMMAND_THREADS_LOCK = threading.Lock()


def _command_threads() -> LifoThreadPool:
    """The threads every lab connection's commands run on: one is reused when idle, a new one
    starts when all are busy (a command never waits for another), idle ones end after a while."""
    global _COMMAND_THREADS
    with _COMMAND_THREADS_LOCK:
        if _COMMAND_THREADS is None:
            _COMMAND_THREADS = _CommandThreads(
                COMMAND_THREADS_MAX, thread_name_prefix="lab-command"
            )
        return _COMMAND_THREADS


def _forget_command_threads() -> None:
    """In a forked child: the parent's threads are not there, so its idle ones never answer."""
    global _COMMAND_THREADS
    _COMMAND_THREADS = None


os.register_at_fork(after_in_child=_forget_command_threads)


class ReplyBarrier:
    """Waits until the replies to the channel requests seen so far are on the wire.

    paramiko replies to a channel request on its transport thread right after the
    `check_channel_*_request` call returns. That thread handles one packet at a time, so once
    it has handled the client's answer to a global request sent after a channel request
    arrived, it has finished (and replied to) that channel request. Waiters that overlap share
    one round trip.
    """

    def __init__(self, transport: paramiko.Transport) -> None:
        self._transport = transport
        self._count_lock = threading.Lock()
        self._round_trip_lock = threading.Lock()
        self._sent = 0
        self._answered = 0

    def ticket(self) -> int:
        """Taken on the transport thread while it handles a request: the round trip to wait for."""
        with self._count_lock:
            return self._sent + 1

    def wait(self, ticket: int) -> None:
        with self._round_trip_lock:
            if self._answered >= ticket:
                return
            with self._count_lock:
                self._sent += 1
                number = self._sent
            # None when refused (as every client does) or when the transport has gone away:
            # either way the transport thread is past the request.
            self._transport.global_request(ROUND_TRIP_REQUEST, wait=True)
            self._answered = number


def _await_reply(channel: paramiko.Channel, round_trip: Callable[[], None]) -> None:
    """Return once the exec request's reply is surely on the wire, so the close may follow.

    The transport thread handles a channel's packets in wire order and replies to the exec
    request while handling it; anything it hands this channel later (the client's stdin, EOF or
    close, which wake `recv`) proves the reply went out first. Without one, a round trip does."""
    channel.settimeout(REPLY_GRACE_S)
    try:
        channel.recv(4096)
    except TimeoutError:
        round_trip()


def _close_channel(channel: paramiko.Channel) -> None:
    """Close a channel whose client may already have hung up (nothing left to tell it)."""
    try:
        channel.close()
    except _CHANNEL_GONE as exc:
        log.debug("channel %s already gone at close: %s", channel.get_id(), exc)


class LabSshServer(paramiko.ServerInterface):
    """Policy for one SSH connection to one lab machine; `answer` says what a line prints."""

    def __init__(
        self, name: str, user: str, password: str, sessions: SessionGauge | None = None
    ) -> None:
        self.name = name
        self._user = user
        self._password = password
        self.sessions = ChannelSessions(sessions or SessionGauge())
        self._pty: set[int] = set()
        self._barrier: ReplyBarrier | None = None
        self._channels: dict[int, paramiko.Channel] = {}  # sessions with a command, by id
        self._channels_lock = threading.Lock()

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        ok = hmac.compare_digest(username.encode(), self._user.encode()) & hmac.compare_digest(
            password.encode(), self._password.encode()
        )
        return AUTH_SUCCESSFUL if ok else AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            self._count_client_closes()
            self.sessions.opened(chanid)
            return OPEN_SUCCEEDED
        return OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        line = command.decode("utf-8", "replace")
        self._queue(channel, self._exec, line, "exec", reply_first=False)
        return True

    def _queue(
        self,
        channel: paramiko.Channel,
        target: Callable[[paramiko.Channel, str, Callable[[], None]], None],
        line: str,
        kind: str,
        *,
        reply_first: bool,
    ) -> None:
        """Start `target` on a command thread (an idle one, else a new one), after the request's
        reply has been sent when `reply_first`; `target` gets a function that waits for that
        reply."""
        if self._barrier is None:  # one server object per connection, so one barrier
            self._barrier = ReplyBarrier(channel.get_transport())
        barrier = self._barrier
        ticket = barrier.ticket()
        self.sessions.command_started(channel.get_id())
        with self._channels_lock:
            self._channels[channel.get_id()] = channel

        def run() -> None:
            try:
                if reply_first:
                    barrier.wait(ticket)
                target(channel, line, lambda: barrier.wait(ticket))
            except Exception:  # as a thread of its own would have reported it
                log.exception("lab machine %s: %s of %r failed", self.name, kind, line)

        _command_threads().submit(run)  # its future is dropped: `run` logs what it raises

    def _count_client_closes(self) -> None:
        """On the transport thread, before a new session counts: the closes it has already
        handled (in wire order) end their sessions now, not when their threads next run."""
        with self._channels_lock:
            closed = [chanid for chanid, ch in self._channels.items() if ch.closed]
        for chanid in closed:
            self.sessions.client_closed(chanid)

    def _finish(self, channel: paramiko.Channel) -> None:
        """The command is over: close the channel (EOF and close, as sshd does once its child
        has exited and its output is sent). The session ends here: a client opens its next
        session only after it has seen this close, so the count never holds two for one slot."""
        chanid = channel.get_id()
        self.sessions.command_ended(chanid)
        _close_channel(channel)
        self.sessions.client_closed(chanid)
        with self._channels_lock:
            self._channels.pop(chanid, None)

    def check_channel_pty_request(
        self, channel, term, width, height, pixelwidth, pixelheight, modes
    ):  # type: ignore[no-untyped-def]
        self._pty.add(channel.get_id())
        return True

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        self._queue(channel, self._shell, "", "shell", reply_first=True)
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

    def _exec(self, channel: paramiko.Channel, line: str, wait_reply: Callable[[], None]) -> None:
        try:
            reply = self._answer(line)
            if reply.stdout:
                channel.sendall(reply.stdout.encode())
            if reply.stderr:
                channel.sendall_stderr(reply.stderr.encode())
            # as with sshd, the process is gone before its exit status goes out
            self.sessions.command_ended(channel.get_id())
            channel.send_exit_status(reply.exit)
            channel.shutdown_write()
            _await_reply(channel, wait_reply)
        except _CHANNEL_GONE as exc:  # the client hung up or timed out: nobody to answer
            log.debug("%s: client left before the answer to %r: %s", self.name, line, exc)
        finally:
            self._finish(channel)

    def _shell(self, channel: paramiko.Channel, _line: str, _wait: Callable[[], None]) -> None:
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
        except _CHANNEL_GONE as exc:  # the admin closed the session
            log.debug("%s: shell session ended: %s", self.name, exc)
        finally:
            self._finish(channel)


class EsxiSshServer(LabSshServer):
    """One connection to one lab ESXi host: lines are answered from the host's state."""

    def __init__(
        self, state: HostState, user: str, password: str, sessions: SessionGauge | None = None
    ) -> None:
        super().__init__(state.name, user, password, sessions)
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


def close_transport(transport: paramiko.Transport) -> None:
    """Close a served connection now: shutting the socket wakes its reader thread, which
    otherwise notices the close only after its idle wait."""
    try:
        transport.sock.shutdown(socket.SHUT_RDWR)
    except OSError as exc:  # already gone: nothing left to wake
        log.debug("lab connection already closed: %s", exc)
    transport.close()


def _count_connection_end(transport: paramiko.Transport, server: LabSshServer) -> None:
    """When the connection ends, its sessions end as their commands do."""
    transport.join()
    server.sessions.connection_closed()


def start_session(
    conn: socket.socket,
    server: LabSshServer,
    host_key: paramiko.PKey,
    log_channel: str,
    who: str,
    logger: logging.Logger,
) -> paramiko.Transport | None:
    """Run the SSH server side on an accepted connection; None (connection closed, logged at
    debug as `who`'s) when the handshake fails."""
    try:
        conn.settimeout(None)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # read ahead: packets that came together cost one system call (the lab's hosts only)
        transport = paramiko.Transport(ReadAheadSocket(conn))  # type: ignore[arg-type]
        transport.set_log_channel(log_channel)
        transport.add_server_key(host_key)
        transport.sock.settimeout(IDLE_WAKE_S)
        transport.start_server(event=threading.Event(), server=server)
        threading.Thread(
            target=_count_connection_end, args=(transport, server), daemon=True
        ).start()
    except (OSError, paramiko.SSHException) as exc:
        logger.debug("%s: connection failed: %s", who, exc)
        conn.close()
        return None
    return transport
