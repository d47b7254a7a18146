"""`clean` reads output the same whether it takes the one-pass shortcut or goes line by line.

Output straight from a host (no CR, tab, prompt, echoed command or shared indentation) takes a
shortcut; anything pasted goes line by line. Texts are built from the pieces that decide which:
prompts of every ESXi era, echoed esxcli lines, tabs, CRLF, indentation and blank lines.
"""

from __future__ import annotations

from esxi_samples import CORE_PATH_SAS as SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.esx.pasted import _clean_lines, clean

PIECES = st.sampled_from(
    [
        "",
        " ",
        "   ",
        "\t",
        "Device: naa.600a0980383044374",
        "   Adapter: vmhba64",
        "vmhba64:C0:T0:L0",
        "esxcli storage core path list",
        "~ # esxcli storage nmp device list",
        "[root@esx01:~] esxcli storage core path list",
        "root@esx01:~ # ",
        "#",
        "$ ls",
        "# comment",
        "[root@esx01",
        "]",
        "\xa0Name: x",
        "Key: value\r",
    ]
)
LINES = st.lists(st.lists(PIECES, min_size=1, max_size=3).map("".join), max_size=12)


def line_by_line(text: str) -> tuple[str, str]:
    pasted = _clean_lines(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return pasted.text, pasted.command


@settings(max_examples=300, deadline=None)
@given(LINES, st.sampled_from(["\n", "\r\n"]))
def test_clean_reads_every_text_as_line_by_line_reading_does(lines: list[str], end: str) -> None:
    text = end.join(lines)
    pasted = clean(text)
    assert (pasted.text, pasted.command) == line_by_line(text)


def test_host_output_and_its_pasted_forms_read_the_same() -> None:
    straight = clean(SAMPLE)
    indented = clean("\r\n".join("    " + line for line in SAMPLE.split("\n")))
    prompted = clean("[root@esx01:~] esxcli storage core path list\n" + SAMPLE)
    assert straight.text == indented.text == prompted.text
    assert prompted.command == "esxcli storage core path list"
    assert straight.command == indented.command == ""
