"""Every ESXi text parser reads known-good output however it was pasted, or says it cannot.

Samples are in `esxi_samples` ([V] reference samples and one public blog sample, each named
there). Each is re-formatted the ways terminals, web pages and tickets do it: padding collapsed
to one space, padding turned into tabs, the whole block indented, CRLF line ends, a shell prompt
before and after, a `:` after the key line, the Flags legend unwrapped. The answer must be the
one the untouched sample gives or an explicit "unrecognised" carrying the raw text; prompts,
indentation, CRLF, colons and legends lose nothing, so for those it must be the same answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from esxi_samples import (
    ADVCFG_PSP_LATENCY,
    CORE_PATH_SAS,
    DVS_9,
    ESXCFG_MPATH_L,
    IFACE_6,
    IFACE_9,
    IPV4_6,
    IPV4_9,
    LACP_CONFIG,
    LACP_STATS,
    LACP_STATUS,
    NETSTACKS,
    NIC_LIST,
    NMP_DEVICE_EMC,
    NMP_DEVICE_IOPS,
    NMP_PATHS,
    RR_CONFIG_65,
    VMKPING_LOST,
    VMKPING_OK,
    VMKPING_TOO_LONG,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.esx import lacp, netinventory, storage
from vconsole.esx.pasted import UnrecognisedOutput
from vconsole.esx.vmkping import parse_vmkping, probe_outcome

UNREAD = "unrecognised"


def _pinged(text: str) -> Any:
    """vmkping: the parsed run and the outcome the MTU search would draw from it."""
    out = parse_vmkping(text)
    return (out, probe_outcome(out, out.payload or 0)) if out.recognised else UNREAD


LOSSLESS = ("indent", "crlf", "prompt", "colons", "legend")
LOSSY = ("collapse", "tabs")


def _listed(parse: Callable[[str], list[Any]]) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        try:
            return parse(text)
        except UnrecognisedOutput as exc:
            assert exc.raw == text
            return UNREAD

    return read


def _kinded(parse: Callable[[str], Any], *fields: str) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        out = parse(text)
        if out.kind.value == "unrecognised":
            assert out.raw == text, "an unrecognised answer keeps the raw text"
            return UNREAD
        assert out.kind.value == "ok", out
        return tuple(getattr(out, f) for f in fields)

    return read


CASES: list[tuple[str, Callable[[str], Any], str, tuple[str, ...]]] = [
    ("lacp stats", _kinded(lacp.parse_stats, "counters"), lacp.STATS, (LACP_STATS,)),
    ("lacp config", _kinded(lacp.parse_config, "lags"), lacp.CONFIG, (LACP_CONFIG,)),
    (
        "lacp status",
        _kinded(lacp.parse_status, "lags"),
        lacp.status_command().line,
        (LACP_STATUS,),
    ),
    (
        "ipv4 get",
        _listed(netinventory.parse_ipv4_get),
        netinventory.IPV4_GET.line,
        (IPV4_9, IPV4_6),
    ),
    ("nic list", _listed(netinventory.parse_nic_list), netinventory.NIC_LIST.line, (NIC_LIST,)),
    (
        "interface list",
        _listed(netinventory.parse_interface_list),
        netinventory.INTERFACE_LIST.line,
        (IFACE_9, IFACE_6, IFACE_9 + "\n" + IFACE_6.replace("vmk0", "vmk1")),
    ),
    ("dvs list", _listed(netinventory.parse_dvs_list), netinventory.DVS_LIST.line, (DVS_9,)),
    (
        "netstack list",
        _listed(netinventory.parse_netstack_list),
        netinventory.NETSTACK_LIST.line,
        (NETSTACKS,),
    ),
    (
        "nmp device list",
        _kinded(storage.parse_nmp_device_list, "devices"),
        storage.nmp_device_list_command().line,
        (NMP_DEVICE_IOPS, NMP_DEVICE_EMC, NMP_DEVICE_IOPS + "\n" + NMP_DEVICE_EMC),
    ),
    (
        "nmp path list",
        _kinded(storage.parse_nmp_path_list, "paths"),
        storage.nmp_path_list_command().line,
        (NMP_PATHS,),
    ),
    (
        "core path list",
        _kinded(storage.parse_core_path_list, "paths"),
        storage.core_path_list_command().line,
        (CORE_PATH_SAS, ESXCFG_MPATH_L),
    ),
    (
        "deviceconfig get",
        _kinded(storage.parse_rr_device_config, "limit_type", "iops", "bytes", "use_ano"),
        "esxcli storage nmp psp roundrobin deviceconfig get -d naa.600144f009d4d236",
        (RR_CONFIG_65,),
    ),
    (
        "advanced value",
        _kinded(storage.parse_advanced_value, "value"),
        "esxcfg-advcfg -g /Misc/EnablePSPLatencyPolicy",
        (ADVCFG_PSP_LATENCY,),
    ),
    (
        "vmkping",
        _pinged,
        "vmkping -I vmk2 -c 3 -d -s 8972 10.100.208.3",
        (VMKPING_OK, VMKPING_LOST, VMKPING_TOO_LONG),
    ),
]

_LEGEND = re.compile(r"(Flags: S - [^\n]*,)\n\s+(F - [^\n]*,)\n\s+(A - [^\n]*,)\n\s+(P - [^\n]*)")
_KEY_LINE = re.compile(r"^(\s*)([^\s:]+|[^\s]*\.[^\s]*)$", re.MULTILINE)


def reformat(text: str, ops: set[str], command: str, indent: str, prompt: str) -> str:
    """`text` as a web page, chat, terminal or ticket would hand it over."""
    if "legend" in ops:
        text = _LEGEND.sub(r"\1 \2 \3 \4", text)
    if "colons" in ops:
        text = _KEY_LINE.sub(
            lambda m: m.group(0) if m.group(2).endswith(":") else m.group(0) + ":", text
        )
    if "collapse" in ops:
        text = re.sub(r" {2,}", " ", text)
    if "tabs" in ops:
        text = re.sub(r" {2,}", "\t", text)
    if "indent" in ops:
        text = "\n".join(indent + line if line.strip() else line for line in text.split("\n"))
    if "prompt" in ops:
        text = f"{prompt} {command}\n{text}{prompt} "
    if "crlf" in ops:
        text = text.replace("\n", "\r\n")
    return text


@pytest.mark.parametrize(("name", "read", "command", "samples"), CASES, ids=[c[0] for c in CASES])
@settings(max_examples=40, deadline=None)
@given(
    ops=st.sets(st.sampled_from(LOSSLESS + LOSSY)),
    which=st.integers(min_value=0, max_value=9),
    indent=st.sampled_from(["  ", "    ", "\t", " "]),
    prompt=st.sampled_from(["~ #", "[root@esx01:~]", "#", "root@esx01:~ #"]),
)
def test_reformatted_sample_reads_the_same_or_says_unrecognised(
    name: str,
    read: Callable[[str], Any],
    command: str,
    samples: tuple[str, ...],
    ops: set[str],
    which: int,
    indent: str,
    prompt: str,
) -> None:
    sample = samples[which % len(samples)]
    expected = read(sample)
    assert expected != UNREAD and expected, f"{name}: the untouched sample must read"
    got = read(reformat(sample, ops, command, indent, prompt))
    if ops & set(LOSSY):
        assert got in (expected, UNREAD), f"{name} {sorted(ops)}: read silently wrong"
    else:
        assert got == expected, f"{name} {sorted(ops)}: lost in a lossless re-format"


@pytest.mark.parametrize(("name", "read", "command", "samples"), CASES, ids=[c[0] for c in CASES])
def test_collapsed_padding_of_samples_without_empty_cells_still_reads(
    name: str, read: Callable[[str], Any], command: str, samples: tuple[str, ...]
) -> None:
    """Collapsing must not simply give up: only the config sample, whose empty cells cannot be
    placed once the padding is gone, may come back unrecognised."""
    for sample in samples:
        got = read(reformat(sample, {"collapse"}, command, "", ""))
        if sample is LACP_CONFIG:
            assert got == UNREAD
        else:
            assert got == read(sample), name
