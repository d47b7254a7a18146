"""Triage's "newest" is when a problem was first seen: re-reading the same problems at every
refresh leaves the list where it was; a problem that is new, came back or got worse goes up."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.models.common import Verdict
from vconsole.models.findings import Finding, Subject, SubjectKind
from vconsole.services.triage import FindingsBoard, HostPlace, SourceReading


def finding(source: str, host: str, verdict: Verdict, at: float, code: str = "c") -> Finding:
    subject = Subject.of(SubjectKind.HOST, host, host=host)
    return Finding(code, verdict, f"{code} on {host}", "", subject, source, at)


def post(board: FindingsBoard, source: str, at: float, *problems: tuple[str, Verdict]) -> None:
    found = tuple(finding(source, host, verdict, at) for host, verdict in problems)
    board.post(SourceReading(source, found, taken_at=at))


def hosts_in_order(board: FindingsBoard) -> list[str]:
    return [g.host for g in board.triage().groups]


def test_a_problem_read_again_keeps_its_place_one_that_returns_or_worsens_goes_up() -> None:
    board = FindingsBoard()
    post(board, "lacp", 100.0, ("esx01", Verdict.WARNING))
    post(board, "paths", 110.0, ("esx02", Verdict.WARNING))
    assert hosts_in_order(board) == ["esx02", "esx01"]  # newest first
    post(board, "lacp", 130.0, ("esx01", Verdict.WARNING))  # the same problem, read again
    assert hosts_in_order(board) == ["esx02", "esx01"]
    assert board.findings()[1].seen_at == 130.0  # the reading time itself is kept
    post(board, "lacp", 160.0)  # cleared ...
    post(board, "lacp", 190.0, ("esx01", Verdict.WARNING))  # ... and back: new again
    assert hosts_in_order(board) == ["esx01", "esx02"]
    post(board, "paths", 200.0, ("esx02", Verdict.ERROR))  # worse
    post(board, "paths", 230.0, ("esx02", Verdict.WARNING))  # better again: newest warning
    assert hosts_in_order(board) == ["esx02", "esx01"]


def test_placement_learnt_later_keeps_the_first_seen_time() -> None:
    """vCenter's placement (site, cluster) arrives with another source's reading; the finding's
    key then changes, and its place must not."""
    board = FindingsBoard()
    post(board, "lacp", 100.0, ("esx01", Verdict.WARNING))
    post(board, "paths", 110.0, ("esx02", Verdict.WARNING))
    place = (HostPlace("esx01", "vc01", "cl1"), HostPlace("esx02", "vc01", "cl1"))
    board.post(SourceReading("inventory", (), taken_at=120.0, places=place))
    post(board, "lacp", 130.0, ("esx01", Verdict.WARNING))
    assert hosts_in_order(board) == ["esx02", "esx01"]
    assert {g.site for g in board.triage().groups} == {"vc01"}


sources = st.sampled_from(["lacp", "paths", "gpus", "checks"])
verdicts = st.sampled_from([Verdict.WARNING, Verdict.ERROR, Verdict.CRITICAL])
problems = st.dictionaries(
    st.tuples(sources, st.sampled_from([f"esx{i:02}" for i in range(6)])), verdicts, max_size=10
)


@settings(max_examples=150, deadline=None)
@given(problems=problems, rereads=st.lists(sources, max_size=12))
def test_refreshes_that_find_the_same_problems_never_reorder_the_list(problems, rereads) -> None:
    board = FindingsBoard()
    at = 1000.0
    by_source: dict[str, list[tuple[str, Verdict]]] = {}
    for (source, host), verdict in problems.items():
        by_source.setdefault(source, []).append((host, verdict))
    for source, found in by_source.items():
        at += 10.0
        post(board, source, at, *found)
    first = [[f.key for f in g.findings] for g in board.triage().groups]
    for source in rereads:  # each source refreshes at its own cadence, finding the same
        at += 7.0
        post(board, source, at, *by_source.get(source, []))
        assert [[f.key for f in g.findings] for g in board.triage().groups] == first
