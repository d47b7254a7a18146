"""`SshLab`: what every lab machine served over SSH shares (the ESXi hosts, the Bitfusion
client VM): its login, the lab host key, the with-block, and admitting a new session under the
lab's lock so a machine that went down meanwhile does not keep it."""

from __future__ import annotations

import logging
import secrets
import socket
import threading
from pathlib import Path
from typing import TypeVar

import paramiko

from vconsole.lab.esxi.hostkey import load_or_create_host_key, sha256_fingerprint
from vconsole.lab.esxi.server import LabSshServer, close_transport, start_session
from vconsole.lab.scenario import Scenario

LAB_USER = "root"

_Lab = TypeVar("_Lab", bound="SshLab")


def quiet_transport_log(module: str) -> str:
    """paramiko's log channel for `module`'s sessions. paramiko logs a client hanging up as an
    error; a NullHandler keeps that out of a bare stderr (an app that configures logging still
    sees it through propagation)."""
    channel = f"{module}.ssh"
    logging.getLogger(channel).addHandler(logging.NullHandler())
    return channel


class SshLab:
    """Base of the lab's SSH machines; `start`, `stop` and `_admit` are theirs."""

    def __init__(
        self,
        scenario: Scenario,
        state_dir: Path,
        bind: str,
        user: str,
        password: str | None,
        log: logging.Logger,
    ) -> None:
        self.scenario = scenario
        self.state_dir = Path(state_dir)
        self.bind = bind
        self.user = user
        self.password = password or secrets.token_urlsafe(16)
        self._log = log
        self._transport_log = quiet_transport_log(log.name)
        self._key: paramiko.PKey | None = None
        self._lock = threading.Lock()

    @property
    def host_key(self) -> paramiko.PKey:
        if self._key is None:
            self._key = load_or_create_host_key(self.state_dir)
        return self._key

    @property
    def host_key_fingerprint(self) -> str:
        return sha256_fingerprint(self.host_key)

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self: _Lab) -> _Lab:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve_session(
        self, conn: socket.socket, server: LabSshServer, who: str, machine: str = ""
    ) -> None:
        """Run the SSH server side on an accepted connection and keep the session, unless
        `_admit` refuses it (the machine went down while the connection was accepted)."""
        transport = start_session(conn, server, self.host_key, self._transport_log, who, self._log)
        if transport is None:
            return
        with self._lock:
            if not self._admit(machine, transport):
                close_transport(transport)

    def _admit(self, machine: str, transport: paramiko.Transport) -> bool:
        """Under the lock: keep `machine`'s new session, or False to have it closed."""
        raise NotImplementedError
