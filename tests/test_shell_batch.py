"""The sequential batch (one exec, commands one after another): each command gets back exactly
what it printed, leading blanks and all, or nothing.

The stdout is built here as busybox ash prints the script's output: each command's lines tagged
`<nonce> <i> ` in order, untagged noise from the host anywhere. Outside text may hold forged
markers (other nonces, this nonce's shape inside a command's own output); the reader must never
hand a command text that is not its own, and a cut or forged section is an error, never a pass.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vconsole.esx.lacp import READ_COMMANDS, parse_status, status_command
from vconsole.esx.shell_batch import batch_script, new_nonce, nonce_of, read_batch
from vconsole.lab.esxi.shell import run_line
from vconsole.lab.esxi.state import HostState, LabClock
from vconsole.lab.scenario import default_scenario
from vconsole.tokens import Command

line_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    ),
    max_size=50,
)


def own_lines(nonce: str) -> st.SearchStrategy[str]:
    """Lines a command may print: indented text, other nonces' markers, this nonce's shape."""
    other = st.from_regex(r"vc[0-9a-f]{16}", fullmatch=True)
    index = st.integers(0, 4).map(str)
    return st.one_of(
        line_text,
        st.tuples(st.sampled_from(["", "   ", "\t"]), line_text).map("".join),
        st.tuples(other, index, st.just("rc 0")).map(" ".join),
        st.tuples(st.just(nonce), index, st.sampled_from(["rc 0", "x"])).map(" ".join),
        st.just("rc 0"),
    )


def ash_stdout(outputs: list[tuple[list[str], int]], nonce: str, noise: list[str]) -> str:
    """What the sequential script prints: each command's lines tagged, in order."""
    out: list[str] = []
    for i, (lines, code) in enumerate(outputs):
        out += [f"{nonce} {i} {line}" for line in lines] + [f"{nonce} {i} rc {code}"]
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
    sections = read_batch(ash_stdout(outputs, nonce, list(noise)), nonce, count)
    assert len(sections) == count
    for (lines, code), section in zip(outputs, sections, strict=True):
        closes = any(
            line.strip().startswith("rc ") and line.strip()[3:].isdigit() for line in lines
        )
        if section is None:
            assert closes or any(line.startswith(nonce) for line in noise)
            continue
        assert section.text == "".join(line + "\n" for line in lines)
        assert section.exit == code
        assert not closes


@settings(max_examples=100)
@given(cut=st.integers(0, 3000))
def test_a_cut_exec_never_hands_a_command_part_of_its_answer(cut: int) -> None:
    nonce = new_nonce()
    text = STATUS.splitlines()
    full = ash_stdout([(text, 0), (text, 0)], nonce, [])
    for section in read_batch(full[:cut], nonce, 2):
        assert section is None or section.text == STATUS


def test_the_script_runs_in_order_keeps_blanks_and_carries_one_nonce() -> None:
    script = batch_script(READ_COMMANDS, parallel=False)
    nonce = nonce_of(script)
    assert script.line.count(nonce) == len(READ_COMMANDS)
    assert "&" not in script.line.replace("2>&1", "") and "wait" not in script.line
    assert script.line.count("IFS= read -r l") == len(READ_COMMANDS)
    assert not script.mutating


def test_a_mutating_command_is_never_batched() -> None:
    with pytest.raises(ValueError, match="read-only"):
        batch_script([status_command(), Command.of("esxcli", "x", mutating=True)], parallel=False)


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
    script = batch_script(commands, parallel=False)
    reply = run_line(state, script.line)
    sections = read_batch(reply.stdout, nonce_of(script), len(commands))
    for command, section in zip(commands, sections, strict=True):
        alone = run_line(state, command.line)
        assert section is not None
        assert section.text == alone.stdout + alone.stderr
        assert section.exit == alone.exit
    assert sections[-1] is not None and sections[-1].exit != 0
    first = sections[0]
    assert first is not None
    assert parse_status(first.text) == parse_status(run_line(state, status_command().line).stdout)
