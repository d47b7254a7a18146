"""Scrubbing secrets out of text bound for the debug log: known values and the shapes secrets take.

Known values are the passwords and tokens this run was given (`secrets.known_secrets`), in the
forms a log line may carry them: as is, `repr`-escaped and JSON-escaped. Shapes catch what no
store knows: Authorization and Cookie headers, `password=`-style pairs, bearer tokens, JWTs and
credentials in URLs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

MASK = "***"
# Shorter values are not masked: a 3-character secret would blank every such word in the log.
MIN_KNOWN_LEN = 4

# Keys whose value is one word (a `password=...` pair, a JSON field).
_WORD_KEYS = (
    r"password|passwd|pwd|passphrase|secret|client[_-]?secret|token|api[_-]?token"
    r"|access[_-]?token|refresh[_-]?token|id[_-]?token|api[_-]?key|session[_-]?id"
    r"|jsessionid|vmware_soap_session|vmware-api-session-id"
)
# Header names whose unquoted value runs to the end of the line (`Cookie: a=1; b=2`).
_LINE_KEYS = (
    r"authorization|proxy-authorization|cookie|set-cookie|x-vcloud-authorization"
    r"|x-vmware-vcloud-access-token"
)
_MASKED = re.escape(MASK)  # masked already: redact() may run twice over one text
_QUOTED = r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'"""
_LINE_PAIR = re.compile(
    rf"""(?P<head>(?<![\w-])(["']?)(?:{_LINE_KEYS})\2\s*[:=]\s*)(?:{_MASKED}|{_QUOTED}|[^\n]*)""",
    re.IGNORECASE,
)
_WORD_PAIR = re.compile(
    rf"""(?P<head>(?<![\w-])(["']?)(?:{_WORD_KEYS})\2\s*[:=]\s*)"""
    rf"""(?:{_QUOTED}|[^\s,;&}}\])'"]+)""",
    re.IGNORECASE,
)
_SCHEME_TOKEN = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")
_URL_CREDENTIALS = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^/\s@]+@", re.IGNORECASE)
_KEEP_HEAD = rf"\g<head>{MASK}"


def forms_of(secret: str) -> set[str]:
    """The ways `secret` can appear in a log line: raw, repr-escaped, JSON-escaped."""
    forms = {
        secret,
        repr(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    return {f for f in forms if len(f) >= MIN_KNOWN_LEN}


def redact(text: str, known: Iterable[str] = ()) -> str:
    """`text` with every known secret (in any of its forms) and every secret-shaped value masked."""
    forms: set[str] = set()
    for secret in known:
        if len(secret) >= MIN_KNOWN_LEN:
            forms |= forms_of(secret)
    for form in sorted(forms, key=len, reverse=True):
        while (
            form in text
        ):  # a mask can join the text around it into a new match; each pass shrinks
            text = text.replace(form, MASK)
    text = _LINE_PAIR.sub(_KEEP_HEAD, text)
    text = _WORD_PAIR.sub(_KEEP_HEAD, text)
    text = _SCHEME_TOKEN.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _JWT.sub(MASK, text)
    return _URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}{MASK}@", text)
