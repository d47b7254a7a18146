"""vmkping output parsing on the reference's verbatim samples, and command building."""

from __future__ import annotations

import pytest
from esxi_samples import VMKPING_LOST, VMKPING_TOO_LONG
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.errors import InvalidToken
from vconsole.esx.vmkping import parse_vmkping, probe_outcome, vmkping_command
from vconsole.models.mtu import ProbeKind

JUMBO_OK = """\
[root@hci01p02rv:~] vmkping -I vmk2 -c 3 -d -s 8972 -i 0.05 10.100.208.3
PING 10.100.208.3 (10.100.208.3): 8972 data bytes
8980 bytes from 10.100.208.3: icmp_seq=0 ttl=64 time=0.303 ms
8980 bytes from 10.100.208.3: icmp_seq=1 ttl=64 time=0.190 ms
8980 bytes from 10.100.208.3: icmp_seq=2 ttl=64 time=0.228 ms

--- 10.100.208.3 ping statistics ---
3 packets transmitted, 3 packets received, 0% packet loss
round-trip min/avg/max = 0.190/0.240/0.303 ms
"""

# the same [V] samples as esxi_samples, with the command line the session echoed first
ALL_LOST = (
    "[root@hci01p02rv:~] vmkping -I vmk2 -c 3 -d -s 8972 -i 0.05 10.100.208.3\n" + VMKPING_LOST
)

TOO_LONG = "vmkping -d  -s 1500  192.168.6.1\n" + VMKPING_TOO_LONG


def test_jumbo_reply_is_a_pass_with_rtt():
    out = parse_vmkping(JUMBO_OK)
    assert (out.address, out.payload) == ("10.100.208.3", 8972)
    assert [r.size for r in out.replies] == [8980, 8980, 8980]
    assert (out.transmitted, out.received, out.loss_pct) == (3, 3, 0.0)
    assert out.rtt_ms == (0.190, 0.240, 0.303)
    assert probe_outcome(out, 8972).kind is ProbeKind.REPLY


def test_silent_loss_is_lost_not_error():
    p = probe_outcome(parse_vmkping(ALL_LOST), 8972)
    assert p.kind is ProbeKind.LOST
    assert (p.sent, p.received) == (3, 0)


def test_message_too_long_is_local():
    out = parse_vmkping(TOO_LONG)
    assert out.send_errors == ("Message too long",) * 3
    assert probe_outcome(out, 1500).kind is ProbeKind.TOO_LONG


def test_sendto_on_stderr_and_stats_on_stdout():
    stdout = "PING 10.44.44.59 (10.44.44.59): 1600 data bytes\n\n--- 10.44.44.59 ping statistics ---\n2 packets transmitted, 0 packets received, 100% packet loss\n"
    stderr = "sendto() failed (Message too long)\nsendto() failed (Message too long)\n"
    assert probe_outcome(parse_vmkping(stdout, stderr), 1600).kind is ProbeKind.TOO_LONG


def test_partial_loss_still_passes():
    text = JUMBO_OK.replace("3 packets received, 0%", "1 packets received, 66.7%")
    text = "\n".join(
        ln for ln in text.splitlines() if "icmp_seq=1" not in ln and "icmp_seq=2" not in ln
    )
    p = probe_outcome(parse_vmkping(text), 8972)
    assert p.kind is ProbeKind.REPLY and p.received == 1 and "2 lost" in p.detail


def test_unknown_interface_is_an_error():
    p = probe_outcome(parse_vmkping("", "Unknown interface 'vmk9': Invalid argument\n"), 56)
    assert p.kind is ProbeKind.ERROR and "vmk9" in p.detail


def test_ipv6_hlim_reply():
    text = (
        "PING fe80::250:56ff:fe6c:111 (fe80::250:56ff:fe6c:111): 56 data bytes\n"
        "64 bytes from fe80::250:56ff:fe6c:111: icmp_seq=0 hlim=64 time=0.412 ms\n"
        "\n--- fe80::250:56ff:fe6c:111 ping statistics ---\n"
        "1 packets transmitted, 1 packets received, 0% packet loss\n"
    )
    out = parse_vmkping(text)
    assert out.replies[0].source == "fe80::250:56ff:fe6c:111"
    assert probe_outcome(out, 56).kind is ProbeKind.REPLY


def test_linux_frag_needed_carries_the_mtu_hint():
    text = (
        "PING 10.9.0.2 (10.9.0.2) 1253(1281) bytes of data.\n"
        "From 10.9.0.1 icmp_seq=1 Frag needed and DF set (mtu = 1280)\n\n"
        "--- 10.9.0.2 ping statistics ---\n"
        "1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n"
    )
    p = probe_outcome(parse_vmkping(text), 1253)
    assert p.kind is ProbeKind.FRAG_NEEDED and p.mtu_hint == 1280


def test_linux_local_message_too_long():
    text = "ping: local error: message too long, mtu=1500\n\n--- x ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n"
    p = probe_outcome(parse_vmkping(text), 1473)
    assert p.kind is ProbeKind.TOO_LONG and p.mtu_hint == 1500


def test_garbage_is_an_error_not_a_loss():
    p = probe_outcome(parse_vmkping("-sh: vmkping: not found\n"), 56, exit_code=127)
    assert p.kind is ProbeKind.ERROR and "exit 127" in p.detail


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text())
def test_parser_never_crashes_on_arbitrary_text(stdout, stderr):
    out = parse_vmkping(stdout, stderr)
    assert probe_outcome(out, 100).kind in set(ProbeKind)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(JUMBO_OK.splitlines() + TOO_LONG.splitlines() + ["", "   ", "x: y"])
        | st.text(max_size=40),
        max_size=20,
    )
)
def test_parser_never_crashes_on_shuffled_real_lines(lines):
    parse_vmkping("\n".join(lines))


def test_command_line_for_a_vmotion_vmk():
    cmd = vmkping_command("192.168.111.12", size=8972, vmk="vmk2", netstack="vmotion")
    assert cmd.line == "vmkping -I vmk2 -S vmotion -d -s 8972 -c 2 -i 0.2 -W 1 192.168.111.12"
    assert not cmd.mutating


def test_command_line_default_netstack_and_ipv6():
    cmd = vmkping_command(
        "2001:db8::5", size=1452, vmk="vmk0", netstack="defaultTcpipStack", family=6, count=1
    )
    assert cmd.line == "vmkping -6 -I vmk0 -d -s 1452 -c 1 -W 1 2001:db8::5"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"target": "10.0.0.1; reboot", "size": 100}, "target"),
        ({"target": "10.0.0.1", "size": 100, "vmk": "eth0"}, "vmk"),
        ({"target": "10.0.0.1", "size": 70000}, "size"),
        ({"target": "10.0.0.1", "size": 100, "netstack": "$(id)"}, "netstack"),
        ({"target": "999.1.1.1", "size": 100}, "target"),
    ],
)
def test_bad_values_are_refused_naming_the_field(kwargs, field):
    with pytest.raises(InvalidToken) as err:
        vmkping_command(**kwargs)
    assert err.value.field == field
