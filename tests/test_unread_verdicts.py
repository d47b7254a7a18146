"""A verdict built on output the console could not read says so, naming the command and host.

Captures are written as an admin would paste them into a ticket and replayed through the real
session layer (`analyze`), so the rows are the ones the panes show.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from esxi_samples import CORE_PATH_SAS, LACP_CONFIG, LACP_STATUS, NMP_DEVICE_IOPS

from vconsole.esx import lacp, storage
from vconsole.services.analyze import analyze_captures


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
            lacp.status_command().line: LACP_STATUS,
            lacp.stats_command().line: garbled,
            lacp.config_command().line: LACP_CONFIG,
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
            storage.nmp_device_list_command().line: CORE_PATH_SAS,
            storage.core_path_list_command().line: CORE_PATH_SAS,
            storage.nmp_path_list_command().line: "",
            storage.psp_latency_policy_command().line: "",
        },
        "paths",
    )
    texts = _texts(rows)
    assert any("could not read esxcli storage nmp device list on esx02" in t for t in texts), texts
    assert not any(NMP_DEVICE_IOPS[:10] in t for t in texts)
