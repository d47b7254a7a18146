"""Dialogs of the LACP pane: one host's raw output, and the `lacp timeout set` confirmation."""

from __future__ import annotations

from textual.binding import Binding

from screens.confirm import ConfirmChoice
from screens.raw_output import RawOutputDialog


class RawOutputScreen(RawOutputDialog, pane="lacp"):
    """The host's esxcli output as sent, selectable and copyable for a support case."""


class TimeoutConfirm(ConfirmChoice):
    """Asks before `lacp timeout set`; returns "slow", "fast" or None. Shows the exact command."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="lacp_timeout.cancel", tooltip="Change nothing.")
    ]

    def __init__(
        self,
        host: str,
        lag: str,
        commands: dict[str, str],
        suggested: str,
        *,
        vcenter_owns_timeout: bool = False,
    ) -> None:
        super().__init__(
            f"Change the LACP timeout of {lag} on {host}?",
            f"The switch sends {suggested} LACPDUs; matching it ends a timeout "
            f"mismatch (KB 376191). This runs on {host}, for every NIC of the LAG:",
            [commands[suggested]],
            suggested=suggested,
            other="fast" if suggested == "slow" else "slow",
            warning=(
                "This switch sets the timeout in vCenter (DVS 7.0.2+): change it there; "
                "a host-side change can be overwritten."
            )
            if vcenter_owns_timeout
            else "",
            command_for=commands,
        )
        self.host = host
        self.lag = lag
        self.commands = commands
        self.vcenter_owns_timeout = vcenter_owns_timeout
