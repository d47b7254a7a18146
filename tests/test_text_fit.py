"""Cells at 80 columns: text is cut at a word boundary, never mid-word, and says it was cut."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.text_fit import clip_words

words = st.lists(st.text(alphabet="abcdefgh-:", min_size=1, max_size=9), min_size=1, max_size=12)


@settings(max_examples=80)
@given(words, st.integers(min_value=12, max_value=60))
def test_clipped_text_fits_and_keeps_whole_words(parts: list[str], width: int) -> None:
    text = " ".join(parts)
    out = clip_words(text, width)
    assert len(out) <= width
    if out == text:
        return
    assert out.endswith("…")
    kept = out[:-1].split()
    if len(parts[0]) >= width - 1:  # one word longer than the cell: its start is shown
        assert parts[0].startswith(kept[0])
        return
    assert kept[:-1] == parts[: len(kept) - 1]
    last = parts[len(kept) - 1]
    assert kept[-1] == last or (kept[-1] == last[:-1] and last[-1] in ",;:")


def test_short_text_is_untouched_and_spaces_are_flattened() -> None:
    assert clip_words("path  vmhba64:C3:T0:L0\nis dead", 40) == "path vmhba64:C3:T0:L0 is dead"
    assert clip_words("vmnic3 is Stand-alone: no LACP partner", 30) == "vmnic3 is Stand-alone: no…"
