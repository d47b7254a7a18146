"""Real servers for session tests: an OpenSSH sshd on loopback, a silent TCP listener, vcsim.

`running_sshd()` is reusable by any test that needs a real SSH host: it writes its own config,
host key and client key into a temp dir and runs Debian's /usr/sbin/sshd on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SSHD = Path("/usr/sbin/sshd")
PASSWORD_USER = "vconsoletest"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A loopback test server's request handler: `answer` sends a 200; no log lines."""

    def answer(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def wait_for_port(port: int, timeout: float = 10.0, banner: bytes | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if banner is None or s.recv(64).startswith(banner):
                    return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port}")


def keygen(path: Path, kind: str = "ed25519") -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return path


def ensure_password_user(password: str) -> str | None:
    """Create (once) a throwaway local user for password-auth tests; None when not root."""
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        return None
    if subprocess.run(["id", PASSWORD_USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "-M", "-d", "/", "-s", "/bin/sh", PASSWORD_USER], check=True)
    subprocess.run(["chpasswd"], input=f"{PASSWORD_USER}:{password}\n", text=True, check=True)
    return PASSWORD_USER


class _ServerProcess:
    """A server started as a child process; stopping it can also cut its open sessions."""

    process: Any = None

    def session_pids(self) -> list[int]:
        """Per-connection sshd processes forked by this server (they outlive the listener)."""
        if self.process is None:
            return []
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found

    def stop(self, *, drop_sessions: bool = False) -> None:
        """Stop listening; with `drop_sessions` also cut open connections (a host reboot)."""
        if self.process is not None:
            if drop_sessions:
                for pid in self.session_pids():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, 9)
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


@dataclass
class SshServer(_ServerProcess):
    """A running sshd: where it listens, its host key and a client key root may log in with."""

    host: str
    port: int
    directory: Path
    host_key: Path
    client_key: Path
    process: subprocess.Popen[bytes] | None = None
    extra_config: str = ""

    def config_text(self) -> str:
        d = self.directory
        return "\n".join(
            [
                f"Port {self.port}",
                f"ListenAddress {self.host}",
                f"HostKey {self.host_key}",
                f"PidFile {d / 'sshd.pid'}",
                f"AuthorizedKeysFile {d / 'authorized_keys'}",
                "StrictModes no",
                "UsePAM no",
                "PermitRootLogin yes",
                "PasswordAuthentication yes",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "UseDNS no",
                "PrintMotd no",
                "PrintLastLog no",
                "LogLevel ERROR",
                self.extra_config,
                "",
            ]
        )

    def start(self) -> None:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # Debian's privilege separation dir
        config = self.directory / "sshd_config"
        config.write_text(self.config_text())
        self.process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.directory / "sshd.log", "ab"),  # noqa: SIM115
        )
        wait_for_port(self.port, banner=b"SSH-2.0")

    def restart_with_new_host_key(self) -> None:
        """Same address and port, different host key: what a reinstalled host (or an impostor) shows."""
        self.stop()
        self.host_key.unlink()
        self.host_key.with_suffix(".pub").unlink()
        keygen(self.host_key)
        self.start()

    def known_hosts_line(self) -> str:
        kind, blob = self.host_key.with_suffix(".pub").read_text().split()[:2]
        return f"[{self.host}]:{self.port} {kind} {blob}\n"


@contextlib.contextmanager
def running_sshd(directory: Path, *, extra_config: str = "") -> Iterator[SshServer]:
    """Start sshd on a free loopback port with its own keys; stops it on exit."""
    directory.mkdir(parents=True, exist_ok=True)
    host_key = keygen(directory / "host_ed25519")
    client_key = keygen(directory / "client_ed25519")
    (directory / "authorized_keys").write_text(client_key.with_suffix(".pub").read_text())
    server = SshServer(
        "127.0.0.1", free_port(), directory, host_key, client_key, extra_config=extra_config
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def silent_listener() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word (a hung sshd, a black hole)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        sock.close()


# -- vcsim ------------------------------------------------------------------------------------
VCSIM_SOURCE = """\
// Minimal vcsim for session tests: fixed listen address and credentials, plain HTTP.
package main

import (
\t"crypto/tls"
\t"flag"
\t"fmt"
\t"net/url"
\t"os"
\t"os/signal"
\t"syscall"

\t"github.com/vmware/govmomi/simulator"
)

func main() {
\tlisten := flag.String("l", "127.0.0.1:0", "listen address")
\tuser := flag.String("u", "user", "user name")
\tpass := flag.String("p", "pass", "password")
\tuseTLS := flag.Bool("tls", false, "serve https with the simulator's self-signed certificate")
\tflag.Parse()
\tmodel := simulator.VPX()
\tif err := model.Create(); err != nil {
\t\tfmt.Fprintln(os.Stderr, err)
\t\tos.Exit(1)
\t}
\tmodel.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*user, *pass)}
\tif *useTLS {
\t\tmodel.Service.TLS = new(tls.Config)
\t} else {
\t\tmodel.Service.TLS = nil
\t}
\ts := model.Service.NewServer()
\tfmt.Println(s.URL.String())
\tsig := make(chan os.Signal, 1)
\tsignal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
\t<-sig
\ts.Close()
\tmodel.Remove()
}
"""


def vcsim_binary() -> Path | None:
    """Build (once, cached under ~/.cache/vconsole) a small vcsim from Debian's govmomi sources."""
    if (
        shutil.which("go") is None
        or not Path("/usr/share/gocode/src/github.com/vmware/govmomi").is_dir()
    ):
        return None
    digest = hashlib.sha256(VCSIM_SOURCE.encode()).hexdigest()[:12]
    cache = Path.home() / ".cache" / "vconsole" / "vcsim-test"
    binary = cache / f"vcsim-{digest}"
    if binary.exists():
        return binary
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "main.go").write_text(VCSIM_SOURCE)
    env = dict(
        os.environ,
        GOPATH="/usr/share/gocode",
        GO111MODULE="off",
        GOCACHE=str(cache.parent / "gocache"),
    )
    subprocess.run(
        ["go", "build", "-o", str(binary), "main.go"],
        cwd=cache,
        env=env,
        check=True,
        capture_output=True,
    )
    return binary


@dataclass
class VcsimServer(_ServerProcess):
    binary: Path
    port: int
    user: str = "vcuser"
    password: str = "vc-secret-5150"
    tls: bool = False
    process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(self.binary),
                "-l",
                f"127.0.0.1:{self.port}",
                "-u",
                self.user,
                "-p",
                self.password,
                *(["-tls"] if self.tls else []),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.process.stdout.readline()
        wait_for_port(self.port)


@contextlib.contextmanager
def running_vcsim(tls: bool = False) -> Iterator[VcsimServer]:
    binary = vcsim_binary()
    if binary is None:
        import pytest

        pytest.skip("vcsim needs golang-go and golang-github-vmware-govmomi-dev")
    server = VcsimServer(binary, free_port(), tls=tls)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- profiles and managers for tests -----------------------------------------------------------
def ssh_target(server: SshServer, name: str = "esx01", **options: object) -> object:
    from vconsole.config import TargetConfig

    values: dict[str, object] = {
        "name": name,
        "kind": "esxi",
        "address": server.host,
        "port": server.port,
        "user": "root",
        "key_file": str(server.client_key),
        "timeout": 10.0,
    }
    values.update(options)
    return TargetConfig(**values)  # type: ignore[arg-type]


def make_manager(
    tmp: Path,
    targets: list,
    *,
    read_only: bool = False,
    passwords: dict | None = None,
    **kwargs: object,
):  # type: ignore[no-untyped-def]
    """A manager whose trust, audit and secrets all live under `tmp` (no keyring, no prompts)."""
    from vconsole.audit import AuditLog
    from vconsole.config import Profile
    from vconsole.secrets import SecretStore, env_var_name
    from vconsole.sessions import SessionManager

    environ = {env_var_name(name): pw for name, pw in (passwords or {}).items()}
    secrets = SecretStore("test", use_keyring=False, environ=environ)
    profile = Profile("test", tuple(targets), source=None)
    return SessionManager(
        profile,
        read_only,
        secrets=secrets,
        audit=AuditLog(tmp / "audit.jsonl", redact=secrets.redact),
        known_hosts_path=tmp / "known_hosts",
        **kwargs,  # type: ignore[arg-type]
    )


async def accept_all(prompt: object) -> bool:
    return True


def running_locally(*argv: str) -> bool:
    """A process with exactly this argv exists (the sshd under test runs on this machine)."""
    wanted = ("\0".join(argv) + "\0").encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if cmdline.read_bytes() == wanted:
                return True
        except OSError:  # the process ended while we looked
            continue
    return False
