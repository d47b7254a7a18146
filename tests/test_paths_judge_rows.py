"""The short cuts a 20,000-row refresh takes give what the plain definitions give.

- `PathRow.judged` / `DeviceInfo.judged` are `dataclasses.replace` spelled out field by field;
- a path is compared with its siblings' median only when it is far enough above the fastest
  sibling to be an outlier at all; every slow-path finding is checked here against the plain
  definition (median of the other active, not idle paths) over generated devices and limits.
"""

from __future__ import annotations

import dataclasses
from statistics import median

from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.models.paths import (
    DeviceInfo,
    HostPaths,
    LatencyWindow,
    PathProblem,
    PathRow,
    RoundRobin,
    Thresholds,
    Verdict,
)
from vconsole.services.paths_rejoin import unjudged_with
from vconsole.services.paths_verdicts import judge

TEXT = st.text("abcxyz:.-", max_size=6)
VERDICTS = st.sampled_from(list(Verdict))
WINDOWS = st.none() | st.builds(
    LatencyWindow,
    st.lists(st.floats(0, 200, allow_nan=False), min_size=1, max_size=6).map(tuple),
)
PROBLEMS = st.lists(
    st.builds(PathProblem, TEXT, VERDICTS, TEXT, st.sampled_from(["path", "device", "host"])),
    max_size=2,
).map(tuple)
RRS = st.none() | st.builds(RoundRobin, TEXT, st.none() | st.integers(0, 9))
LUNS = st.none() | st.integers(0, 9)
WORKING = st.none() | st.booleans()
SOURCES = st.lists(TEXT, max_size=3).map(tuple)

ROWS = st.builds(
    PathRow,
    **{
        f.name: {
            "rr": RRS,
            "working": WORKING,
            "lun": LUNS,
            "read": WINDOWS,
            "write": WINDOWS,
            "device_latency": WINDOWS,
            "kernel_latency": WINDOWS,
            "psp_latency_policy_enabled": WORKING,
            "verdict": VERDICTS,
            "problems": PROBLEMS,
            "sources": SOURCES,
            "device_verdict": st.none() | VERDICTS,
            "device_problems": PROBLEMS,
        }.get(f.name, TEXT)
        for f in dataclasses.fields(PathRow)
    },
)
DEVICES = st.builds(
    DeviceInfo,
    **{
        f.name: {
            "rr": RRS,
            "paths": st.integers(0, 9),
            "dead_paths": st.integers(0, 9),
            "working_paths": SOURCES,
            "device_latency": WINDOWS,
            "kernel_latency": WINDOWS,
            "verdict": VERDICTS,
            "problems": PROBLEMS,
        }.get(f.name, TEXT)
        for f in dataclasses.fields(DeviceInfo)
    },
)


@settings(max_examples=150, deadline=None)
@given(ROWS, PROBLEMS, VERDICTS, st.none() | DEVICES)
def test_a_judged_row_is_the_row_with_its_verdicts_replaced(row, problems, verdict, device) -> None:
    expected = dataclasses.replace(row, problems=problems, verdict=verdict)
    if device is not None:
        expected = dataclasses.replace(
            expected, device_verdict=device.verdict, device_problems=device.problems
        )
    judged = row.judged(problems, verdict, device)
    assert judged == expected
    assert judged.as_json() == expected.as_json()


PACKED = WINDOWS.map(lambda w: None if w is None else w.packed)


@settings(max_examples=150, deadline=None)
@given(ROWS, PACKED, PACKED, PACKED, PACKED, PROBLEMS, SOURCES)
def test_a_rejoined_row_is_the_row_made_anew_with_its_windows(
    row, read, write, davg, kavg, problems, sources
) -> None:
    """`unjudged_with` builds by position; the oracle is `dataclasses.replace` by name."""

    def window(packed):  # as a refresh made it: a LatencyWindow over the same samples
        return None if packed is None else LatencyWindow(packed[3:])

    expected = dataclasses.replace(
        row,
        read=window(read),
        write=window(write),
        device_latency=window(davg),
        kernel_latency=window(kavg),
        problems=problems,
        sources=sources,
        verdict=Verdict.OK,
        device_verdict=None,
        device_problems=(),
    )
    rejoined = unjudged_with(row, read, write, davg, kavg, problems, sources)
    assert rejoined == expected and rejoined.as_json() == expected.as_json()
    assert (rejoined.read_ms, rejoined.read) == (expected.read_ms, expected.read)


@settings(max_examples=150, deadline=None)
@given(DEVICES, PROBLEMS, VERDICTS)
def test_a_judged_device_is_the_device_with_its_verdict_replaced(device, problems, verdict) -> None:
    judged = device.judged(problems, verdict)
    assert judged == dataclasses.replace(device, problems=problems, verdict=verdict)


def plain_slow(row: PathRow, siblings: list[PathRow], t: Thresholds) -> str | None:
    """The slow-path finding's text as its definition reads, worst excess of read and write."""
    found: tuple[float, str] | None = None
    for kind in ("read", "write"):
        mine = getattr(row, kind)
        others = [
            getattr(s, kind).p50
            for s in siblings
            if s is not row
            and getattr(s, kind) is not None
            and s.state == "active"
            and s.working is not False
        ]
        if mine is None or not others:
            continue
        base = median(others)
        if mine.p50 >= t.slow_path_ratio * max(base, 0.5) and mine.p50 - base >= t.slow_path_min_ms:
            if found is None or mine.p50 - base > found[0]:
                ms = [f"{v:.1f}".rstrip("0").rstrip(".") + " ms" for v in (mine.p50, base)]
                text = f"{kind} latency p50 {ms[0]} vs {ms[1]} on {len(others)} sibling path(s)"
                found = (mine.p50 - base, text)
    return None if found is None else found[1]


SIBLING = st.builds(
    lambda i, state, working, read, write: PathRow(
        "h1",
        "naa.1",
        path=f"vmhba1:C0:T{i}:L1",
        state=state,
        working=working,
        read=read,
        write=write,
    ),  # fmt: skip
    st.integers(0, 99),
    st.sampled_from(["active", "active", "standby", "dead"]),
    WORKING,
    WINDOWS,
    WINDOWS,
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(SIBLING, min_size=1, max_size=8, unique_by=lambda r: r.path),
    st.floats(-2, 20, allow_nan=False),
    st.floats(-10, 60, allow_nan=False),
)
def test_slow_paths_are_found_as_the_definition_says(siblings, ratio, min_ms) -> None:
    t = Thresholds(slow_path_ratio=ratio, slow_path_min_ms=min_ms)
    judged, _ = judge(siblings, [DeviceInfo("h1", "naa.1")], [HostPaths("h1", True)], t)
    for row, out in zip(siblings, judged, strict=True):
        slow = [p.text for p in out.problems if p.code == "path-slow"]
        expected = plain_slow(row, siblings, t)
        assert slow == ([expected] if expected else [])


NAMES = st.tuples(st.sampled_from(["h1", "h2"]), st.sampled_from(["d1", "d2", ""]))
ESTATE_ROWS = st.lists(
    st.tuples(ROWS, NAMES).map(lambda r: dataclasses.replace(r[0], host=r[1][0], device=r[1][1])),
    max_size=8,
)
ESTATE_DEVICES = st.lists(
    st.tuples(DEVICES, NAMES).map(
        lambda d: dataclasses.replace(d[0], host=d[1][0], device=d[1][1] or "d3")
    ),
    max_size=4,
)
HOSTS = st.lists(
    st.builds(HostPaths, st.sampled_from(["h1", "h2"]), st.booleans(), TEXT, WORKING), max_size=2
)


@settings(max_examples=150, deadline=None)
@given(ESTATE_ROWS, ESTATE_DEVICES, HOSTS)
def test_judging_a_refreshs_own_rows_in_place_gives_what_judging_copies_gives(
    rows, devices, hosts
) -> None:
    """The service judges the rows it has just made in place; the result is the copies'."""
    before = [(r.problems, r.verdict, r.device_verdict, r.device_problems) for r in rows]
    expected = judge(rows, devices, hosts, Thresholds())
    mine = [dataclasses.replace(r) for r in rows]
    own_devices = [dataclasses.replace(d) for d in devices]
    got = judge(mine, own_devices, hosts, Thresholds(), in_place=True)
    assert got == expected
    assert [r.as_json() for r in got[0]] == [r.as_json() for r in expected[0]]
    assert all(a is b for a, b in zip(got[0], mine, strict=True))
    assert all(a is b for a, b in zip(got[1], own_devices, strict=True))
    after = [(r.problems, r.verdict, r.device_verdict, r.device_problems) for r in rows]
    assert after == before  # judging copies leaves its inputs as they were
