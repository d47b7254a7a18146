"""Real SSH access to lab ESXi hosts for tests: one paramiko client per host, host key pinned."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import paramiko

from vconsole.lab.esxi import EsxiLab


@dataclass(frozen=True)
class Answer:
    stdout: str
    stderr: str
    exit: int

    @property
    def lines(self) -> list[str]:
        return self.stdout.split("\n")


class LabShell:
    """Runs command lines on lab hosts over SSH, trusting only the lab's own host key."""

    def __init__(self, lab: EsxiLab) -> None:
        self.lab = lab
        self._clients: dict[str, paramiko.SSHClient] = {}

    def client(self, host: str) -> paramiko.SSHClient:
        if host not in self._clients:
            addr, port = self.lab.endpoints[host]
            sock = socket.create_connection((addr, port), timeout=10)
            # Without this, each sequential command waits ~40 ms on Nagle + delayed ACK.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c = paramiko.SSHClient()
            key = self.lab.host_key
            c.get_host_keys().add(f"[{addr}]:{port}", key.get_name(), key)
            c.set_missing_host_key_policy(paramiko.RejectPolicy())
            c.connect(
                addr,
                port,
                username=self.lab.user,
                password=self.lab.password,
                look_for_keys=False,
                allow_agent=False,
                timeout=10,
                sock=sock,
            )
            self._clients[host] = c
        return self._clients[host]

    def run(self, host: str, line: str, timeout: float = 60) -> Answer:
        _, out, err = self.client(host).exec_command(line, timeout=timeout)
        stdout = out.read().decode()
        stderr = err.read().decode()
        code = out.channel.recv_exit_status()
        out.channel.close()
        return Answer(stdout, stderr, code)

    def forget(self, host: str) -> None:
        c = self._clients.pop(host, None)
        if c is not None:
            c.close()

    def close(self) -> None:
        for host in list(self._clients):
            self.forget(host)
