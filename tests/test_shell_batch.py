"""The sequential batch (one exec, commands one after another): each command gets back exactly
what it printed, leading blanks and all, or nothing.

The stdout is built here as a POSIX shell prints `sequence_script`'s output: for each command a
`<nonce> <i> begin` line, its output untouched, then `<nonce> <i> rc <exit>`; untagged noise from
the host between sections. Outside text may hold forged markers (other nonces, a bare `rc 0`, or
even this exec's nonce as if a command echoed the script back); the reader must never hand a
command text that is not its own, and a cut or forged section is an error, never a pass.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vconsole.esx.lacp import READ_COMMANDS, parse_status, status_command
from vconsole.esx.shell_batch import new_nonce, nonce_of, read_sequence, sequence_script
from vconsole.lab.esxi.shell import run_line
from vconsole.lab.esxi.state import HostState, LabClock
from vconsole.lab.scenario import default_scenario
from vconsole.tokens import Command

line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=50
)


def own_lines(nonce: str) -> st.SearchStrategy[str]:
    """Lines a command may print: indented text, other nonces' markers, this nonce's shape."""
    other = st.from_regex(r"vc[0-9a-f]{16}", fullmatch=True)
    index = st.integers(0, 4).map(str)
    marker = st.sampled_from(["rc 0", "begin", "x"])
    return st.one_of(
        line_text,
        st.tuples(st.sampled_from(["", "   ", "\t"]), line_text).map("".join),
        st.tuples(other, index, marker).map(" ".join),
        st.tuples(st.just(nonce), index, marker).map(" ".join),
        st.just("rc 0"),
    )


def sh_stdout(outputs: list[tuple[list[str], int]], nonce: str, noise: list[str]) -> str:
    """What the sequential script prints: each command between its begin and rc lines."""
    out: list[str] = []
    for i, (lines, code) in enumerate(outputs):
        out += [f"{nonce} {i} begin", *lines, f"{nonce} {i} rc {code}"]
        if noise:
            out.append(noise.pop())
    return "\n".join(out + noise) + "\n"


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), count=st.integers(1, 5))
def test_each_command_gets_exactly_its_own_output_or_nothing(
    data: st.DataObject, count: int
) -> None:
    nonce = new_nonce()
    outputs = [
        (data.draw(st.lists(own_lines(nonce), max_size=6)), data.draw(st.integers(0, 255)))
        for _ in range(count)
    ]
    noise = data.draw(st.lists(line_text, max_size=4))
    sections = read_sequence(sh_stdout(outputs, nonce, list(noise)), nonce, count)
    assert len(sections) == count
    anywhere = any(line.startswith(nonce) for lines, _ in outputs for line in [*lines, *noise])
    for (lines, code), section in zip(outputs, sections, strict=True):
        if section is None:  # only a marker the script did not print can cost an answer
            assert anywhere
            continue
        assert not any(line.startswith(nonce) for line in lines)
        assert section.text == "".join(line + "\n" for line in lines)
        assert section.exit == code


@settings(max_examples=100)
@given(cut=st.integers(0, 3000))
def test_a_cut_exec_never_hands_a_command_part_of_its_answer(cut: int) -> None:
    nonce = new_nonce()
    text = STATUS.split("\n")[:-1]
    full = sh_stdout([(text, 0), (text, 12)], nonce, [])
    for code, section in zip((0, 12), read_sequence(full[:cut], nonce, 2), strict=True):
        assert section is None or (section.text, section.exit) == (STATUS, code)


def test_output_without_a_final_newline_is_an_error_not_the_next_answer() -> None:
    nonce = new_nonce()
    stdout = f"{nonce} 0 begin\nno newline{nonce} 0 rc 0\n{nonce} 1 begin\nok\n{nonce} 1 rc 0\n"
    first, second = read_sequence(stdout, nonce, 2)
    assert first is None
    assert second is not None and (second.text, second.exit) == ("ok\n", 0)


def test_the_script_runs_in_order_and_carries_one_nonce() -> None:
    script = sequence_script(READ_COMMANDS)
    nonce = nonce_of(script)
    assert script.line.count(nonce) == 2 * len(READ_COMMANDS)
    assert "&" not in script.line.replace("2>&1", "") and "|" not in script.line
    for i, command in enumerate(READ_COMMANDS):
        assert f'echo "{nonce} {i} begin"; {command.line} 2>&1; echo "{nonce} {i} rc $?"' in (
            script.line
        )
    assert sequence_script(READ_COMMANDS).line != script.line  # a fresh nonce per exec
    assert not script.mutating


def test_nonces_drawn_from_many_threads_never_repeat_and_keep_their_form() -> None:
    """Nonces come from a buffer of random bytes refilled 4 KiB at a time: across refills and
    threads drawing at once, each is handed out once and reads as `vc` and 16 hex digits."""
    with ThreadPoolExecutor(8) as pool:
        drawn = [
            n
            for part in pool.map(lambda _: [new_nonce() for _ in range(700)], range(8))
            for n in part
        ]
    assert len(set(drawn)) == len(drawn) == 5600
    assert all(re.fullmatch(r"vc[0-9a-f]{16}", n) for n in drawn)
    assert len({n[2:4] for n in drawn}) == 256  # every first byte shows up: not a counter


def test_a_mutating_command_is_never_batched() -> None:
    with pytest.raises(ValueError, match="read-only"):
        sequence_script([status_command(), Command.of("esxcli", "x", mutating=True)])


HOSTS = ("esx-wlg-01", "esx-wlg-02", "esx-akl-01", "esx-hq-01")
SCENARIO = default_scenario()
STATUS = run_line(
    HostState(SCENARIO, next(h for h in SCENARIO.hosts if h.name == HOSTS[1]), LabClock(0), None),
    status_command().line,
).stdout


@pytest.mark.parametrize("name", HOSTS)
def test_a_lab_host_answers_each_batched_command_as_alone(name: str) -> None:
    host = next(h for h in SCENARIO.hosts if h.name == name)
    state = HostState(SCENARIO, host, LabClock(0), None)
    commands = [*READ_COMMANDS, Command.of("esxcli", "no", "such")]
    script = sequence_script(commands)
    reply = run_line(state, script.line)
    sections = read_sequence(reply.stdout, nonce_of(script), len(commands))
    for command, section in zip(commands, sections, strict=True):
        alone = run_line(state, command.line)
        assert section is not None
        assert section.text == alone.stdout + alone.stderr
        assert section.exit == alone.exit
    assert sections[-1] is not None and sections[-1].exit != 0
    first = sections[0]
    assert first is not None
    assert parse_status(first.text) == parse_status(run_line(state, status_command().line).stdout)
