"""Cloud Director over httpx: version negotiation, login, Bearer token, one re-login on 401.

Facts used (reference vcd-branding-api.md section 1): `GET /api/versions` needs no auth and lists
`VersionInfo` (with a `deprecated` attribute) in no particular order; from API 33.0 the login is
`POST /cloudapi/1.0.0/sessions/provider` for org System and `/cloudapi/1.0.0/sessions` for
tenants, before that `POST /api/sessions`; both take Basic `user@org:password` and answer with
the JWT in `X-VMWARE-VCLOUD-ACCESS-TOKEN` (legacy logins may only give `x-vcloud-authorization`).

TLS pinning: httpx cannot compare a thumbprint during the handshake, so the certificate is
fetched first (`TargetSlot.tls_decision`) and verification is disabled only when the pinned
thumbprint matched; every later response's certificate is compared again and a change stops
the client at once.
"""

from __future__ import annotations

import base64
import logging
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

import httpx

from vconsole.errors import (
    AuthFailed,
    CertificateMismatch,
    TargetUnreachable,
    VcdApiError,
)
from vconsole.secrets import note_secret

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import ssl

    from vconsole.sessions.slot import TargetSlot
    from vconsole.untyped import Json


class RequestOptions(TypedDict, total=False):
    """The keyword options of `VcdClient.request`, for callers that pass them through."""

    json: Json  # a JSON body (httpx takes any JSON-serialisable value)
    content: bytes | None
    headers: dict[str, str] | None
    accept: str | None
    mutating: bool


# API versions this client speaks (vCD 9.7 .. 10.6).
CLIENT_VERSIONS = (
    "32.0", "33.0", "34.0", "35.0", "35.2", "36.0", "36.1", "36.2", "36.3",
    "37.0", "37.1", "37.2", "38.0", "38.1", "39.0", "39.1",
)  # fmt: skip
CLOUDAPI_LOGIN_FROM = (33, 0)
_NS = "{http://www.vmware.com/vcloud/versions}"


def version_key(version: str) -> tuple[int, ...] | None:
    """Numeric key (`"36.10"` > `"36.9"`); None for anything not purely dotted digits (alphas)."""
    if not re.fullmatch(r"\d+(\.\d+)*", version.strip()):
        return None
    return tuple(int(part) for part in version.strip().split("."))


@dataclass(frozen=True)
class ServerVersion:
    version: str
    deprecated: bool


def parse_versions(xml_text: str) -> list[ServerVersion]:
    """`SupportedVersions` XML -> versions (namespace optional; unknown elements ignored)."""
    root = ET.fromstring(xml_text)
    out = []
    for info in root.iter():
        if info.tag not in (f"{_NS}VersionInfo", "VersionInfo"):
            continue
        node = info.find(f"{_NS}Version")
        if node is None:
            node = info.find("Version")
        text = (node.text if node is not None else None) or ""
        if not text.strip():
            continue
        deprecated = (info.get("deprecated") or "false").strip().lower() == "true"
        out.append(ServerVersion(text.strip(), deprecated))
    return out


def pick_version(
    server: list[ServerVersion], client: tuple[str, ...] = CLIENT_VERSIONS
) -> str | None:
    """Highest version both sides support that the server does not mark deprecated."""
    ours = {version_key(v) for v in client}
    best: tuple[tuple[int, ...], str] | None = None
    for sv in server:
        key = version_key(sv.version)
        if key is None or sv.deprecated or key not in ours:
            continue
        if best is None or key > best[0]:
            best = (key, sv.version)
    return best[1] if best else None


def error_detail(response: httpx.Response) -> tuple[str, str]:
    """(minorErrorCode, message) from a cloudapi JSON or legacy XML error body (may be empty)."""
    try:
        body = response.json()
        if isinstance(body, dict):
            return str(body.get("minorErrorCode", "")), str(body.get("message", ""))
    except ValueError:  # not JSON: a legacy XML error body, read below
        body = None
    text = response.text
    minor = re.search(r'minorErrorCode="([^"]*)"', text)
    message = re.search(r'message="([^"]*)"', text)
    return (minor.group(1) if minor else "", message.group(1) if message else "")


class VcdClient:
    """An authenticated Cloud Director session for one target."""

    def __init__(self, slot: TargetSlot) -> None:
        self._slot = slot
        self.version: str | None = None
        self._client: httpx.AsyncClient | None = None
        self._auth_header: tuple[str, str] | None = None
        self._thumbprint: str | None = None
        self._refresh_at: float | None = None  # when an API-token access token needs renewing
        self.logins = 0

    @property
    def target(self) -> str:
        return self._slot.name

    @property
    def connected(self) -> bool:
        """True once `connect` has opened the HTTP client, until `aclose`."""
        return self._client is not None

    @property
    def base_url(self) -> str:
        t = self._slot.target
        host = f"[{t.address}]" if ":" in t.address else t.address
        return f"{t.protocol}://{host}:{t.effective_port}"

    async def connect(self) -> None:
        t = self._slot.target
        verify: bool | ssl.SSLContext = True
        if t.protocol == "https":
            ok, self._thumbprint = await self._slot.tls_decision()
            if not ok:
                from vconsole.sessions.trust import unverified_context

                verify = unverified_context()
        hooks = {"response": [self._check_peer]} if self._thumbprint else {}
        self._client = httpx.AsyncClient(
            base_url=self.base_url, verify=verify, timeout=t.timeout, event_hooks=hooks
        )
        try:
            response = await self._client.get(
                "/api/versions", headers={"Accept": "application/*+xml"}
            )
        except httpx.HTTPError as exc:
            await self.aclose()
            raise TargetUnreachable(
                t.name, f"GET /api/versions failed: {type(exc).__name__}"
            ) from None
        if response.status_code != 200:
            await self.aclose()
            raise TargetUnreachable(
                t.name, f"GET /api/versions answered HTTP {response.status_code}"
            )
        try:
            self.version = pick_version(parse_versions(response.text))
        except ET.ParseError:
            self.version = None
        if self.version is None:
            await self.aclose()
            raise TargetUnreachable(
                t.name,
                "no API version in common (the console speaks " + ", ".join(CLIENT_VERSIONS) + ")",
            )
        await self._login()

    async def _check_peer(self, response: httpx.Response) -> None:
        from vconsole.sessions.trust import tls_thumbprint

        stream = response.extensions.get("network_stream")
        ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
        if ssl_object is None:
            return
        presented = tls_thumbprint(ssl_object.getpeercert(binary_form=True) or b"")
        if presented != (self._thumbprint or "").upper():
            raise CertificateMismatch(self.target, self.base_url, self._thumbprint or "", presented)

    async def _login(self) -> None:
        t = self._slot.target
        assert self._client is not None and self.version is not None
        if t.auth == "token":
            from vconsole.sessions.vcd_token import TOKEN_FROM, token_login

            key = version_key(self.version)
            if key is None or key < TOKEN_FROM:
                raise TargetUnreachable(
                    self.target,
                    f"API tokens need Cloud Director 10.3.1 or later (API 36.1); this one speaks "
                    f'{self.version}. Use auth = "password" for this target.',
                )
            access = await token_login(self._slot, self._client, self.version)
            self.logins += 1
            self._auth_header, self._refresh_at = access.header, access.refresh_at
            return
        org = t.org or "System"
        password = await self._slot.password()
        basic = base64.b64encode(f"{t.user}@{org}:{password}".encode()).decode("ascii")
        if version_key(self.version) >= CLOUDAPI_LOGIN_FROM:  # type: ignore[operator]
            path = "/cloudapi/1.0.0/sessions" + ("/provider" if org.lower() == "system" else "")
            accept = f"application/json;version={self.version}"
        else:
            path = "/api/sessions"
            accept = f"application/*+xml;version={self.version}"
        try:
            response = await self._client.post(
                path, headers={"Authorization": f"Basic {basic}", "Accept": accept}
            )
        except httpx.HTTPError as exc:
            raise TargetUnreachable(t.name, f"POST {path} failed: {type(exc).__name__}") from None
        self.logins += 1
        if response.status_code in (401, 403):
            self._slot.forget_password()
            raise AuthFailed(t.name, f"{t.user}@{org}", f"HTTP {response.status_code}")
        if response.status_code != 200:
            minor, message = error_detail(response)
            raise VcdApiError(t.name, response.status_code, minor, message)
        token = response.headers.get("X-VMWARE-VCLOUD-ACCESS-TOKEN")
        note_secret(token or response.headers.get("x-vcloud-authorization", ""))
        if token:
            kind = response.headers.get("X-VMWARE-VCLOUD-TOKEN-TYPE", "Bearer")
            self._auth_header = ("Authorization", f"{kind} {token}")
        elif response.headers.get("x-vcloud-authorization"):
            self._auth_header = (
                "x-vcloud-authorization",
                response.headers["x-vcloud-authorization"],
            )
        else:
            raise VcdApiError(t.name, 200, "NO_TOKEN", f"POST {path} returned no session token")

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Json = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        accept: str | None = None,
        mutating: bool = False,
    ) -> httpx.Response:
        """One API call with the negotiated version; a 401 triggers one re-login and retry."""
        slot = self._slot
        what = f"{method.upper()} {path}"
        slot.guard("vcd", what, mutating)
        if self._client is None:
            raise TargetUnreachable(self.target, "not connected")
        started = time.monotonic()
        try:
            renewed = self._refresh_at is not None and time.monotonic() >= self._refresh_at
            if renewed:
                await self._login()  # the API token's access token has run out: renew it first
            response = await self._send(method, path, json, content, headers, accept)
            if response.status_code == 401 and not renewed:
                await self._login()
                response = await self._send(method, path, json, content, headers, accept)
        except httpx.HTTPError as exc:
            slot.mark_down(f"{what}: {type(exc).__name__}")
            if mutating:
                slot.audit(
                    "vcd", what, True, f"error: {type(exc).__name__}", time.monotonic() - started
                )
            raise TargetUnreachable(self.target, f"{what} failed: {type(exc).__name__}") from None
        if mutating:
            slot.audit(
                "vcd", what, True, f"HTTP {response.status_code}", time.monotonic() - started
            )
        if response.status_code == 401:
            raise AuthFailed(self.target, slot.target.user, "token refused after a fresh login")
        slot.mark_ok()
        return response

    async def _send(self, method, path, json, content, headers, accept) -> httpx.Response:  # type: ignore[no-untyped-def]
        assert self._client is not None and self._auth_header is not None
        merged = {"Accept": accept or f"application/json;version={self.version}"}
        if accept and "version=" not in accept:
            merged["Accept"] = f"{accept};version={self.version}"
        merged[self._auth_header[0]] = self._auth_header[1]
        merged.update(headers or {})
        return await self._client.request(method, path, json=json, content=content, headers=merged)

    async def aclose(self) -> None:
        """Log out (best effort) and close the HTTP client."""
        client, self._client = self._client, None
        if client is None:
            return
        if self._auth_header is not None and self.version is not None:
            if version_key(self.version) >= (36, 0):  # type: ignore[operator]
                path = "/cloudapi/1.0.0/sessions/current"
            else:
                path = "/api/session"
            try:
                await client.delete(
                    path,
                    headers={
                        self._auth_header[0]: self._auth_header[1],
                        "Accept": f"application/json;version={self.version}",
                    },
                    timeout=5.0,
                )
            except httpx.HTTPError as exc:  # the server ends the session at its idle timeout
                log.info("Cloud Director logout failed: %s: %s", type(exc).__name__, exc)
        await client.aclose()
