"""Trust decisions: the console's own SSH known_hosts and TLS certificate thumbprints.

SSH host keys are kept in the console's known_hosts (OpenSSH format), never auto-added: an
unknown key is put to the admin (trust on first use) and a changed key is refused. TLS is
verified against the system CAs first; a certificate that fails verification is accepted only
when its SHA-256 thumbprint equals the one pinned in the target's config.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import socket
import ssl
import threading
from pathlib import Path

import paramiko

from vconsole import paths
from vconsole.errors import HostKeyChanged, UnknownHostKey

log = logging.getLogger(__name__)


def ssh_fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH-style fingerprint, e.g. `SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU`."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def host_entry(host: str, port: int) -> str:
    """known_hosts name for a host: bare on port 22, `[host]:port` otherwise (as OpenSSH does)."""
    return host if port == 22 else f"[{host}]:{port}"


class KnownHosts:
    """The console's known_hosts file; thread-safe, saved on every change."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.known_hosts_path()
        self._lock = threading.Lock()
        self._keys = paramiko.HostKeys()
        if self.path.exists():
            self._keys.load(str(self.path))

    def known_types(self, host: str, port: int) -> list[str]:
        with self._lock:
            entry = self._keys.lookup(host_entry(host, port))
            return list(entry.keys()) if entry else []

    def check(self, target: str, host: str, port: int, key: paramiko.PKey) -> bool:
        """True when the key is known; False when the host is new; raises on a changed key."""
        with self._lock:
            entry = self._keys.lookup(host_entry(host, port))
        if not entry:
            return False
        known = entry.get(key.get_name())
        if known is None:
            other = next(iter(entry.values()))
            raise HostKeyChanged(
                target, host_entry(host, port), ssh_fingerprint(other), ssh_fingerprint(key)
            )
        if known.asbytes() != key.asbytes():
            raise HostKeyChanged(
                target, host_entry(host, port), ssh_fingerprint(known), ssh_fingerprint(key)
            )
        return True

    def add(self, host: str, port: int, key: paramiko.PKey) -> None:
        with self._lock:
            self._keys.add(host_entry(host, port), key.get_name(), key)
            paths.ensure_dir(self.path.parent)
            tmp = self.path.with_suffix(".tmp")
            self._keys.save(str(tmp))
            tmp.replace(self.path)

    def unknown(self, target: str, host: str, port: int, key: paramiko.PKey) -> UnknownHostKey:
        return UnknownHostKey(target, host_entry(host, port), key.get_name(), ssh_fingerprint(key))


def tls_thumbprint(der: bytes) -> str:
    """SHA-256 of a DER certificate in the upper-case colon form admins compare by eye."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def fetch_certificate(host: str, port: int, timeout: float) -> tuple[bytes, bool]:
    """The peer's DER certificate and whether it passed normal verification (CAs + hostname)."""
    try:
        verified = ssl.create_default_context()
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with verified.wrap_socket(raw, server_hostname=host) as tls:
                return tls.getpeercert(binary_form=True) or b"", True
    except ssl.SSLCertVerificationError as exc:  # self-signed: fetched again for pinning
        log.info("%s:%d: certificate not trusted by the system: %s", host, port, exc.verify_message)
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=timeout) as raw:
        with unverified.wrap_socket(raw, server_hostname=host) as tls:
            return tls.getpeercert(binary_form=True) or b"", False


def unverified_context() -> ssl.SSLContext:
    """A context for a connection whose certificate was checked against a pinned thumbprint."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
