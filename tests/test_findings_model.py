"""The shared Finding type: one scale, a stable JSON shape, worst first then newest."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.models.common import Verdict
from vconsole.models.findings import (
    Finding,
    Subject,
    SubjectKind,
    could_not_read,
    is_problem,
    worst_first,
)

KEYS = {
    "code", "severity", "text", "evidence", "subject", "kind", "site", "cluster", "host",
    "fields", "key", "source", "seen_at",
}  # fmt: skip

findings = st.builds(
    Finding,
    code=st.sampled_from(["a", "b", "c"]),
    severity=st.sampled_from(list(Verdict)),
    text=st.text(max_size=5),
    subject=st.builds(
        Subject.of,
        kind=st.sampled_from(list(SubjectKind)),
        name=st.sampled_from(["vmnic1", "naa.1", "lag1"]),
        host=st.sampled_from(["", "esx01", "esx02"]),
    ),
    source=st.sampled_from(["lacp", "paths"]),
    seen_at=st.one_of(st.none(), st.floats(min_value=0, max_value=2e9)),
)


@settings(max_examples=60)
@given(st.lists(findings, max_size=12))
def test_worst_first_puts_worse_before_better_and_newer_before_older(items: list[Finding]) -> None:
    ordered = worst_first(items)
    assert sorted(map(id, ordered)) == sorted(map(id, items))
    for a, b in zip(ordered, ordered[1:], strict=False):
        assert a.severity.rank >= b.severity.rank
        if a.severity is b.severity:
            assert (a.seen_at or 0.0) >= (b.seen_at or 0.0)


@settings(max_examples=40)
@given(findings)
def test_json_has_every_common_key_and_plain_values(finding: Finding) -> None:
    data = finding.to_json()
    assert set(data) == KEYS
    assert data["severity"] in {"ok", "info", "warning", "critical", "error"}
    assert data["kind"] == finding.subject.kind.value


def test_subject_key_is_stable_and_tells_objects_apart() -> None:
    port = Subject.of("lag_port", "vmnic1", host="esx01", dvs="dvs-a", lag="lag1")
    same = Subject.of(SubjectKind.LAG_PORT, "vmnic1", host="esx01", dvs="dvs-a", lag="lag1")
    other = Subject.of("lag_port", "vmnic1", host="esx02", dvs="dvs-a", lag="lag1")
    assert port.key == same.key != other.key
    assert port.field("lag") == "lag1"
    assert port.label == "esx01 vmnic1"


def test_scale_is_ordered_and_unreadable_counts_as_a_problem() -> None:
    assert Verdict.OK.rank < Verdict.INFO.rank < Verdict.WARNING.rank < Verdict.CRITICAL.rank
    assert is_problem(Verdict.WARNING) and not is_problem(Verdict.INFO)
    lost = could_not_read(Subject.of("host", "esx-akl-02"), "lacp", "not reachable", seen_at=0)
    assert lost.unreadable and is_problem(lost.severity)
    assert lost.to_json()["seen_at"] == "1970-01-01T00:00:00Z"


def test_about_places_a_subjectless_finding_on_its_object() -> None:
    bare = Finding("rr-iops", Verdict.WARNING, "Round Robin switches every 1000 I/Os")
    placed = bare.about(Subject.of("device", "naa.1", host="esx01"), "paths", 5.0)
    assert placed.subject.kind is SubjectKind.DEVICE and placed.source == "paths"
    assert placed.seen_at == 5.0 and placed.code == bare.code
