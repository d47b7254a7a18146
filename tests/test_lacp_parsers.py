"""Parsers of `esxcli network vswitch dvs vmware lacp status|stats|config get`.

The [V] samples from the reference are used verbatim; the [R] 5.5+ layout is exercised with
indentation and legend variations, and arbitrary text must give `unrecognised`, never a crash.
"""

from __future__ import annotations

import textwrap

import esxi_samples as samples
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.errors import InvalidToken
from vconsole.esx.lacp import (
    READ_COMMANDS,
    OutputKind,
    parse_config,
    parse_stats,
    parse_status,
    timeout_set_command,
)

STATUS_51_V = samples.LACP_STATUS  # the same [V] sample the re-formatting tests use

CONFIG_51_V = samples.LACP_CONFIG  # the same [V] sample the re-formatting tests use

STATS_51_V = samples.LACP_STATS  # the same [V] sample the re-formatting tests use


def _port(nic: str, partner: str, key: int, state: str = "Bundled", flags: str = "SA") -> str:
    return f"""\
         Local Information:
         Admin Key: 13
         Flags: SA
         Oper Key: 13
         Port Number: 32768
         Port Priority: 255
         Port State: ACT,AGG,SYN,COL,DIST,
         Nic: {nic}
         Partner Information:
         Age: 00:00:04
         Device ID: {partner}
         Flags: {flags}
         Oper Key: {key}
         Port Number: 282
         Port Priority: 32768
         Port State: ACT,AGG,SYN,COL,DIST,
         State: {state}
"""


def status_55(lags: list[tuple[str, str, list[str]]]) -> str:
    """The reconstructed 5.5+ layout: one block per LAG, legend on one line."""
    blocks = []
    for dvs, lag_id, ports in lags:
        blocks.append(
            f"{dvs}\n   DVSwitch: {dvs}\n"
            "   Flags: S - Device is sending Slow LACPDUs, F - Device is sending fast LACPDUs, "
            "A - Device is in active mode, P - Device is in passive mode\n"
            f"   LAGID: {lag_id}\n   Mode: Active\n   Nic List:\n" + "\n".join(ports)
        )
    return "\n".join(blocks)


def test_status_51_verbatim_sample_is_read_field_by_field():
    out = parse_status(STATUS_51_V)
    assert out.kind == OutputKind.OK
    (lag,) = out.lags
    assert (lag.dvs, lag.lag_id, lag.mode) == ("dvs", "55555", "Active")
    (nic,) = lag.nics
    assert nic.nic == "vmnic3" and nic.state == "Bundled"
    assert nic.local.flags == "FA" and nic.local.timeout_letter == "F"
    assert nic.local.port_state == ("ACT", "FTO", "AGG", "SYN", "COL", "DIST")
    assert (nic.local.admin_key, nic.local.oper_key, nic.local.port_number) == (7, 7, 2)
    assert nic.partner.device_id == "00:04:96:34:c8:4f"
    assert nic.partner.flags == "SA" and nic.partner.timeout_letter == "S"
    assert (nic.partner.oper_key, nic.partner.port_number, nic.partner.port_priority) == (
        1039,
        1039,
        0,
    )
    assert nic.partner.age_seconds == 3
    assert nic.partner.heard
    assert out.unparsed == ()


def test_status_51_with_indentation_stripped_and_legend_unwrapped_reads_the_same():
    flat = "\n".join(line.strip() for line in STATUS_51_V.splitlines())
    one_line_legend = STATUS_51_V.replace("Slow LACPDUs,\n         F", "Slow LACPDUs, F").replace(
        "fast LACPDUs,\n         A", "fast LACPDUs, A"
    )
    assert parse_status(flat).lags == parse_status(STATUS_51_V).lags
    assert parse_status(one_line_legend).lags == parse_status(STATUS_51_V).lags


def test_status_keys_are_matched_without_regard_to_case_or_spaces():
    variant = STATUS_51_V.replace("LAGID:", "Lag ID:").replace("Device ID:", "DeviceID:")
    variant = variant.replace("Port State:", "port state:")
    assert parse_status(variant).lags == parse_status(STATUS_51_V).lags


def test_status_55_multiple_lags_and_nics_split_into_blocks():
    text = status_55(
        [
            ("DSwitch-01", "1052487777", [_port("vmnic1", "00:23:04:ee:be:64", 13), "", _port("vmnic2", "00:23:04:ee:be:64", 13)]),
            ("DSwitch-02", "1052487778", [_port("vmnic4", "00:23:04:ee:be:65", 14, "Stand-alone")]),
        ]
    )  # fmt: skip
    out = parse_status(text)
    assert out.kind == OutputKind.OK
    assert [(lag.dvs, lag.lag_id, [n.nic for n in lag.nics]) for lag in out.lags] == [
        ("DSwitch-01", "1052487777", ["vmnic1", "vmnic2"]),
        ("DSwitch-02", "1052487778", ["vmnic4"]),
    ]
    assert out.lags[1].nics[0].state == "Stand-alone"


def test_status_all_zero_partner_is_not_heard():
    text = status_55([("DSwitch-01", "7", [_port("vmnic1", "00:00:00:00:00:00", 0)])])
    text = text.replace("Port Number: 282", "Port Number: 0")
    (nic,) = parse_status(text).lags[0].nics
    assert not nic.partner.heard


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("No running LACP group on the host\n", OutputKind.NO_LAG),
        ("LACP is disabled on DVSwitch\n", OutputKind.DISABLED),
        ("", OutputKind.EMPTY),
        ("Error: Unknown command or namespace network vswitch dvs vmware lacp\n", OutputKind.ERROR),
        ("Filesystem 1K-blocks Used\n/dev/sda 100 20\n", OutputKind.UNRECOGNISED),
    ],
)
def test_status_messages_are_classified(text, kind):
    out = parse_status(text)
    assert out.kind == kind
    assert out.lags == ()
    if kind == OutputKind.UNRECOGNISED:
        assert "unrecognised" in out.message


def test_config_51_verbatim_table_keeps_empty_cells_in_their_columns():
    out = parse_config(CONFIG_51_V)
    assert out.kind == OutputKind.OK
    assert [(c.dvs, c.lag_id, c.nics, c.enabled, c.mode) for c in out.lags] == [
        ("vdswitch-0-1-1695", "0", ("vmnic1", "vmnic2", "vmnic3"), False, ""),
        ("vdswitch-1-1-1695", "0", (), True, "Active"),
        ("vdswitch-2-1-1695", "0", ("vmnic4",), True, "Passive"),
    ]


def test_config_55_columns_are_found_by_name():
    text = textwrap.dedent(
        """\
        DVS Name    LAG Name  LAG ID      NICs           Timeout  Mode    Nic Number  Load Balance
        ----------  --------  ----------  -------------  -------  ------  ----------  -----------------------
        DSwitch-01  lag1      1052487777  vmnic1,vmnic2  Slow     Active           2  srcDestIpTcpUdpPortVlan
        """
    )
    (cfg,) = parse_config(text).lags
    assert cfg.lag_name == "lag1" and cfg.lag_id == "1052487777"
    assert cfg.nics == ("vmnic1", "vmnic2") and cfg.nic_count == 2
    assert (cfg.timeout, cfg.mode, cfg.load_balance) == (
        "Slow",
        "Active",
        "srcDestIpTcpUdpPortVlan",
    )


def test_config_disabled_message():
    assert parse_config("LACP is disabled on DVSwitch").kind == OutputKind.DISABLED


def test_stats_51_verbatim_counters():
    out = parse_stats(STATS_51_V)
    assert out.kind == OutputKind.OK
    assert [(c.dvs, c.lag_id, c.nic, c.rx_lacpdus, c.tx_lacpdus) for c in out.counters] == [
        ("test-2", "0", "vmnic3", 0, 142),
        ("test-2", "0", "vmnic2", 0, 142),
        ("test-2", "0", "vmnic1", 0, 142),
    ]
    assert all(c.rx_errors == 0 and c.tx_errors == 0 for c in out.counters)


def test_stats_pasted_without_padding_is_split_on_spaces():
    squeezed = "\n".join(" ".join(line.split()) for line in STATS_51_V.splitlines())
    out = parse_stats(squeezed)
    assert [c.tx_lacpdus for c in out.counters] == [142, 142, 142]


def test_stats_csv_formatter_is_read():
    text = "DVSwitch,LAGID,NIC,RxErrors,RxLACPDUs,TxErrors,TxLACPDUs,\nDSwitch-01,7,vmnic1,0,12,0,30,\n"
    (c,) = parse_stats(text).counters
    assert (c.dvs, c.lag_id, c.nic, c.rx_lacpdus, c.tx_lacpdus) == (
        "DSwitch-01",
        "7",
        "vmnic1",
        12,
        30,
    )


def test_stats_without_counter_columns_is_unrecognised():
    out = parse_stats(CONFIG_51_V)
    assert out.kind == OutputKind.UNRECOGNISED
    assert "Rx LACPDUs" in out.message


def test_read_commands_are_the_documented_lines():
    assert [c.line for c in READ_COMMANDS] == [
        "esxcli network vswitch dvs vmware lacp status get",
        "esxcli network vswitch dvs vmware lacp stats get",
        "esxcli network vswitch dvs vmware lacp config get",
    ]
    assert not any(c.mutating for c in READ_COMMANDS)


def test_timeout_set_builds_the_kb_command_and_is_mutating():
    cmd = timeout_set_command("DSwitch 01", 1052487777, "fast", "vmnic1")
    assert cmd.mutating
    assert cmd.line == (
        "esxcli network vswitch dvs vmware lacp timeout set -l 1052487777 -t 1 "
        "-s 'DSwitch 01' -n vmnic1"
    )
    assert timeout_set_command("d", "5", "slow").line.endswith("-l 5 -t 0 -s d")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"dvs": "d; reboot", "lag": "1", "timeout": "fast"}, "dvs"),
        ({"dvs": "d", "lag": "1; x", "timeout": "fast"}, "lag id"),
        ({"dvs": "d", "lag": "1", "timeout": "medium"}, "timeout"),
        ({"dvs": "d", "lag": "1", "timeout": "fast", "nic": "eth0"}, "vmnic"),
    ],
)
def test_timeout_set_refuses_bad_values_naming_the_field(kwargs, field):
    with pytest.raises(InvalidToken) as caught:
        timeout_set_command(**kwargs)
    assert caught.value.field == field


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parsers_never_crash_on_arbitrary_text(text):
    for parse in (parse_status, parse_stats, parse_config):
        out = parse(text)
        assert isinstance(out.kind, OutputKind)
        assert not out.message.startswith("parser failed"), out.message


_LINES = st.sampled_from(
    STATUS_51_V.splitlines() + STATS_51_V.splitlines() + CONFIG_51_V.splitlines()
    + ["", "   ", "LAGID: x", "DVSwitch:", "State:", "Port State: ,,,", "Age: 99:99:99", "-----"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, max_size=40))
def test_parsers_never_crash_on_shuffled_real_lines(lines):
    text = "\n".join(lines)
    status = parse_status(text)
    assert status.kind in set(OutputKind)
    for lag in status.lags:
        for nic in lag.nics:
            assert nic.partner.age_seconds is None or nic.partner.age_seconds >= 0
    assert not status.message.startswith("parser failed"), status.message
    for out in (parse_stats(text), parse_config(text)):
        assert not out.message.startswith("parser failed"), out.message


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1))
def test_text_without_lag_lines_is_unrecognised_not_ok(text):
    if any(w in text.lower() for w in ("lagid", "dvswitch", "lacp", "error", "usage")):
        return
    if not text.strip():
        return
    assert parse_status(text).kind == OutputKind.UNRECOGNISED
