"""The pane registry: which `:alias` opens which screen.

Pane screens live in `screens/<module>.py` and are imported only when first opened, so the
start-up path never loads pyVmomi, paramiko or a pane's service. A slot whose module is not in
this build opens a screen that says so; it never shows invented data.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from screens.base import ConsoleScreen

if TYPE_CHECKING:
    from vconsole.sessions.protocols import ProfileView, Sessions


@dataclass(frozen=True)
class PaneContext:
    """What a pane screen gets when opened: the shared session manager and the profile."""

    manager: Sessions
    profile: ProfileView
    read_only: bool
    alias: str
    """The alias the admin typed (`:vm` vs `:host` opens the inventory on a different tab)."""

    def target_names(self, *kinds: str) -> list[str]:
        """The profile's targets of these kinds, by name; none for a profile that lists none."""
        names = getattr(self.profile, "names", None)
        return names(*kinds) if callable(names) else []


PaneFactory = Callable[[PaneContext], Screen[None]]


@dataclass(frozen=True)
class PaneSpec:
    """One pane slot. `alias` is the canonical `:name`; `aliases` all names that open it."""

    alias: str
    aliases: tuple[str, ...]
    title: str
    key: str | None
    """A direct key (digits 1-6 on the six panes), or None."""
    factory: PaneFactory
    summary: str = ""
    module: str | None = field(default=None, compare=False)


class PaneUnavailable(ConsoleScreen):
    """Stands in for a pane whose screen is not part of this build (or failed to load)."""

    def __init__(self, context: PaneContext, title: str, reason: str) -> None:
        super().__init__()
        self.context = context
        self.pane_title = title
        self.reason = reason

    def compose_body(self) -> ComposeResult:
        yield Static(
            f"{self.pane_title}\n\n{self.reason}\n\n"
            "Press : to open another pane, ? for keys, esc to go back.",
            id="pane-unavailable",
            markup=False,
        )


def lazy_pane(module: str, class_name: str, title: str) -> PaneFactory:
    """A factory that imports `screens.<module>` on first use; missing module -> PaneUnavailable."""

    def factory(context: PaneContext) -> Screen[None]:
        qualified = f"screens.{module}"
        try:
            loaded = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                return PaneUnavailable(context, title, f"The {title} pane failed to load: {exc}")
            return PaneUnavailable(
                context, title, f"The {title} pane is not available in this build."
            )
        except Exception as exc:
            return PaneUnavailable(context, title, f"The {title} pane failed to load: {exc!r}")
        screen_class = getattr(loaded, class_name, None)
        if screen_class is None:
            return PaneUnavailable(
                context,
                title,
                f"The {title} pane is not available: {qualified} has no {class_name}.",
            )
        screen: Screen[None] = screen_class(context)
        return screen

    return factory


def _connections(context: PaneContext) -> Screen[None]:
    from screens.connections import ConnectionsScreen

    return ConnectionsScreen(context)


def _help(context: PaneContext) -> Screen[None]:
    from screens.help import HelpScreen

    return HelpScreen(context)


def _builtin_panes() -> list[PaneSpec]:
    def pane(alias, aliases, title, key, module, cls, summary):  # type: ignore[no-untyped-def]
        return PaneSpec(alias, aliases, title, key, lazy_pane(module, cls, title), summary, module)

    return [
        pane("triage", ("triage", "tri", "home"), "Triage", None, "triage", "TriageScreen",
             "every finding of every pane, worst first, by site, cluster and host"),
        pane("vm", ("vm", "host", "ds", "net", "cluster"), "Inventory", "1", "inventory",
             "InventoryScreen", "datacenters, clusters, hosts, VMs, datastores, networks"),
        pane("lag", ("lag", "lacp"), "LACP", "2", "lacp", "LacpScreen",
             "LAG bundle state, partners, timeouts and LACPDU counters per host"),
        pane("mtu", ("mtu",), "MTU", "3", "mtu", "MtuScreen",
             "real path MTU per host, vmk and target"),
        pane("path", ("path", "paths", "multipath", "psp"), "Multipathing", "4", "paths",
             "PathsScreen", "per device PSP, path states and latency outliers"),
        pane("gpu", ("gpu", "bitfusion"), "Bitfusion", "5", "gpus", "GpusScreen",
             "GPU pool: servers, GPUs, memory, allocations"),
        pane("brand", ("brand", "branding"), "Branding", "6", "branding", "BrandingScreen",
             "Cloud Director system and tenant portal branding"),
        pane("check", ("check", "checks"), "Checks", None, "checks", "ChecksScreen",
             "design checks: multicast, flapping, i40en LLDP, boot media, HA slots, drift"),
        PaneSpec("conn", ("conn", "connections", "ctx"), "Connections", "0", _connections,
                 "targets of this profile, their state, trust and passwords"),
        PaneSpec("help", ("help", "keys"), "Help", None, _help, "keys of this screen and the app"),
    ]  # fmt: skip


_REGISTRY: dict[str, PaneSpec] = {spec.alias: spec for spec in _builtin_panes()}


def register_pane(spec: PaneSpec) -> None:
    """Add or replace a pane slot (by canonical alias); later aliases win over earlier ones."""
    _REGISTRY[spec.alias] = spec


def all_panes() -> list[PaneSpec]:
    """Every pane slot in menu order."""
    return list(_REGISTRY.values())


def find_pane(alias: str) -> PaneSpec | None:
    """The pane opened by `:alias` (case-insensitive, leading `:` allowed), or None."""
    wanted = alias.strip().lstrip(":").lower()
    for spec in _REGISTRY.values():
        if wanted in spec.aliases:
            return spec
    return None


def all_aliases() -> list[str]:
    """Every alias of every pane, for the command line's completion."""
    return [alias for spec in _REGISTRY.values() for alias in spec.aliases]
