"""A verdict built on output the console could not read says so, naming the command and host.

Captures are written as an admin would paste them into a ticket and replayed through the real
session layer (`analyze`), so the rows are the ones the panes show.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import esxi_samples as samples
import pytest

from vconsole.esx import lacp, storage
from vconsole.esx import netinventory as inv
from vconsole.services.analyze import analyze_captures


@pytest.fixture(autouse=True)
def _state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))


def _analyze(tmp_path: Path, host: str, commands: dict[str, str], pane: str) -> Any:
    path = tmp_path / f"{host}.json"
    path.write_text(json.dumps({"host": host, "captured_at": "", "commands": commands}))
    return asyncio.run(analyze_captures([path], [pane]))[pane]


def _texts(rows: list[dict[str, Any]]) -> list[str]:
    return [p["text"] for row in rows for p in row.get("problems") or ()] + [
        row.get("summary", "") for row in rows
    ]


def test_unreadable_lacp_stats_say_could_not_read_on_the_host(tmp_path: Path) -> None:
    garbled = "DVSwitch LAGID NIC Rx Errors Rx LACPDUs\n-------- ----- ------ ---------\nx y\n"
    rows = _analyze(
        tmp_path,
        "esx01",
        {
            lacp.status_command().line: samples.LACP_STATUS,
            lacp.stats_command().line: garbled,
            lacp.config_command().line: samples.LACP_CONFIG,
        },
        "lacp",
    )
    unread = [t for t in _texts(rows) if t.startswith("could not read lacp stats on esx01")]
    assert unread, _texts(rows)
    assert any(row["verdict"] == "error" for row in rows)


def test_unreadable_lacp_status_says_could_not_read_on_the_host(tmp_path: Path) -> None:
    rows = _analyze(
        tmp_path,
        "esx01",
        {
            lacp.status_command().line: "something else entirely",
            lacp.stats_command().line: "",
            lacp.config_command().line: "",
        },
        "lacp",
    )
    assert any(t.startswith("could not read lacp status on esx01") for t in _texts(rows))


def test_esxcfg_mpath_pasted_as_device_list_is_named_in_the_paths_verdict(tmp_path: Path) -> None:
    rows = _analyze(
        tmp_path,
        "esx02",
        {
            storage.nmp_device_list_command().line: samples.CORE_PATH_SAS,
            storage.core_path_list_command().line: samples.CORE_PATH_SAS,
            storage.nmp_path_list_command().line: "",
            storage.psp_latency_policy_command().line: "",
        },
        "paths",
    )
    texts = _texts(rows)
    assert any("could not read esxcli storage nmp device list on esx02" in t for t in texts), texts
    assert not any(samples.NMP_DEVICE_IOPS[:10] in t for t in texts)


def test_collapsed_stats_in_a_capture_still_give_the_critical_silent_switch(tmp_path: Path) -> None:
    """The issue's case end to end: padding lost in a ticket must not turn critical into ok."""
    squeezed = "\n".join(" ".join(line.split()) for line in samples.LACP_STATS.splitlines())
    rows = _analyze(
        tmp_path,
        "esx01",
        {
            lacp.status_command().line: samples.LACP_STATUS.replace("dvs", "test-2").replace(
                "55555", "0"
            ),
            lacp.stats_command().line: squeezed,
            lacp.config_command().line: "",
        },
        "lacp",
    )
    (row,) = [r for r in rows if r.get("vmnic") == "vmnic3"]
    assert row["verdict"] == "critical"
    assert "partner-silent" in [p["code"] for p in row["problems"]]


async def test_mtu_discovery_says_which_output_it_could_not_read(tmp_path: Path) -> None:
    from vconsole.config import Profile, TargetConfig
    from vconsole.services.mtu import MtuService
    from vconsole.sessions import SessionManager

    good = {
        inv.INTERFACE_LIST.line: samples.IFACE_9,
        inv.IPV4_GET.line: samples.IPV4_9,
        inv.NETSTACK_LIST.line: samples.NETSTACKS,
        inv.DVS_LIST.line: samples.DVS_9,
        inv.NIC_LIST.line: samples.NIC_LIST,
    }
    bad = {**good, inv.NIC_LIST.line: "Name  Driver\n----  ------\nvmnic0 nvmxnet3 extra\n"}
    targets = []
    for host, commands in (("esx01", good), ("esx02", bad)):
        path = tmp_path / f"{host}.json"
        path.write_text(json.dumps({"host": host, "commands": commands}))
        targets.append(TargetConfig(name=host, kind="replay", file=str(path)))
    manager = SessionManager(Profile("t", tuple(targets), read_only=True), read_only=True)
    try:
        service = MtuService(manager)
        fine, unread = await service.discover("esx01"), await service.discover("esx02")
    finally:
        await manager.close()
    assert fine.error == "" and [(v.name, v.mtu, v.ipv4) for v in fine.vmks] == [
        ("vmk0", 9000, "172.30.30.176")
    ]
    assert unread.error.startswith("could not read esxcli network nic list on esx02: ")
    assert unread.vmks == ()
