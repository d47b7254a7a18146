"""Parsers and pure verdicts of the design checks: real sample layouts, pasted text whose columns
collapsed, unrecognised output (said so, with the raw text), the drift majority, bad scenarios."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.esx.hostchecks import (
    lldp_values,
    parse_device_list,
    parse_extent_list,
    parse_module_parameters,
)
from vconsole.esx.storage_text import OutputKind
from vconsole.lab.scenario import ScenarioError, default_scenario, scenario_from_dict
from vconsole.models.common import Verdict
from vconsole.services.analyze import analyze_captures
from vconsole.services.checks_drift import _setting_row

# Layout of the [V] nfnic sample (public notes), with i40en's LLDP row.
MODULE_TABLE = """\
Name     Type          Value    Description
-------  ------------  -------  -----------
DRSS     array of int           Enable/disable the DefQueue RSS(default = 0 )
LLDP     array of int  0,0,1,0  Link Layer Discovery Protocol (LLDP) agent
RSS      array of int  1,1,1,1  Enable/disable the NetQueue RSS( default = 1 )
"""
# The same pasted from a page that collapsed the spacing (as the [V] bnx2x sample reads).
MODULE_COLLAPSED = """\
Name Type Value Description
------------------------------------ ------------ ----- -----------
DRSS array of int Enable/disable the DefQueue RSS(default = 0 )
LLDP array of int 1,1 Link Layer Discovery Protocol (LLDP) agent
"""
# Trimmed from the [V] USB/SD boot device sample (Cypress SDRAID).
SD_DEVICE = """\
eui.00a0504658335330
   Display Name: Local USB Direct-Access (eui.00a0504658335330)
   Has Settable Display Name: false
   Size: 30436
   Device Type: Direct-Access
   Vendor: Cypress
   Model: SDRAID
   Is Local: true
   Is Removable: true
   Is USB: true
   Is Boot USB Device: true
   Is Boot Device: true
"""


def test_module_parameters_table_and_collapsed_paste():
    table = parse_module_parameters(MODULE_TABLE)
    assert table.kind is OutputKind.OK
    assert lldp_values(table.get("LLDP")) == (0, 0, 1, 0)
    assert lldp_values(table.get("DRSS")) is None  # empty Value: the driver default
    pasted = parse_module_parameters(MODULE_COLLAPSED)
    assert lldp_values(pasted.get("LLDP")) == (1, 1)
    assert pasted.get("DRSS") is not None and pasted.get("DRSS").value == ""  # type: ignore[union-attr]


def test_unrecognised_and_error_outputs_keep_the_raw_text():
    odd = parse_module_parameters("something else entirely\n")
    assert odd.kind is OutputKind.UNRECOGNISED and odd.message == "something else entirely"
    missing = parse_module_parameters("Error: Unable to find module i40en\n")
    assert missing.kind is OutputKind.ERROR and "i40en" in missing.message
    assert parse_device_list("garbage").kind is OutputKind.UNRECOGNISED
    assert parse_extent_list("Volume Name\n").kind is OutputKind.UNRECOGNISED


def test_sd_card_behind_usb_bridge_is_sd_and_the_boot_device():
    devices = parse_device_list(SD_DEVICE)
    boot = devices.boot_device()
    assert boot is not None and boot.media == "sd" and boot.size_mb == 30436


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=1), min_size=1, max_size=8))
def test_lldp_values_round_trip(values):
    row = f"LLDP     array of int  {','.join(map(str, values))}  agent"
    text = f"Name     Type          Value  Description\n-------  ------------  -----  ---\n{row}\n"
    assert lldp_values(parse_module_parameters(text).get("LLDP")) == tuple(values)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from([f"esx{i}" for i in range(7)]),
                       st.sampled_from(["0", "1", "2"]), min_size=2))  # fmt: skip
def test_drift_names_exactly_the_hosts_off_a_strict_majority(values):
    result = _setting_row("CL", "EnablePSPLatencyPolicy", values, "vc", 0.0)
    counts = sorted((list(values.values()).count(v), v) for v in set(values.values()))
    if len(counts) == 1:
        assert result.verdict is Verdict.OK
        return
    assert result.verdict is Verdict.WARNING
    top, second = counts[-1], counts[-2]
    if top[0] > second[0]:
        odd = {h for h, v in values.items() if v != top[1]}
        named = {h for h in values if f"{h} (" in result.finding.text}
        assert named == odd
        assert result.fix.endswith(f"-i {top[1]}")
    else:
        assert "no majority" in result.finding.text


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"dvs": [{"name": "DSwitch-HQ", "multicast_filtering": "igmp"}]},
         "dvs[0].multicast_filtering: 'igmp' is not accepted; accepted: legacyFiltering, snooping"),
        ({"dvs": [{"name": "DSwitch-XX"}]}, "dvs DSwitch-XX: no host is on this switch"),
        ({"dvs": [{"name": "DSwitch-HQ", "colour": "red"}]}, "dvs[0]: unknown key(s) ['colour']"),
        ({"cluster": [{"name": "MGMT", "admission": "slot"}]},
         "cluster[0].admission: 'slot' is not accepted"),
        ({"cluster": [{"name": "MGMT", "reservation": [{"vm": "web01"}]}]},
         "no lab VM 'web01'"),
    ],
)  # fmt: skip
def test_bad_check_keys_are_refused_by_name(patch, message):
    from vconsole import _toml

    data = _toml.loads(Path("vconsole/lab/scenarios/default.toml").read_text())
    data.update(patch)
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    assert message in str(caught.value)


def test_bad_host_boot_device_is_refused():
    from vconsole import _toml

    data = _toml.loads(Path("vconsole/lab/scenarios/default.toml").read_text())
    data["host"][0]["boot_device"] = "floppy"
    with pytest.raises(
        ScenarioError, match=r"boot_device: 'floppy' is not accepted; accepted: disk"
    ):
        scenario_from_dict(data)


def test_default_scenario_declares_the_check_knobs():
    s = default_scenario()
    assert {d.name for d in s.switches} == {"DSwitch-HQ", "DSwitch-AKL", "DSwitch-WLG"}
    assert s.host("esx-wlg-02").boot_device == "usb"
    assert dict(s.host("esx-akl-01").module_params) == {"i40en": "LLDP=1,1"}


def pasted_capture(tmp_path: Path) -> Path:
    """A hand-written capture: a collapsed module table and a garbled device list."""
    commands = {
        "esxcli network nic list": (
            "Name    PCI Device    Driver  Admin Status  Link Status  Speed  Duplex  MAC Address"
            "        MTU  Description\n------  ------------  ------  ------------  -----------  "
            "-----  ------  -----------------  ----  -----------\nvmnic0  0000:3b:00.0  i40en  "
            "  Up            Up           10000  Full    b4:96:91:00:00:01  1500  Intel X710\n"
        ),
        "esxcli system module parameters list -m i40en": MODULE_COLLAPSED,
        "esxcli storage core device list": "%%% not what esxcli prints %%%\n",
        "esxcli system settings advanced list -o /Net/TeamPolicyUpDelay": (
            "   Path: /Net/TeamPolicyUpDelay\n   Type: integer\n   Int Value: 100\n"
        ),
    }
    capture = {
        "host": "esx-paste",
        "captured_at": "2026-12-01T10:00:00Z",
        "commands": {k: {"stdout": v, "stderr": "", "exit": 0} for k, v in commands.items()},
    }
    path = tmp_path / "paste.json"
    path.write_text(json.dumps(capture))
    return path


async def test_pasted_capture_with_unrecognised_output(tmp_path):
    """The collapsed module table is read; the garbled device list says so, with its text."""
    out = await analyze_captures([pasted_capture(tmp_path)], panes=["checks"])
    rows = {(r["check"], r["code"]): r for r in out["checks"]["rows"]}
    assert rows[("lldp", "i40en-lldp-agent-idle")]["value"] == "LLDP 1,1"
    unreadable = rows[("boot", "unreadable")]
    assert unreadable["severity"] == "error"
    assert "%%% not what esxcli prints %%%" in unreadable["evidence"]
    assert rows[("flapping", "flapping-exposure")]["severity"] == "info"


def test_analyze_prints_check_problems_with_their_fix(tmp_path, capsys):
    from vconsole.cli import main

    assert main(["analyze", str(pasted_capture(tmp_path)), "--pane", "checks"]) == 1
    text = capsys.readouterr().out
    assert "ERROR    boot esx-paste: could not read the storage device list" in text
    assert "fix (not run): esxcli system module parameters set -m i40en -p LLDP=0" in text


def test_profile_nlb_portgroups_are_checked_by_config_check(tmp_path):
    from vconsole.config import load_config
    from vconsole.config_check import parse_config

    good = tmp_path / "good.toml"
    good.write_text('[profiles.p]\nnlb_portgroups = ["NLB-*"]\n')
    assert load_config(good).profile("p").nlb_portgroups == ("NLB-*",)
    bad = tmp_path / "bad.toml"
    bad.write_text('[profiles.p]\nnlb_portgroups = "NLB-*"\n')
    problems, _ = parse_config(bad)
    assert any("profiles.p.nlb_portgroups" in str(p) and "port group name patterns" in str(p)
               for p in problems)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=6),
       st.integers(min_value=0, max_value=200))  # fmt: skip
def test_failover_capacity_is_the_most_large_hosts_that_can_fail(host_slots, used):
    from vconsole.services.checks_vcenter import SlotInfo

    info = SlotInfo(1, 1, 1, sum(host_slots), used, 0, len(host_slots), len(host_slots), used,
                    tuple(host_slots))  # fmt: skip
    capacity = info.failover_capacity
    largest = sorted(host_slots, reverse=True)
    assert capacity is not None and 0 <= capacity <= len(host_slots)
    assert sum(host_slots) - sum(largest[:capacity]) >= used or capacity == 0
    if capacity < len(host_slots):
        assert sum(host_slots) - sum(largest[: capacity + 1]) < used


async def test_an_older_capture_says_which_command_it_lacks(tmp_path):
    path = pasted_capture(tmp_path)
    data = json.loads(path.read_text())
    del data["commands"]["esxcli system module parameters list -m i40en"]
    path.write_text(json.dumps(data))
    out = await analyze_captures([path], panes=["checks"])
    lldp = next(r for r in out["checks"]["rows"] if r["check"] == "lldp")
    assert lldp["severity"] == "error"
    assert "no output for 'esxcli system module parameters list -m i40en'" in lldp["evidence"]


@settings(max_examples=40)
@given(
    st.lists(st.tuples(st.booleans(), st.sampled_from(["cdp", "lldp", ""])), min_size=0, max_size=3)
)
def test_lldp_evidence_names_each_switch_of_the_host_and_never_ends_in_a_separator(switches):
    """A host on no distributed switch (standard vSwitches only) gets words, not a dangling '; '."""
    from vconsole.esx.hostchecks import parse_module_parameters
    from vconsole.esx.netinventory import PhysicalNic
    from vconsole.services.checks_host import HostFacts
    from vconsole.services.checks_network import lldp_rows
    from vconsole.services.checks_vcenter import SwitchFacts, VcenterFacts

    nics = tuple(PhysicalNic(f"vmnic{i}", 1500, True, driver="i40en") for i in (2, 3))
    facts = HostFacts("esx-a", nics=nics, i40en=parse_module_parameters(MODULE_COLLAPSED))
    vc = VcenterFacts(
        switches=tuple(
            SwitchFacts(f"DSwitch-{i}", discovery=d, hosts=("esx-a",) if member else ("esx-b",))
            for i, (member, d) in enumerate(switches)
        )
    )
    (only,) = lldp_rows({"esx-a": facts}, vc, "HQ", 0.0)
    evidence = only.finding.evidence
    assert not evidence.rstrip().endswith(";")
    members = [(f"DSwitch-{i}", d) for i, (m, d) in enumerate(switches) if m]
    for name, discovery in members:
        assert f"{name}: {discovery or '?'}" in evidence
    if not members:
        assert "no distributed switch" in evidence
    assert ("DSwitch-" in evidence) == bool(members)
