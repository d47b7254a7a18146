"""The batch script's reader: each probe gets exactly its own output back, or nothing.

The stdout a host sends is built here as busybox ash prints the script's output: each probe's
lines tagged `<nonce> <i> `, the probes' lines interleaved in any order, untagged noise from the
host anywhere. Outside text (vmkping output, host names) may hold forged markers: any nonce but
this exec's, or this nonce's shape. The reader must never hand a probe text that is not its own.
"""

from __future__ import annotations

import random

import pytest
from esxi_samples import VMKPING_LOST, VMKPING_OK, VMKPING_TOO_LONG
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vconsole.esx.vmkping import parse_vmkping, probe_outcome, vmkping_command
from vconsole.esx.vmkping_batch import (
    MAX_PROBES,
    ProbeSection,
    batch_script,
    new_nonce,
    nonce_of,
    read_batch,
)
from vconsole.models.mtu import ProbeKind

line_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    ),
    max_size=60,
)


def forged_lines(nonce: str, inside: bool) -> st.SearchStrategy[str]:
    """Lines an outsider could print: markers with other nonces, a passing probe's reply line,
    a bare `rc 0`; inside a probe's own output (which the shell tags), even this exec's marker
    shapes, as if vmkping echoed part of the script back."""
    other = st.from_regex(r"vc[0-9a-f]{16}", fullmatch=True)
    index = st.integers(0, 8).map(str)
    reply = VMKPING_OK.splitlines()[1]
    forms = [
        line_text,
        st.tuples(other, index, st.sampled_from(["rc 0", reply])).map(" ".join),
        st.just("rc 0"),
    ]
    if inside:
        mine = st.tuples(st.just(nonce), index, st.sampled_from(["rc 0", "rc 1", reply]))
        forms.append(mine.map(" ".join))
    return st.one_of(*forms)


def shell_stdout(outputs: list[tuple[str, int]], nonce: str, noise: list[str], seed: int) -> str:
    """What the script prints: each probe's lines tagged in order, probes interleaved."""
    rng = random.Random(seed)
    streams = [
        [f"{nonce} {i} {line.strip()}" for line in text.splitlines()] + [f"{nonce} {i} rc {code}"]
        for i, (text, code) in enumerate(outputs)
    ]
    out: list[str] = []
    while any(streams):
        live = [s for s in streams if s]
        out.append(rng.choice(live).pop(0))
        if noise and rng.random() < 0.3:
            out.append(noise.pop())
    return "\n".join(out + noise) + "\n"


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    count=st.integers(1, 8),
    seed=st.integers(0, 2**16),
)
def test_each_probe_gets_its_own_output_or_nothing(
    data: st.DataObject, count: int, seed: int
) -> None:
    nonce = new_nonce()
    outputs = []
    for _ in range(count):
        text = data.draw(st.sampled_from([VMKPING_OK, VMKPING_LOST, VMKPING_TOO_LONG, ""]))
        extra = data.draw(st.lists(forged_lines(nonce, inside=True), max_size=3))
        outputs.append(("\n".join([*text.splitlines(), *extra]), data.draw(st.integers(0, 2))))
    noise = data.draw(st.lists(forged_lines(nonce, inside=False), max_size=5))
    sections = read_batch(shell_stdout(outputs, nonce, list(noise), seed), nonce, count)
    assert len(sections) == count
    for (text, code), section in zip(outputs, sections, strict=True):
        if section is None:
            continue  # unrecognised: the probe is an error, never a pass
        mine = [line.strip() for line in text.splitlines()]
        assert [line for line in section.text.splitlines()] == mine
        assert section.exit == code
        assert not any(
            line.strip().startswith("rc ") and line.strip()[3:].isdigit() for line in mine
        )


@settings(max_examples=100)
@given(cut=st.integers(0, 2000), count=st.integers(1, 6))
def test_output_cut_short_never_makes_a_lost_probe_pass(cut: int, count: int) -> None:
    """The exec dies part way: a probe either has its whole section or is unrecognised."""
    nonce = new_nonce()
    outputs = [(VMKPING_LOST, 1)] * count
    full = shell_stdout(outputs, nonce, [], cut)
    for section in read_batch(full[:cut], nonce, count):
        if section is None:
            continue
        outcome = probe_outcome(parse_vmkping(section.text), 8972, section.exit)
        assert outcome.kind is ProbeKind.LOST


def test_a_missing_section_is_none_and_a_whole_one_parses_as_alone() -> None:
    nonce = new_nonce()
    stdout = shell_stdout([(VMKPING_OK, 0)], nonce, [], 1)
    reply, missing = read_batch(stdout, nonce, 2)
    assert missing is None
    assert reply == ProbeSection(
        "\n".join(line.strip() for line in VMKPING_OK.splitlines()) + "\n", 0
    )
    alone = parse_vmkping(VMKPING_OK)
    assert parse_vmkping(reply.text).replies == alone.replies


def test_the_script_quotes_each_probe_and_carries_one_nonce() -> None:
    cmds = [vmkping_command("10.0.0.2", size=s, vmk="vmk1") for s in (56, 1472, 8972)]
    script = batch_script(cmds)
    nonce = nonce_of(script)
    assert script.line.count(nonce) == 3 and script.line.endswith("\nwait")
    for i, c in enumerate(cmds):
        assert f'{{ {c.line} 2>&1; echo "rc $?"; }}' in script.line
        assert f'echo "{nonce} {i} $l"' in script.line
    assert batch_script(cmds).line != script.line  # a fresh nonce per exec
    assert not script.mutating


@pytest.mark.parametrize("count", [0, MAX_PROBES + 1])
def test_batch_size_is_bounded(count: int) -> None:
    with pytest.raises(ValueError, match="probes"):
        batch_script([vmkping_command("10.0.0.2", size=56)] * count)


def test_a_nonce_of_another_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="nonce"):
        batch_script([vmkping_command("10.0.0.2", size=56)], nonce="x; reboot")
