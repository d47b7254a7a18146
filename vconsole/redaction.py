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
_SCHEME_TOKEN = re.compile(r"(?P<head>\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_JWT = re.compile(r"(?P<head>)\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")
_URL_CREDENTIALS = re.compile(
    r"(?P<head>\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^/\s@]+(?=@)", re.IGNORECASE
)
_SHAPES = (_LINE_PAIR, _WORD_PAIR, _SCHEME_TOKEN, _JWT, _URL_CREDENTIALS)


def forms_of(secret: str) -> set[str]:
    """The ways `secret` can appear in a log line: raw, repr-escaped, JSON-escaped."""
    forms = {
        secret,
        repr(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    return {f for f in forms if len(f) >= MIN_KNOWN_LEN}


def _known_spans(text: str, forms: set[str]) -> list[tuple[int, int]]:
    """Every occurrence of a known secret's forms in `text`, overlapping ones too."""
    spans = []
    for form in forms:
        at = text.find(form)
        while at >= 0:
            spans.append((at, at + len(form)))
            at = text.find(form, at + 1)
    return spans


def _shaped_spans(text: str) -> list[tuple[int, int]]:
    """The values of secret-shaped text (a header's, a `password=` pair's, a JWT), unmasked."""
    spans = []
    for shape in _SHAPES:
        for m in shape.finditer(text):
            if m.end("head") < m.end() and text[m.end("head") : m.end()] != MASK:
                spans.append((m.end("head"), m.end()))
    return spans


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each run of overlapping or touching spans (sorted) replaced by one mask."""
    out, done = [], 0
    for start, end in spans:
        if end <= done:
            continue
        if start > done:
            out.append(text[done:start])
            out.append(MASK)
        elif not out or out[-1] != MASK:  # overlaps the span before: one mask for both
            out.append(MASK)
        done = end
    out.append(text[done:])
    return "".join(out)


def redact(text: str, known: Iterable[str] = ()) -> str:
    """`text` with every known secret (in any of its forms) and every secret-shaped value masked."""
    forms: set[str] = set()
    for secret in known:
        if len(secret) >= MIN_KNOWN_LEN:
            forms |= forms_of(secret)
    # Both kinds are found on the same text, so a known secret that looks like a key name
    # ("pass") cannot hide the value after it, nor a masked value hide part of a known secret.
    text = _masked(text, sorted(_known_spans(text, forms) + _shaped_spans(text)))
    while any(form in text for form in forms):  # a mask joined its neighbours into a new match
        text = _masked(text, sorted(_known_spans(text, forms)))
    return text
