"""Dialogs of the multipathing pane: a host's raw output, and the Round Robin sub-policy change."""

from __future__ import annotations

from textual.binding import Binding

from screens.confirm import ConfirmChoice
from screens.raw_output import RawOutputDialog


class PathsRawOutput(RawOutputDialog, pane="paths"):
    """The host's esxcli output as sent, selectable and copyable for a support case."""


class RoundRobinConfirm(ConfirmChoice):
    """Asks before `deviceconfig set`; returns "latency", "iops" or None. Shows exact commands."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="paths_rr.cancel", tooltip="Change nothing.")
    ]

    def __init__(
        self,
        host: str,
        device: str,
        current: str,
        commands: dict[str, str],
        current_type: str = "",
        *,
        latency_switch_off: bool = False,
    ) -> None:
        suggested = "iops" if current_type == "latency" else "latency"
        super().__init__(
            f"Change the Round Robin sub-policy of {device} on {host}?",
            f"Now: {current or 'unknown'}. The change is per host and per device, "
            "and new LUNs keep the SATP rule's default. It runs:",
            [f"{kind}: {commands[kind]}" for kind in ("latency", "iops")],
            suggested=suggested,
            other="iops" if suggested == "latency" else "latency",
            warning=(
                "This host has /Misc/EnablePSPLatencyPolicy = 0: the latency sub-policy "
                "does not take effect until it is 1."
            )
            if latency_switch_off
            else "",
        )
        self.host = host
        self.device = device
        self.current = current
        self.current_type = current_type
        self.commands = commands
        self.latency_switch_off = latency_switch_off
