"""API versions the lab's Cloud Director offers, the `/api/versions` XML and Accept parsing.

The list follows the reference (vcd-branding-api.md §1.1): numeric order from 20.0 up to the
scenario's version, then the legacy 5.x/9.0 entries at the end as a real 10.4 server lists them.
Which versions carry `deprecated="true"` differs between real releases; the rule here (below
30.0, or more than five majors behind) is a reconstruction that keeps the PowerShell module's
string-sorted pick correct. The alpha entry appears only in the 406 message, as observed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

KNOWN_VERSIONS = (
    "20.0", "21.0", "22.0", "23.0", "24.0", "25.0", "26.0", "27.0", "28.0", "29.0",
    "30.0", "31.0", "32.0", "33.0", "34.0", "35.0", "35.2", "36.0", "36.1", "36.2", "36.3",
    "37.0", "37.1", "37.2", "38.0", "38.1", "39.0", "39.1",
)  # fmt: skip
LEGACY_TAIL = ("5.5", "5.6", "9.0")

CLOUDAPI_LOGIN_FROM = 33.0
PROVIDER_LOGIN_URL_FROM = 36.0


def as_number(version: str) -> float:
    """`37.2` -> 37.2, `37.0.0-alpha` -> 37.0; used for added-in comparisons only."""
    match = re.match(r"(\d+)\.(\d+)", version)
    if not match:
        raise ValueError(f"not an API version: {version!r}")
    return int(match.group(1)) + int(match.group(2)) / 10


@dataclass(frozen=True)
class ApiVersion:
    version: str
    deprecated: bool

    @property
    def number(self) -> float:
        return as_number(self.version)


def supported_versions(max_version: str) -> list[ApiVersion]:
    """Versions in `/api/versions` order for a server whose newest API is `max_version`."""
    top = as_number(max_version)
    top_major = int(top)
    listed = [v for v in KNOWN_VERSIONS if as_number(v) <= top]
    if max_version not in listed:
        listed.append(max_version)

    def deprecated(v: str) -> bool:
        major = int(as_number(v))
        return major < 30 or major < top_major - 5

    out = [ApiVersion(v, deprecated(v)) for v in listed]
    out += [ApiVersion(v, True) for v in LEGACY_TAIL]
    return out


def alpha_version(max_version: str) -> str:
    return f"{int(as_number(max_version)) + 1}.0.0-alpha"


def accepted_versions(max_version: str) -> set[str]:
    """Every string a client may put after `version=` and be served."""
    return {v.version for v in supported_versions(max_version)} | {alpha_version(max_version)}


def supported_list_text(max_version: str) -> str:
    """The bracketed list a 406 message carries: newest first, `[D]` after deprecated ones."""
    versions = sorted(supported_versions(max_version), key=lambda v: v.number, reverse=True)
    parts = [alpha_version(max_version)] + [
        f"{v.version} [D]" if v.deprecated else v.version for v in versions
    ]
    return "[" + ", ".join(parts) + "]"


def versions_xml(max_version: str, base_url: str) -> str:
    """The `SupportedVersions` document, shaped like the reference's verbatim 10.4 excerpt."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<SupportedVersions xmlns="http://www.vmware.com/vcloud/versions">',
    ]
    for v in supported_versions(max_version):
        if v.number >= CLOUDAPI_LOGIN_FROM:
            login = f"{base_url}/cloudapi/1.0.0/sessions"
        else:
            login = f"{base_url}/api/sessions"
        lines.append(f'  <VersionInfo deprecated="{str(v.deprecated).lower()}">')
        lines.append(f"    <Version>{escape(v.version)}</Version>")
        lines.append(f"    <LoginUrl>{escape(login)}</LoginUrl>")
        if v.number >= PROVIDER_LOGIN_URL_FROM:
            provider = f"{base_url}/cloudapi/1.0.0/sessions/provider"
            lines.append(f"    <ProviderLoginUrl>{escape(provider)}</ProviderLoginUrl>")
        lines.append("  </VersionInfo>")
    lines.append("</SupportedVersions>")
    return "\n".join(lines) + "\n"


_VERSION_PARAM = re.compile(r";\s*version\s*=\s*([^;,\s]*)", re.IGNORECASE)


def requested_version(accept: str | None) -> str | None:
    """The `version=` value of an Accept header: None when absent, "" when empty."""
    if not accept:
        return None
    match = _VERSION_PARAM.search(accept)
    if match is None:
        return None
    return match.group(1).strip().strip('"')


def accepted_media_types(accept: str | None) -> list[str]:
    """Media types named in Accept, parameters dropped, lower case (`*/*` when absent)."""
    if not accept:
        return ["*/*"]
    return [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]


def media_type_allowed(accept: str | None, offered: str) -> bool:
    """Whether an Accept header admits `offered` (e.g. `image/png`), with wildcards."""
    main, _, sub = offered.partition("/")
    for wanted in accepted_media_types(accept):
        w_main, _, w_sub = wanted.partition("/")
        if w_main in ("*", main) and (w_sub in ("*", sub) or w_sub.endswith("+" + sub)):
            return True
        if w_main == main and w_sub.startswith("*+"):
            return True
    return False
