"""What a cache keeps when a re-read brings the same content: the objects it held, so a
console left open does not hold a fresh copy per re-read; anything different is taken."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pyVmomi import vim

from vconsole.kept import kept_if_equal, kept_refs
from vconsole.models.lacp import DvsLag

names = st.text("abcxyz-0123", min_size=1, max_size=6)
lags = st.builds(
    DvsLag,
    dvs=names,
    key=names,
    name=names,
    mode=st.sampled_from(["active", "passive"]),
    uplink_count=st.integers(1, 8),
    uplink_names=st.lists(names, max_size=3).map(tuple),
)


@given(st.lists(lags, max_size=4).map(tuple), st.lists(lags, max_size=4).map(tuple))
def test_an_equal_reread_keeps_the_cached_objects_a_different_one_is_taken(old, new) -> None:
    copy = tuple(DvsLag(**vars(lag)) for lag in old)  # equal content, other objects
    assert kept_if_equal(old, copy) is old
    got = kept_if_equal(old, new)
    assert got == new
    assert got is (old if old == new else new)
    assert kept_if_equal(None, new) is new


@given(st.dictionaries(names, st.integers(1, 40), max_size=5), st.booleans(), st.booleans())
def test_references_are_kept_only_for_the_same_objects_through_the_same_connection(
    ids, same_ids, same_stub
) -> None:
    stub, other = object(), object()
    old = {n: vim.HostSystem(f"host-{i}", stub) for n, i in ids.items()}
    moved = {n: i + (0 if same_ids else 100) for n, i in ids.items()}
    new = {n: vim.HostSystem(f"host-{i}", stub if same_stub else other) for n, i in moved.items()}
    got = kept_refs(old, new)
    assert got == new
    assert got is (old if (same_ids and same_stub) or not ids else new)
    assert kept_refs(None, new) is new
