"""The latency window a host keeps between refreshes: whatever order and overlap the polls
bring, it holds what the plain "newest N timestamps, latest value wins" reading would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.models.paths import LatencyWindow, percentile
from vconsole.services.paths_perf import _Window
from vconsole.services.paths_vcenter import PATH_READ, PATH_WRITE, HostLatency

SLOTS = [(PATH_READ, "p0"), (PATH_READ, "p1"), (PATH_WRITE, "p0")]


@st.composite
def polls(draw: st.DrawFn) -> list[HostLatency]:
    """Answers as QueryPerf gives them: ascending 20 s stamps, a series per instance asked."""
    out = []
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, 30))
        stamps = tuple(float(20 * (start + i)) for i in range(draw(st.integers(0, 8))))
        series: dict[str, dict[str, tuple[float, ...]]] = {}
        for counter, instance in draw(st.lists(st.sampled_from(SLOTS), unique=True)):
            values = draw(st.lists(st.floats(-1, 500), min_size=len(stamps), max_size=len(stamps)))
            series.setdefault(counter, {})[instance] = tuple(values)
        out.append(HostLatency(series, len(stamps), stamps))
    return out


def expected(answers: list[HostLatency], size: int) -> dict[tuple[str, str], tuple[float, ...]]:
    held: dict[tuple[str, str], dict[float, float]] = {}
    stamps: list[float] = []
    for found in answers:
        if not found.timestamps:
            continue
        for counter, by_instance in found.series.items():
            for instance, values in by_instance.items():
                held.setdefault((counter, instance), {}).update(
                    zip(found.timestamps, values, strict=True)
                )
        stamps = sorted(set(stamps) | set(found.timestamps))[-size:]
        for slot in held.values():
            for ts in [t for t in slot if t not in stamps]:
                del slot[ts]
    return {key: tuple(slot.get(ts, -1.0) for ts in stamps) for key, slot in held.items()}


@settings(max_examples=150, deadline=None)
@given(polls(), st.integers(1, 15))
def test_window_holds_the_newest_samples_whatever_the_polls(answers, size) -> None:
    window = _Window(size)
    for found in answers:
        window.merge(found)
        window.latency()  # read between polls, as every refresh does
    got = window.latency()
    want = expected(answers, size)
    assert {(c, i): v for c, by in got.series.items() for i, v in by.items()} == want
    assert len(got.timestamps) == got.sample_count <= size
    assert list(got.timestamps) == sorted(got.timestamps)


class OracleWindow:
    """The window as it was before polls were appended in place: every merge sorts the union
    of stamps, slides every series and rewrites each one a poll answered."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.values: dict[tuple[str, str], tuple[float, ...]] = {}
        self.stamps: list[float] = []

    def merge(self, found: HostLatency) -> None:
        stamps = found.timestamps
        if not stamps:
            return
        merged = sorted(set(self.stamps) | set(stamps))[-self.size :]
        if merged != self.stamps:
            old, self.stamps = self.stamps, merged
            at_old = {ts: i for i, ts in enumerate(merged)}
            for key, slot in self.values.items():
                row = [-1.0] * len(merged)
                for ts, value in zip(old, slot, strict=True):
                    if ts in at_old:
                        row[at_old[ts]] = value
                self.values[key] = tuple(row)
        where = {ts: i for i, ts in enumerate(merged)}
        at = [(k, i) for k, i in enumerate(where.get(ts) for ts in stamps) if i is not None]
        for counter, by_instance in found.series.items():
            for instance, values in by_instance.items():
                row = list(self.values.get((counter, instance), (-1.0,) * len(merged)))
                for k, i in at:
                    if k < len(values):
                        row[i] = values[k]
                self.values[(counter, instance)] = tuple(row)

    def latency(self) -> HostLatency:
        series: dict[str, dict[str, tuple[float, ...]]] = {}
        for (counter, instance), slot in self.values.items():
            series.setdefault(counter, {})[instance] = slot
        return HostLatency(series, len(self.stamps), tuple(self.stamps))


MORE_SLOTS = [*SLOTS, (PATH_READ, "p2"), (PATH_WRITE, "p1"), ("disk.deviceLatency", "naa.1")]


@st.composite
def cadence_polls(draw: st.DrawFn) -> list[HostLatency]:
    """Polls as a refresh meets them: mostly the next sample(s) after the newest seen, with
    gaps; sometimes stamps already held, repeated within a poll, or older than the window;
    instances that come, go and come back; now and then a series shorter than its stamps."""
    out: list[HostLatency] = []
    newest = draw(st.integers(0, 5))
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["next", "next", "next", "gap", "any", "repeat", "none"]))
        if kind in ("next", "gap"):
            start = newest + 1 + (draw(st.integers(1, 4)) if kind == "gap" else 0)
            steps = list(range(start, start + draw(st.integers(1, 4))))
        elif kind == "any":
            steps = sorted(draw(st.lists(st.integers(0, newest + 3), max_size=6)))
        elif kind == "repeat":
            steps = draw(st.lists(st.integers(max(0, newest - 3), newest + 2), max_size=5))
        else:
            steps = []
        newest = max([newest, *steps])
        stamps = tuple(float(20 * n) for n in steps)
        series: dict[str, dict[str, tuple[float, ...]]] = {}
        for counter, instance in draw(st.lists(st.sampled_from(MORE_SLOTS), unique=True)):
            short = draw(st.integers(0, 9)) == 0
            n = draw(st.integers(0, len(stamps))) if short else len(stamps)
            values = draw(st.lists(st.floats(0, 500), min_size=n, max_size=n))
            series.setdefault(counter, {})[instance] = tuple(values)
        out.append(HostLatency(series, len(stamps), stamps))
    return out


@settings(max_examples=200, deadline=None)
@given(cadence_polls(), st.integers(1, 15))
def test_window_after_any_polls_is_exactly_what_the_old_merge_held(answers, size) -> None:
    """Appending in place changes no window: after every poll, the same samples at the same
    stamps for the same instances as the merge that rebuilt every series."""
    window, oracle = _Window(size), OracleWindow(size)
    earlier = []
    for found in answers:
        window.merge(found)
        oracle.merge(found)
        got, want = window.latency(), oracle.latency()
        assert (got.series, got.timestamps, got.sample_count) == (
            want.series,
            want.timestamps,
            want.sample_count,
        )
        earlier.append((got, {c: dict(by) for c, by in got.series.items()}))
    for reading, as_read in earlier:  # a reading a refresh took does not change under it
        assert reading.series == as_read


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1000), min_size=1, max_size=90))
def test_latency_window_figures_are_nearest_rank_percentiles(samples) -> None:
    window = LatencyWindow.of(samples)
    assert window is not None
    assert (window.p50, window.p95, window.max) == (
        percentile(samples, 50),
        percentile(samples, 95),
        max(samples),
    )


samples_with_gaps = st.lists(
    st.one_of(
        st.sampled_from([-1, -1.0, 0, float("nan"), float("inf"), None]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-2, 2000),
    ),
    max_size=20,
)


@settings(max_examples=150, deadline=None)
@given(samples_with_gaps)
def test_a_window_keeps_exactly_the_samples_that_are_there(values) -> None:
    """Gaps (-1), None and NaN are left out, whatever else the window holds; what is kept is
    float, in order; nothing kept is no window."""
    kept = [float(v) for v in values if v is not None and v == v and v >= 0]
    window = LatencyWindow.of(values)
    if not kept:
        assert window is None
        return
    assert window is not None
    assert window.samples == tuple(kept)
    assert all(type(v) is float for v in window.samples)
