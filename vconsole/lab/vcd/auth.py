"""Sessions of the lab's Cloud Director: Basic logins, API tokens, the two token headers, expiry.

Legacy `POST /api/sessions` returns the 32-hex `x-vcloud-authorization` id and a JWT-shaped
bearer token; cloudapi logins (33.0+) return only the bearer token (reference §1.2-§1.4).
Expiry is idle time (`scenario.vcd.token_ttl_s`), each authenticated call extends it (§1.6).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

SYSTEM_ORG = "System"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def org_urn(org: str) -> str:
    return f"urn:vcloud:org:{uuid.uuid5(uuid.NAMESPACE_DNS, 'org.' + org.lower())}"


def user_urn(user: str, org: str) -> str:
    return f"urn:vcloud:user:{uuid.uuid5(uuid.NAMESPACE_DNS, f'{user}@{org}'.lower())}"


@dataclass
class LabSession:
    id: str
    user: str
    org: str
    legacy_token: str
    bearer: str
    last_used: float

    @property
    def is_provider(self) -> bool:
        return self.org.lower() == SYSTEM_ORG.lower()

    @property
    def urn(self) -> str:
        return f"urn:vcloud:session:{self.id}"

    @property
    def roles(self) -> list[str]:
        return ["System Administrator"] if self.is_provider else ["Organization Administrator"]


@dataclass
class SessionBook:
    """Users with their passwords, and the live sessions keyed by both tokens.

    `clock` (seconds, monotonic) decides idle expiry; tests hand in one they move by hand.
    """

    ttl_s: float
    users: dict[str, str] = field(default_factory=dict)  # "user@org" (org as configured) -> pw
    _by_token: dict[str, LabSession] = field(default_factory=dict)
    _api_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # -> (user, org)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    clock: Callable[[], float] = time.monotonic

    def issue_api_token(self, user: str, org: str) -> str:
        """A new API token for `user@org`, as the portal's User preferences > API tokens makes."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._api_tokens[token] = (user, org)
        return token

    def check_api_token(self, token: str) -> tuple[str, str] | None:
        with self._lock:
            return self._api_tokens.get(token)

    def revoke_api_token(self, token: str) -> bool:
        with self._lock:
            return self._api_tokens.pop(token, None) is not None

    def check_basic(self, header: str) -> tuple[str, str] | None:
        """(user, canonical org) for a valid `Basic base64(user@org:password)`, else None."""
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        principal, sep, password = decoded.partition(":")
        user, at, org = principal.rpartition("@")
        if not (sep and at and user and org):
            return None
        for key, known_pw in self.users.items():
            k_user, _, k_org = key.rpartition("@")
            if k_user == user and k_org.lower() == org.lower():
                if secrets.compare_digest(known_pw.encode(), password.encode()):
                    return user, k_org
        return None

    def open(self, user: str, org: str) -> LabSession:
        sid = str(uuid.uuid4())
        header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
        claims = {"sub": user, "iss": f"{org_urn(org)}", "sid": sid, "typ": "Bearer"}
        payload = _b64url(json.dumps(claims).encode())
        bearer = f"{header}.{payload}.{_b64url(secrets.token_bytes(256))}"
        session = LabSession(sid, user, org, secrets.token_hex(16), bearer, self.clock())
        with self._lock:
            self._by_token[session.legacy_token] = session
            self._by_token[session.bearer] = session
        return session

    def lookup(self, token: str) -> LabSession | None:
        """The live session for a token, touching it; expired ones are dropped."""
        now = self.clock()
        with self._lock:
            session = self._by_token.get(token)
            if session is None:
                return None
            if now - session.last_used > self.ttl_s:
                self._drop(session)
                return None
            session.last_used = now
            return session

    def find(self, session_id: str) -> LabSession | None:
        with self._lock:
            for s in self._by_token.values():
                if s.id == session_id:
                    return s
        return None

    def close(self, session: LabSession) -> None:
        with self._lock:
            self._drop(session)

    def expire_all(self) -> int:
        with self._lock:
            count = len({s.id for s in self._by_token.values()})
            self._by_token.clear()
        return count

    def _drop(self, session: LabSession) -> None:
        self._by_token.pop(session.legacy_token, None)
        self._by_token.pop(session.bearer, None)


def token_from_headers(headers: Mapping[str, str]) -> str | None:
    """The token a request presents: `Authorization: Bearer …` or `x-vcloud-authorization`."""
    auth = headers.get("Authorization") or ""
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return str(value.strip())
    legacy = headers.get("x-vcloud-authorization")
    if legacy:
        return str(legacy).strip()
    return None
