"""The pane registry: which `:alias` opens which screen.

Every pane screen is named here by an explicit import, so a pane whose module is gone is an
import error (and a mypy error), never a slot that quietly disappears. The imports sit inside
`open_pane` so the start-up path loads only the pane it opens, not every pane's service.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen

from screens.pane_context import PaneContext, PaneSpec, pane_for


def open_pane(context: PaneContext, alias: str) -> Screen[None]:
    """The screen of the pane with canonical `alias`, its module imported now."""
    pane: Callable[[PaneContext], Screen[None]]
    if alias == "triage":
        from screens.triage import TriageScreen as pane
    elif alias == "vm":
        from screens.inventory import InventoryScreen as pane
    elif alias == "lag":
        from screens.lacp import LacpScreen as pane
    elif alias == "mtu":
        from screens.mtu import MtuScreen as pane
    elif alias == "path":
        from screens.paths import PathsScreen as pane
    elif alias == "gpu":
        from screens.gpus import GpusScreen as pane
    elif alias == "brand":
        from screens.branding import BrandingScreen as pane
    elif alias == "check":
        from screens.checks import ChecksScreen as pane
    elif alias == "conn":
        from screens.connections import ConnectionsScreen as pane
    elif alias == "help":
        from screens.help import HelpScreen

        return HelpScreen(context, PANES)
    else:
        raise LookupError(f"no pane screen for :{alias}")
    return pane(context)


PANES: tuple[PaneSpec, ...] = (
    PaneSpec("triage", ("triage", "tri", "home"), "Triage", None,
             "every finding of every pane, worst first, by site, cluster and host"),
    PaneSpec("vm", ("vm", "host", "ds", "net", "cluster"), "Inventory", "1",
             "datacenters, clusters, hosts, VMs, datastores, networks"),
    PaneSpec("lag", ("lag", "lacp"), "LACP", "2",
             "LAG bundle state, partners, timeouts and LACPDU counters per host"),
    PaneSpec("mtu", ("mtu",), "MTU", "3", "real path MTU per host, vmk and target"),
    PaneSpec("path", ("path", "paths", "multipath", "psp"), "Multipathing", "4",
             "per device PSP, path states and latency outliers"),
    PaneSpec("gpu", ("gpu", "bitfusion"), "Bitfusion", "5",
             "GPU pool: servers, GPUs, memory, allocations"),
    PaneSpec("brand", ("brand", "branding"), "Branding", "6",
             "Cloud Director system and tenant portal branding"),
    PaneSpec("check", ("check", "checks"), "Checks", None,
             "design checks: multicast, flapping, i40en LLDP, boot media, HA slots, drift"),
    PaneSpec("conn", ("conn", "connections", "ctx"), "Connections", "0",
             "targets of this profile, their state, trust and passwords"),
    PaneSpec("help", ("help", "keys"), "Help", None, "keys of this screen and the app"),
)  # fmt: skip
"""Every pane slot in menu order."""


def all_panes() -> list[PaneSpec]:
    """Every pane slot in menu order."""
    return list(PANES)


def find_pane(alias: str) -> PaneSpec | None:
    """The pane opened by `:alias` (case-insensitive, leading `:` allowed), or None."""
    return pane_for(PANES, alias)
