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


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1000), min_size=1, max_size=30))
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
