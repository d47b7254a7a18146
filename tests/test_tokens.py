"""Validated command tokens: what is accepted, what is refused and how the error reads."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vconsole import tokens
from vconsole.errors import InvalidToken
from vconsole.tokens import Command, normalise_line

HOSTILE = [
    "vmk0; reboot",
    "$(reboot)",
    "`id`",
    "vmk0\nreboot",
    "vmk\x00",
    "vmk０",
    "vmk0 | sh",
    "-rf",
    "vmk0&",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_refused_by_every_validator(value):
    validators = [
        tokens.vmk_name,
        tokens.vmnic_name,
        tokens.ip_address,
        tokens.hostname,
        tokens.target_address,
        tokens.netstack_name,
        tokens.device_id,
        tokens.dvs_name,
        tokens.lag_name,
        tokens.advanced_option,
    ]
    for validate in validators:
        with pytest.raises(InvalidToken):
            validate(value)


def test_error_names_the_field_and_what_is_accepted():
    with pytest.raises(InvalidToken) as info:
        tokens.vmk_name("vmk0; reboot", field="interface")
    message = str(info.value)
    assert message.startswith("interface:") and "vmk0..vmk999" in message
    assert info.value.field == "interface" and info.value.accepted


@pytest.mark.parametrize(
    ("validate", "good"),
    [
        (tokens.vmk_name, "vmk12"),
        (tokens.vmnic_name, "vmnic3"),
        (tokens.ipv4_address, "192.0.2.10"),
        (tokens.ipv6_address, "2001:db8::10"),
        (tokens.hostname, "esx01.site-a.example.com"),
        (tokens.target_address, "10.0.0.1"),
        (tokens.target_address, "witness01"),
        (tokens.netstack_name, "vSphereProvisioning"),
        (tokens.device_id, "naa.600508b1001c3a2b4c5d6e7f80910111"),
        (tokens.device_id, "eui.0025385b71b0a1c2"),
        (tokens.device_id, "t10.ATA_____Samsung_SSD_860_EVO_500GB_______S3Z1NB0K"),
        (tokens.device_id, "mpx.vmhba32:C0:T0:L0"),
        (tokens.dvs_name, "DSwitch-Prod 01"),
        (tokens.lag_name, "lag1"),
        (tokens.psp_name, "VMW_PSP_RR"),
        (tokens.rr_type, "latency"),
        (tokens.advanced_option, "/Misc/EnablePSPLatencyPolicy"),
    ],
)
def test_valid_values_pass_unchanged(validate, good):
    assert validate(good) == good


@pytest.mark.parametrize(
    ("validate", "bad"),
    [
        (tokens.vmk_name, "vmk1234"),
        (tokens.vmk_name, "eth0"),
        (tokens.ipv4_address, "192.0.2.300"),
        (tokens.ipv6_address, "fe80::1%vmk0"),
        (tokens.hostname, "-esx01"),
        (tokens.hostname, "a" * 64 + ".example"),
        (tokens.target_address, "10.0.0.256"),
        (tokens.device_id, "naa.xyz"),
        (tokens.device_id, "sda"),
        (tokens.psp_name, "VMW_PSP_RR; reboot"),
        (tokens.rr_type, "fastest"),
        (tokens.advanced_option, "Misc/EnablePSPLatencyPolicy"),
        (tokens.lag_id, "-1"),
    ],
)
def test_invalid_values_are_refused(validate, bad):
    with pytest.raises(InvalidToken):
        validate(bad)


def test_payload_size_range():
    assert tokens.payload_size("8972") == 8972
    assert tokens.payload_size(1472, maximum=8972) == 1472
    for bad in ("0", "-1", "9000x", 70000, True, 1.5):
        with pytest.raises(InvalidToken) as info:
            tokens.payload_size(bad)
        assert "1 to 65507" in str(info.value)
    with pytest.raises(InvalidToken):
        tokens.payload_size(9000, maximum=8972)


def test_command_line_is_quoted_and_immutable():
    command = Command.of("vmkping", "-d", "-s", 1472, "-I", "vmk1", "192.0.2.1")
    assert command.line == "vmkping -d -s 1472 -I vmk1 192.0.2.1"
    assert not command.mutating
    spaced = Command.of(
        "esxcli",
        "network",
        "vswitch",
        "dvs",
        "vmware",
        "lacp",
        "config",
        "get",
        "--dvs",
        "DSwitch 01",
    )
    assert spaced.line.endswith("--dvs 'DSwitch 01'")
    with pytest.raises(AttributeError):
        command.mutating = True  # type: ignore[misc]
    assert Command.of("esxcli", "storage", "nmp", "device", "set", mutating=True).mutating


def test_normalise_line_matches_hand_typed_captures():
    assert normalise_line("esxcli   network  nic list ") == "esxcli network nic list"
    assert normalise_line('esxcli --dvs "DSwitch 01"') == "esxcli --dvs 'DSwitch 01'"


@given(st.text(min_size=1, max_size=30))
def test_any_accepted_word_round_trips_through_the_shell_quoting(text):
    import shlex

    try:
        command = Command.of("echo", text)
    except InvalidToken:
        return
    assert shlex.split(command.line) == ["echo", text]
    assert all(ch.isascii() and ch.isprintable() for ch in text)
