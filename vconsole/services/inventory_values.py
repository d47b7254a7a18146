"""Property values as inventory rows show them: integers that may be absent or sent as text,
percentages, a distributed portgroup's VLAN."""

from __future__ import annotations

from typing import SupportsInt


def int_or_none(value: object) -> int | None:
    if type(value) is int:  # the common cases, before the (slow) protocol check
        return value
    if value is None:
        return None
    if not isinstance(value, (str, SupportsInt)) or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def percent(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 1)


def vlan_text(port_config: object) -> str:
    """VLAN of a distributed portgroup from its default port config (id, trunk ranges, PVLAN)."""
    if not isinstance(port_config, dict):
        return ""
    vlan = port_config.get("vlan")
    if not isinstance(vlan, dict):
        return ""
    if "pvlanId" in vlan:
        return f"pvlan {vlan['pvlanId']}"
    ids = vlan.get("vlanId")
    if isinstance(ids, (str, int)):
        return str(ids)
    ranges = ids if isinstance(ids, list) else [ids] if isinstance(ids, dict) else []
    parts = []
    for r in ranges:
        if isinstance(r, dict):
            start, end = r.get("start"), r.get("end")
            parts.append(str(start) if start == end else f"{start}-{end}")
    return "trunk " + ",".join(parts) if parts else ""
