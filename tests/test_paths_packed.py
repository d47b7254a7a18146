"""Rows keep each latency window as one tuple of floats, which the cyclic collector stops
tracking, and hand out a LatencyWindow on access: what the pane, `--json` and the verdicts read
is what the window object of before gave (kept here as the oracle), and a refresh's rows leave
the collector no window instance to walk."""

from __future__ import annotations

import dataclasses
import gc
import math
from collections.abc import Sequence
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.models.paths import _ROW, DeviceInfo, LatencyWindow, PathRow


@dataclasses.dataclass(frozen=True)
class OldWindow:
    """The window as a dataclass instance, as rows held it before."""

    samples: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[Any]) -> OldWindow | None:
        kept = tuple(float(v) for v in values if v is not None and v == v and v >= 0)
        return cls(kept) if kept else None

    def rank(self, pct: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(max(1, math.ceil(pct / 100 * len(ordered))), len(ordered)) - 1]

    def as_json(self) -> dict[str, Any]:
        return {
            "p50": self.rank(50),
            "p95": self.rank(95),
            "max": max(self.samples),
            "last": self.samples[-1],
            "samples": list(self.samples),
        }


VALUES = st.lists(
    st.one_of(st.floats(0, 5000), st.integers(-1, 900), st.sampled_from([None, -1, float("nan")])),
    max_size=18,
)


@settings(max_examples=150, deadline=None)
@given(VALUES, VALUES)
def test_a_rows_windows_read_back_as_the_window_object_did(read, write) -> None:
    old_read, old_write = OldWindow.of(read), OldWindow.of(write)
    row = PathRow(
        host="h",
        device="d",
        path="p",
        read=LatencyWindow.of(read),
        write=LatencyWindow.of(write),
    )
    for old, new, ms in ((old_read, row.read, row.read_ms), (old_write, row.write, row.write_ms)):
        if old is None:
            assert new is None and ms is None
            continue
        assert new is not None
        assert new.as_json() == old.as_json()
        assert (new.p50, new.p95, new.max, new.last) == (
            old.rank(50),
            old.rank(95),
            max(old.samples),
            old.samples[-1],
        )
        assert ms == new.p50 and new.samples == old.samples
        assert repr(new) == f"LatencyWindow(samples={old.samples!r})"
    doc = row.as_json()
    assert doc["read"] == (old_read and old_read.as_json())
    assert doc["read_ms"] == (old_read and old_read.rank(50))
    again = PathRow(host="h", device="d", path="p", read=row.read, write=row.write)
    assert again == row and hash(again) == hash(row)
    assert _ROW.copy(row, verdict=row.verdict) == dataclasses.replace(row)


def test_rows_and_devices_leave_the_collector_no_window_to_walk() -> None:
    window = LatencyWindow.of([1.0, 2.0, 30.0])
    row = PathRow(host="h", device="d", path="p", read=window, device_latency=window)
    device = DeviceInfo(host="h", device="d", device_latency=window, kernel_latency=window)
    del window
    gc.collect()
    for obj in (row, device):
        held = gc.get_referents(obj)
        assert not any(isinstance(o, LatencyWindow) for o in held)
        packed = [o for o in held if type(o) is tuple and o and type(o[0]) is float]
        assert packed and not any(gc.is_tracked(o) for o in packed)
    assert row.read == device.kernel_latency == LatencyWindow((1.0, 2.0, 30.0))
    assert PathRow(host="h").read is None
