"""Which way each host was reached: "api" (esxcli through vCenter), "ssh" or "replay".

Shown per host in the connections pane and added to every host row of `--json` (key `via`), so
a script can tell an answer through vCenter from one over SSH; the rest of a row is the same.
"""

from __future__ import annotations

from collections.abc import Iterable

from vconsole.config import Profile, TargetConfig


def via_of_target(target: TargetConfig) -> str:
    if target.kind == "replay":
        return "replay"
    if target.kind == "esxi" and target.via == "api":
        return "api"
    if target.kind in ("esxi", "bitfusion"):
        return "ssh"
    return ""


def via_of(profile: Profile, host: str) -> str:
    target = next((t for t in profile.targets if t.name == host), None)
    return via_of_target(target) if target is not None else ""


def with_via(rows: Iterable[object], profile: Profile) -> list[object]:
    """Each JSON row that names a `host` gains `via` (rows are dicts; others pass unchanged)."""
    out = []
    for row in rows:
        if isinstance(row, dict) and isinstance(row.get("host"), str) and "via" not in row:
            row = {**row, "via": via_of(profile, row["host"])}
        out.append(row)
    return out
