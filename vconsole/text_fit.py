"""Fitting text into a cell at 80 columns: cut at a word boundary and say so with an ellipsis."""

from __future__ import annotations


def clip_words(text: str, width: int) -> str:
    """`text` on one line in at most `width` characters, never cut mid-word (unless one word
    is longer than the whole cell); a cut ends in `…`."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    if width <= 1:
        return "…"[:width]
    room = flat[: width - 1]
    cut = room.rsplit(" ", 1)[0] if " " in room and flat[width - 1] != " " else room
    cut = cut.rstrip(" ")
    if len(cut) > 1 and cut[-1] in ",;:":
        cut = cut[:-1]
    return (cut or room) + "…"
