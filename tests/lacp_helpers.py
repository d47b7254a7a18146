"""Helpers for the LACP tests: status/stats text in the reference layouts, and capture files."""

from __future__ import annotations

import json
from pathlib import Path

from vconsole.esx.lacp import READ_COMMANDS


def port(
    nic: str,
    *,
    partner: str = "00:23:04:ee:be:64",
    key: int = 32769,
    state: str = "Bundled",
    local_flags: str = "SA",
    partner_flags: str = "SA",
    local_bits: str = "ACT,AGG,SYN,COL,DIST,",
    partner_number: int = 282,
    age: str = "00:00:04",
) -> str:
    return f"""\
         Local Information:
         Admin Key: 13
         Flags: {local_flags}
         Oper Key: 13
         Port Number: 32768
         Port Priority: 255
         Port State: {local_bits}
         Nic: {nic}
         Partner Information:
         Age: {age}
         Device ID: {partner}
         Flags: {partner_flags}
         Oper Key: {key}
         Port Number: {partner_number}
         Port Priority: 32768
         Port State: ACT,AGG,SYN,COL,DIST,
         State: {state}
"""


def status(*ports: str, dvs: str = "DSwitch-AKL", lag_id: str = "1", mode: str = "Active") -> str:
    return (
        f"{dvs}\n   DVSwitch: {dvs}\n"
        "   Flags: S - Device is sending Slow LACPDUs, F - Device is sending fast LACPDUs, "
        "A - Device is in active mode, P - Device is in passive mode\n"
        f"   LAGID: {lag_id}\n   Mode: {mode}\n   Nic List:\n" + "\n".join(ports)
    )


def stats(rows: list[tuple[str, int, int]], dvs: str = "DSwitch-AKL", lag_id: str = "1") -> str:
    lines = [
        "DVSwitch     LAGID  NIC     Rx Errors  Rx LACPDUs  Tx Errors  Tx LACPDUs",
        "-----------  -----  ------  ---------  ----------  ---------  ----------",
    ]
    for nic, rx, tx in rows:
        lines.append(f"{dvs:<11}  {lag_id:>5}  {nic:<6}  {0:>9}  {rx:>10}  {0:>9}  {tx:>10}")
    return "\n".join(lines) + "\n"


def write_lacp_capture(
    path: Path,
    host: str,
    status_text: str,
    stats_text: str | None = None,
    config_text: str | None = None,
) -> Path:
    """A capture file in the documented format with the LACP pane's commands."""
    outputs = (status_text, stats_text, config_text)
    commands = {
        cmd.line: {"stdout": out, "stderr": "", "exit": 0}
        for cmd, out in zip(READ_COMMANDS, outputs, strict=True)
        if out is not None
    }
    path.write_text(
        json.dumps({"host": host, "captured_at": "2026-11-21T10:00:00Z", "commands": commands}),
        encoding="utf-8",
    )
    return path
