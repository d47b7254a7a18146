"""The LACP parsers read exactly what they read before they were made cheaper.

Each answer is compared whole (kind, every field, message, unparsed lines, raw text) with the
old parsers kept in `lacp_parse_oracle`, over the reference's [V] samples, the lab's hosts'
answers, and variants of both: spacing and indentation, CRLF and CR, lines dropped, repeated
or swapped, keys re-cased, prompts and esxcli's sentences inserted, and the characters where a
cheaper reading could part from a regex (other scripts' digits, `ſ`, non-ASCII spaces).
"""

from __future__ import annotations

import esxi_samples as samples
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lacp_parse_oracle import (
    old_classify_message,
    old_clean,
    old_parse_config,
    old_parse_int,
    old_parse_stats,
    old_parse_status,
)

from vconsole.esx.lacp import READ_COMMANDS, parse_config, parse_stats, parse_status
from vconsole.esx.lacp_status import classify_message, parse_int
from vconsole.esx.pasted import clean
from vconsole.lab.esxi.shell import run_line
from vconsole.lab.esxi.state import HostState, LabClock
from vconsole.lab.scenario import default_scenario


def _lab_answers() -> list[str]:
    """Every command's answer from each host of the lab's default estate (LAGs bundled,
    silent partners, hosts without LACP)."""
    scenario = default_scenario()
    answers = []
    for host in scenario.hosts:
        state = HostState(scenario, host, LabClock(0.01), None)
        answers += [run_line(state, command.line).stdout for command in READ_COMMANDS]
    return answers


BASES = [samples.LACP_STATUS, samples.LACP_STATS, samples.LACP_CONFIG, *_lab_answers()]
NOISE = [
    "", "   ", "\t", "~ # esxcli network vswitch dvs vmware lacp status get",
    "[root@esx01:~] esxcli network vswitch dvs vmware lacp stats get", "root@esx01:~ # ls", "$",
    "No running LACP group on the host", "LACP is disabled on DVSwitch dvs", "Error: bad",
    "Usage: esxcli", "u\u017fage: x", "LACP is \u017fupported on this host", "lacp  is disabled",
    "S - Device is sending Slow LACPDUs,", "\u017f - Device is sending", "P -  device IS x",
    "LAGID: \u0663\u0664", "Oper Key: \u00b2", "Port Number: -0", "Admin Key: --3", "Age: 1:2:3",
    "Admin \u212aey: 3", "Nic\u00a0: vmnic9", "Nic \t: vmnic8", "State:", "DVSwitch:", "Mode: x",
    "Lag ID: 7", "Port State: ,,ACT, ,", "Flags: S - x", "Local Information:", "Nic List:",
    "A" * 41 + ": v", "A" * 42 + ": v", "Ab Cd Ef:", "1Key: v", "Key:: v", "-----  ---",
    "Rx Errors", "x  1  vmnic1  \u0661  2  0  3", "dvs  1  vmnic1  0  9999999999999999999  0  1",
    "dvs,1,vmnic1,0,1,0,2",
]  # fmt: skip


@st.composite
def variants(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(BASES)).split("\n")
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["indent", "trail", "drop", "swap", "dup", "case", "noise"]))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == "indent":
            lines[i] = draw(st.sampled_from(["", " ", "   ", "\t", "\u00a0"])) + lines[i]
        elif op == "trail":
            lines[i] += draw(st.sampled_from([" ", "  ", "\t", "\u2003"]))
        elif op == "drop":
            del lines[i]
        elif op == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "case":
            head, colon, rest = lines[i].partition(":")
            lines[i] = draw(st.sampled_from([head.upper(), head.lower(), head.replace(" ", "")]))
            lines[i] += colon + rest
        elif op == "noise":
            lines.insert(i, draw(st.sampled_from(NOISE) | st.text(max_size=30)))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return ending.join(lines)


def _same(text: str) -> None:
    assert clean(text) == old_clean(text)
    assert classify_message(text) == old_classify_message(text)
    assert parse_status(text) == old_parse_status(text)
    assert parse_stats(text) == old_parse_stats(text)
    assert parse_config(text) == old_parse_config(text)


@pytest.mark.parametrize("text", BASES[:3] + NOISE)
def test_samples_and_odd_lines_read_as_before(text):
    _same(text)
    _same(samples.LACP_STATUS + text + "\n")


def test_the_lab_answers_read_as_before_and_are_data():
    for text in BASES[3:]:
        _same(text)
    assert any(parse_status(t).lags for t in BASES[3:])


@settings(max_examples=300, deadline=None)
@given(variants())
def test_variants_of_real_answers_read_as_before(text):
    _same(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_reads_as_before(text):
    _same(text)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("-0123456789 \t\u0663\u00b2\u2003x+_.,"), max_size=24)
    | st.integers(-(10**20), 10**20).map(str)
)
def test_numbers_read_as_before(value):
    assert parse_int(value) == old_parse_int(value)
