"""The console's typed errors, in a core module of their own so every layer (config, sessions,
services, screens) can raise and catch them without importing another layer.

Each error carries a short `title` (for a dialog or a CLI prefix) and a message an admin can act
on. Messages never contain a password or token: they are built only from target names,
addresses, fingerprints and command lines, which are not secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class VconsoleError(Exception):
    """Base of every error the console shows to an admin."""

    title = "Error"

    def __init__(self, message: str, *, target: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.target = target

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a config file, with where it is and what would be accepted."""

    path: Path | None
    line: int | None
    field: str
    message: str
    accepted: str = ""

    def __str__(self) -> str:
        where = f"{self.path or '<config>'}:{self.line or '?'}"
        tail = f" (accepted: {self.accepted})" if self.accepted else ""
        return f"{where}: {self.field}: {self.message}{tail}"


class ConfigError(VconsoleError):
    """The configuration file cannot be used; `problems` lists every issue found."""

    title = "Configuration problem"

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems] or ["unknown problem"]
        super().__init__("\n".join(lines))


class UnknownTarget(VconsoleError):
    title = "Unknown target"

    def __init__(self, name: str, known: list[str]) -> None:
        choices = ", ".join(sorted(known)) or "(none configured)"
        super().__init__(f"no target named {name!r} in this profile; known: {choices}", target=name)


class WrongTargetKind(VconsoleError):
    title = "Wrong kind of target"

    def __init__(self, name: str, kind: str, wanted: str) -> None:
        super().__init__(f"target {name!r} is a {kind} target; this needs {wanted}", target=name)


class TargetUnreachable(VconsoleError):
    title = "Target unreachable"

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"{target}: {reason}", target=target)
        self.reason = reason


class AuthFailed(VconsoleError):
    title = "Login failed"

    def __init__(self, target: str, user: str | None, detail: str = "") -> None:
        who = f" as {user!r}" if user else ""
        extra = f" ({detail})" if detail else ""
        super().__init__(f"{target}: login{who} was refused{extra}", target=target)


class SecretUnavailable(VconsoleError):
    title = "No password"

    def __init__(self, target: str, hint: str, *, what: str = "password") -> None:
        super().__init__(f"{target}: no {what} available. {hint}", target=target)
        if what != "password":
            self.title = f"No {what}"


NEW_API_TOKEN_HINT = (
    "Make a new one in the Cloud Director portal (User preferences > API tokens) and store it "
    "with `vconsole config set-token {target}`."
)


class ApiTokenRefused(VconsoleError):
    """Cloud Director would not trade the API token for an access token (revoked, wrong org...)."""

    title = "API token refused"

    def __init__(self, target: str, org: str, detail: str, *, why: str = "") -> None:
        cause = why or "it was revoked, has expired, or belongs to another organization"
        super().__init__(
            f"{target}: Cloud Director refused the API token for organization {org!r} ({detail}): "
            f"{cause}. " + NEW_API_TOKEN_HINT.format(target=target),
            target=target,
        )
        self.org = org


class TrustError(VconsoleError):
    """Base for host key and certificate decisions the admin has to make or that were refused."""

    title = "Trust problem"


class UnknownHostKey(TrustError):
    title = "Unknown SSH host key"

    def __init__(self, target: str, host: str, key_type: str, fingerprint: str) -> None:
        super().__init__(
            f"{target}: the SSH host key of {host} is not known yet ({key_type} {fingerprint}); "
            "confirm it to trust it",
            target=target,
        )
        self.host = host
        self.key_type = key_type
        self.fingerprint = fingerprint


class HostKeyChanged(TrustError):
    title = "SSH host key CHANGED"

    def __init__(self, target: str, host: str, expected: str, presented: str) -> None:
        super().__init__(
            f"{target}: REFUSED - the SSH host key of {host} changed: known {expected}, "
            f"presented {presented}. This can be a reinstalled host or an impostor; if the "
            "change is expected, remove the old entry from the console's known_hosts.",
            target=target,
        )
        self.host = host
        self.expected = expected
        self.presented = presented


class UnknownCertificate(TrustError):
    title = "Untrusted certificate"

    def __init__(self, target: str, address: str, thumbprint: str) -> None:
        super().__init__(
            f"{target}: the TLS certificate of {address} is not trusted (SHA-256 {thumbprint}); "
            "confirm it to pin it",
            target=target,
        )
        self.address = address
        self.thumbprint = thumbprint


class CertificateMismatch(TrustError):
    title = "Certificate CHANGED"

    def __init__(self, target: str, address: str, pinned: str, presented: str) -> None:
        super().__init__(
            f"{target}: REFUSED - {address} presented certificate {presented}, but {pinned} is "
            "pinned for it. Re-pin only if the certificate was replaced on purpose.",
            target=target,
        )
        self.pinned = pinned
        self.presented = presented


class ReadOnlyRefused(VconsoleError):
    title = "Read-only"

    def __init__(self, target: str, what: str, why: str) -> None:
        super().__init__(f"{target}: refused {what!r}: {why} is read-only", target=target)
        self.what = what


class CommandTimeout(VconsoleError):
    title = "Command timed out"

    def __init__(self, target: str, what: str, timeout_s: float) -> None:
        super().__init__(f"{target}: no answer to {what!r} within {timeout_s:g} s", target=target)
        self.timeout_s = timeout_s


class CommandNotCaptured(VconsoleError):
    title = "Not in capture"

    def __init__(self, target: str, line: str, capture: str) -> None:
        super().__init__(
            f"{target}: the capture {capture} has no output for {line!r}; re-capture the host "
            "with a console version that runs this command",
            target=target,
        )
        self.line = line


class VcdApiError(VconsoleError):
    title = "Cloud Director error"

    def __init__(self, target: str, status: int, minor: str, message: str) -> None:
        super().__init__(f"{target}: HTTP {status} {minor}: {message}".rstrip(": "), target=target)
        self.status = status
        self.minor = minor


class InvalidToken(VconsoleError, ValueError):
    """A value meant for a command line failed validation; names the field and what is accepted."""

    title = "Invalid value"

    def __init__(self, field: str, value: object, accepted: str) -> None:
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        super().__init__(f"{field}: {shown} is not accepted; expected {accepted}")
        self.field = field
        self.value = value
        self.accepted = accepted
