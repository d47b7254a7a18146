"""The text of an answer through vCenter: the same characters as before, made only when read."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.esx.api_calls import esxcli_call
from vconsole.esx.lacp import status_command
from vconsole.sessions.esxcli_api import ApiCommandResult, answer_from
from vconsole.sessions.records_text import records_text
from vconsole.vim.esxcli import EsxcliAnswer

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=25,
)
records = st.lists(values, max_size=5)


@settings(max_examples=200, deadline=None)
@given(records=records)
def test_the_text_is_the_indented_sorted_json_it_always_was(records) -> None:
    assert records_text(tuple(records)) == json.dumps(records, indent=1, sort_keys=True)


@given(key=st.integers() | st.floats() | st.booleans() | st.none())
def test_keys_that_are_not_text_are_written_as_the_library_writes_them(key) -> None:
    alone = ({key: "v"},)
    assert records_text(alone) == json.dumps(list(alone), indent=1, sort_keys=True)
    mixed = ({key: "v", "k": 1},)  # keys of two types cannot be sorted: the library's error
    with pytest.raises(TypeError):
        json.dumps(list(mixed), indent=1, sort_keys=True)
    with pytest.raises(TypeError):
        records_text(mixed)


def test_a_value_json_cannot_write_fails_as_json_fails() -> None:
    try:
        json.dumps([{"a": {1, 2}}], indent=1, sort_keys=True)
    except TypeError as exc:
        expected = str(exc)
    try:
        records_text(({"a": {1, 2}},))
    except TypeError as exc:
        assert str(exc) == expected
    else:
        raise AssertionError("a set is not JSON")


@settings(max_examples=50, deadline=None)
@given(records=records, fault=st.sampled_from(["", "Unknown option -x"]))
def test_an_answer_makes_its_text_only_when_read_and_keeps_it(records, fault) -> None:
    call = esxcli_call(status_command())
    answer = answer_from(call, EsxcliAnswer(records=tuple(records), fault=fault), 0.01)
    assert "stdout" not in vars(answer)  # nothing made by the call itself
    assert answer.records == tuple(records) and answer.fault == fault
    text = answer.stdout
    assert text == ("" if fault else json.dumps(records, indent=1, sort_keys=True))
    assert answer.stdout is text  # made once
    assert answer.exit == (1 if fault else 0) and answer.stderr == fault


def test_a_replayed_answer_shows_the_text_its_file_holds() -> None:
    held = '[\n {\n  "hand": "edited"\n }\n]'
    answer = ApiCommandResult(
        stderr="", exit=0, duration_s=0.0, records=({"x": math.pi},), method="a.b"
    ).showing(held)
    assert answer.stdout == held and answer.records == ({"x": math.pi},)


def test_a_paths_poll_that_reads_the_same_records_keeps_its_parse_and_makes_no_text() -> None:
    """The paths pane polls `core path list` every 20 s: an API answer with the same records
    as last time keeps the earlier parse, and no transcript text is made for it."""
    from vconsole.services.paths_layout import CORE, READ_COMMANDS, _read

    call = esxcli_call(READ_COMMANDS[CORE])
    path = {"UID": "sas.5001-naa.6000", "Runtime Name": "vmhba64:C0:T1:L0", "Device": "naa.6000"}
    path["State"] = "active"

    def answer(*records: dict[str, str]) -> ApiCommandResult:
        return answer_from(call, EsxcliAnswer(records=records), 0.01)

    fresh = answer(path)
    first = _read(fresh, CORE, None)
    again = answer(dict(path))
    second = _read(again, CORE, first)
    assert second.parsed is first.parsed
    assert "stdout" not in vars(again)
    moved = answer({**path, "State": "dead"})
    changed = _read(moved, CORE, second)
    assert changed.parsed is not first.parsed
    assert [p.state for p in changed.parsed.paths] == ["dead"]
    # a first or changed answer is parsed from its records: its text is still not made
    assert "stdout" not in vars(fresh) and "stdout" not in vars(moved)
    assert changed.output.stdout == moved.stdout  # shown in the transcript when read
