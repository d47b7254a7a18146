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


def lab_profile(esxi_lab, vcsim=None, hosts=None):  # type: ignore[no-untyped-def]
    """Profile `lab` with an esxi target per lab host (and the lab vCenter when given)."""
    from lab_fixtures import vcenter_config

    from vconsole.config import Profile, TargetConfig

    targets = [
        TargetConfig(name, "esxi", address=addr, port=port, user=esxi_lab.user, timeout=20.0)
        for name, (addr, port) in sorted(esxi_lab.endpoints.items())
        if hosts is None or name in hosts
    ]
    if vcsim is not None:
        targets.append(vcenter_config(vcsim))
    return Profile("lab", tuple(targets))


def trust_lab_hosts(esxi_lab, known_hosts_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Pin the lab's host key for every lab endpoint, as an admin who checked it would."""
    from vconsole.sessions.trust import KnownHosts

    known = KnownHosts(known_hosts_path)
    for addr, port in esxi_lab.endpoints.values():
        known.add(addr, port, esxi_lab.host_key)


def lab_manager(esxi_lab, tmp: Path, vcsim=None, hosts=None, **kwargs):  # type: ignore[no-untyped-def]
    """A real SessionManager on the lab: host keys pinned, lab passwords in memory only."""
    from vconsole.audit import AuditLog
    from vconsole.secrets import SecretStore
    from vconsole.sessions import SessionManager

    profile = lab_profile(esxi_lab, vcsim, hosts)
    known_hosts = tmp / "known_hosts"
    trust_lab_hosts(esxi_lab, known_hosts)
    secrets = SecretStore(profile.name, use_keyring=False)
    for target in profile.targets:
        password = vcsim.password if target.kind == "vcenter" else esxi_lab.password
        secrets.remember(target.name, password)
    audit = AuditLog(tmp / "audit.jsonl", redact=secrets.redact)
    return SessionManager(
        profile, secrets=secrets, known_hosts_path=known_hosts, audit=audit, **kwargs
    )
