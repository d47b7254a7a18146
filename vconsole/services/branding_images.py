"""Logo and icon checks: the type from the bytes (not the file name), size limit, dimensions.

Accepted types are the spec's `consumes` lists (reference §2.2): logo PNG, JPEG or SVG; icon PNG
or ICO. The 512 KB limit is 9.0's documented one; later limits are unknown (§2.4).
"""

from __future__ import annotations

import hashlib
import logging
import re
import struct

from vconsole.models.branding import ImageInfo, InputProblem

log = logging.getLogger(__name__)

ALLOWED = {
    "logo": ("image/png", "image/jpeg", "image/svg+xml"),
    "icon": ("image/png", "image/x-icon"),
}
SIZE_LIMIT = 512 * 1024


def sniff(data: bytes) -> str | None:
    """The media type the bytes really are (None when not an image the API takes)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x00\x00\x01\x00") and len(data) >= 22:
        return "image/x-icon"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "image/svg+xml"
    return None


def dimensions(content_type: str, data: bytes) -> tuple[int | None, int | None]:
    try:
        if content_type == "image/png" and len(data) >= 24:
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if content_type == "image/x-icon":
            return data[6] or 256, data[7] or 256
        if content_type == "image/jpeg":
            return _jpeg_size(data)
        if content_type == "image/svg+xml":
            text = data[:4096].decode("utf-8", "replace")
            w = re.search(r'<svg[^>]*\swidth="(\d+)', text)
            h = re.search(r'<svg[^>]*\sheight="(\d+)', text)
            return (int(w.group(1)) if w else None, int(h.group(1)) if h else None)
    except (struct.error, IndexError, ValueError) as exc:  # a truncated or odd header
        log.debug("%s header not readable (%s): size unknown", content_type, exc)
    return None, None


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            pos += 1
            continue
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        pos += 2 + length
    return None, None


def describe(kind: str, content_type: str, data: bytes) -> ImageInfo:
    width, height = dimensions(content_type, data)
    return ImageInfo(kind, content_type, len(data), width, height, hashlib.sha256(data).hexdigest())


def image_problems(
    kind: str, data: bytes, file_name: str = "", limit: int = SIZE_LIMIT
) -> list[InputProblem]:
    where = f"{kind} {file_name}".strip()
    accepted = ", ".join(ALLOWED[kind])
    if not data:
        return [InputProblem(where, "the file is empty")]
    problems = []
    content_type = sniff(data)
    if content_type is None:
        problems.append(InputProblem(where, f"not a recognised image; accepted: {accepted}"))
    elif content_type not in ALLOWED[kind]:
        problems.append(
            InputProblem(where, f"is {content_type}; a {kind} must be one of {accepted}")
        )
    if len(data) > limit:
        problems.append(
            InputProblem(
                where, f"is {len(data)} bytes; the limit is {limit} bytes ({limit // 1024} KB)"
            )
        )
    return problems
