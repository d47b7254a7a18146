"""What one MTU matrix cell shows, and which column a pair belongs to.

Each peer is its own column (`vmk1 -> esx-akl-02`), so no host's result is folded into
another's; a column for the same vmk on the row's own host stays blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vconsole.models.mtu import MtuTest

if TYPE_CHECKING:
    from vconsole.untyped import Json


@dataclass(frozen=True)
class CellState:
    """What a matrix cell shows: the worst pair in it (an auto vmk may send several)."""

    text: str
    severity: str
    lines: tuple[str, ...]


def cell_for(results: list[dict[str, Json]]) -> CellState:
    """Fold the JSON results of one (host, column) into the cell text and the detail lines."""
    order = ("pending", "ok", "info", "warning", "unreachable", "critical", "error")
    worst = max(results, key=lambda r: order.index(r.get("severity", "error")))
    mtu = worst.get("path_mtu")
    unreachable = worst.get("verdict") == "unreachable" or worst.get("severity") == "unreachable"
    text = str(mtu) if mtu is not None else ("unreach" if unreachable else "error")
    if any(r.get("changed") for r in results):
        text += " *"
    lines = []
    for r in results:
        head = f"{r['host']} {r['vmk']} -> {r.get('label') or r['target']} ({r.get('address', '')})"
        found = r.get("path_mtu")
        path = f"path MTU {found}" if found is not None else "no path MTU found"
        vmk = f"vmk MTU {r['vmk_mtu']}" if r.get("vmk_mtu") is not None else "vmk MTU unknown"
        lines.append(f"{head}: {path}, {vmk}, {r.get('confidence', 'unknown')} confidence")
        lines += [f"  {f['severity'].upper()}: {f['message']}" for f in r.get("findings", [])]
        if r.get("changed"):
            lines.append(
                f"  CHANGED: was {r.get('previous_path_mtu')} at {r.get('previous_checked_at')}"
            )
        steps = sorted(r.get("evidence", []), key=lambda e: (e.get("round", 0), e["size"]))
        shown = ", ".join(f"{e['size']}:{e['outcome']}" for e in steps[:12])
        more = f" (+{len(steps) - 12})" if len(steps) > 12 else ""
        lines.append(
            f"  {r.get('probes', 0)} probes in {r.get('rounds', 0)} rounds, "
            f"{r.get('duration_s', 0)} s at {r.get('checked_at', '')}: {shown}{more}"
        )
    return CellState(text, worst.get("severity", "error"), tuple(lines))


def _short(column: str) -> str:
    """Header text: `vmk1→esx-akl-02` rather than `vmk1 -> esx-akl-02`, so more columns fit."""
    return column.replace(" -> ", "→")


def pair_column(vmk: str, target: str, label: str, v6: bool) -> str:
    """`vmk -> target` as the admin named it; a peer is named by its host (and its vmk when
    that differs from the sending one), so every peer has a column of its own."""
    shown = label or target
    if label == "peer" and ":" in target:
        other, _, other_vmk = target.partition(":")
        shown = other if other_vmk == vmk else target
    return f"{vmk or 'auto'} -> {shown}" + (" (v6)" if v6 else "")


def _column(t: MtuTest) -> str:
    return pair_column(t.vmk, t.target, t.label, t.family == 6)


def _json_column(r: dict[str, Json]) -> str:
    return pair_column(
        str(r.get("vmk") or ""),
        str(r.get("target", "")),
        str(r.get("label") or ""),
        r.get("family") == "ipv6",
    )


def _same_pair(r: dict[str, Json], t: MtuTest) -> bool:
    return r.get("target") == t.target or r.get("label") == (t.label or t.target)
