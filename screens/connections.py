"""`:conn` - the profile's targets with live state; add, edit, test, trust and password actions.

Manager calls run in workers; a trust question raised while connecting comes back through the
App's confirm callback (TrustDialog); a changed key is shown as a refusal without an accept button.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from screens.base import PaletteCommand, TablePane, error_title
from screens.pane_context import PaneContext
from vconsole.sessions.via import via_of_target
from widgets.console_header import HEALTH_STYLES, describe_state
from widgets.resource_table import Cell, ResourceColumn

if TYPE_CHECKING:
    from vconsole.config import Profile, TargetConfig
    from vconsole.sessions.protocols import Sessions


class ConnectionsScreen(TablePane):
    """Targets of the active profile: kind, address, user, state and the reason for it."""

    columns = (
        ResourceColumn("name", "Target"),
        ResourceColumn("kind", "Kind"),
        ResourceColumn("address", "Address"),
        ResourceColumn("user", "User"),
        ResourceColumn("state", "State"),
        ResourceColumn("reason", "Reason"),
    )

    BINDINGS = [
        Binding(
            "t", "test_target", "Test", id="conn.test", tooltip="Connect to the target and report."
        ),
        Binding(
            "T",
            "test_all",
            "Test all",
            id="conn.test_all",
            tooltip="Connect to every target of the profile at once and report each.",
        ),
        Binding("a", "add_target", "Add", id="conn.add", tooltip="Add a target to this profile."),
        Binding("e", "edit_target", "Edit", id="conn.edit", tooltip="Edit the selected target."),
        Binding(
            "P",
            "set_password",
            "Password",
            id="conn.password",
            tooltip="Store the selected target's password in the system keyring.",
        ),
    ]

    class TestFinished(Message):
        """A connection test ended; `ok` False carries the error text for the detail line."""

        def __init__(self, target: str, ok: bool, detail: str) -> None:
            super().__init__()
            self.target = target
            self.ok = ok
            self.detail = detail

    def __init__(self, context: PaneContext) -> None:
        super().__init__()
        self.context = context

    def compose_body(self) -> ComposeResult:
        yield from super().compose_body()
        yield Static("", id="conn-detail", markup=False)

    def on_mount(self) -> None:
        self.refresh_rows()
        self.table.focus()
        if not self.targets():
            self.detail("This profile has no targets yet. Press a to add one.")
        elif getattr(self.app, "test_all_on_start", False):
            self.action_test_all()

    @property
    def manager(self) -> Sessions:
        return self.context.manager

    def targets(self) -> tuple[TargetConfig, ...]:
        profile = getattr(self.app, "profile", None) or self.context.profile
        return tuple(getattr(profile, "targets", ()) or ())

    def detail(self, text: str) -> None:
        self.query_one("#conn-detail", Static).update(text)

    def refresh_rows(self) -> None:
        """Rebuild rows from the profile and the manager's latest states (keyed diff)."""
        states_fn = getattr(self.manager, "states", None)
        states = states_fn() if callable(states_fn) else {}
        rows: dict[str, tuple[Cell, ...]] = {}
        for target in self.targets():
            health = describe_state(target.name, states.get(target.name, "idle"))
            where = target.file if target.kind == "replay" else target.address
            if target.kind != "replay" and target.port:
                where = f"{where}:{target.port}"
            kind = target.kind
            if via_of_target(target) == "api":  # reached through vCenter, not directly
                kind, where = f"{kind} via api", f"through {target.vcenter or 'vCenter'}"
            rows[target.name] = (
                target.name,
                kind,
                where or "",
                target.user or "",
                Text(health.state, style=HEALTH_STYLES.get(health.state, "dim")),
                health.reason,
            )
        self.table.set_rows(rows)

    def on_screen_resume(self) -> None:
        self.refresh_rows()

    def target_states_changed(self) -> None:
        self.refresh_rows()

    def selected(self) -> TargetConfig | None:
        key = self.table.cursor_key
        return next((t for t in self.targets() if t.name == key), None)

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield from super().palette_commands()
        yield PaletteCommand(
            "Test target", "connect to the selected target and report", "test_target"
        )
        yield PaletteCommand("Add target", "add a target to this profile", "add_target")
        yield PaletteCommand("Edit target", "edit the selected target", "edit_target")
        yield PaletteCommand(
            "Store password", "keyring password for the selected target", "set_password"
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_test_target()

    # --- test -----------------------------------------------------------------

    def action_test_target(self) -> None:
        target = self.selected()
        if target is None:
            self.notify("no target selected", severity="warning")
            return
        self.detail(f"testing {target.name} ...")
        self.test_target(target.name)

    @work(exclusive=True, exit_on_error=False, group="conn-test")
    async def test_target(self, name: str) -> None:
        from vconsole.errors import CertificateMismatch, HostKeyChanged, VconsoleError

        try:
            from screens.probe import probe_target

            summary = await probe_target(self.manager, name)
        except (HostKeyChanged, CertificateMismatch) as exc:
            from screens.trust_dialog import KeyChangedDialog

            self.post_message(self.TestFinished(name, False, f"{exc.title}: {exc}"))
            self.app.push_screen(KeyChangedDialog(name, exc.title, str(exc)))
            return
        except VconsoleError as exc:
            self.post_message(self.TestFinished(name, False, f"{error_title(exc)}: {exc}"))
            raise
        self.post_message(self.TestFinished(name, True, f"{name}: {summary or 'ok'}"))

    def action_test_all(self) -> None:
        names = [t.name for t in self.targets()]
        if names:
            self.detail(f"testing {len(names)} targets ...")
            self.test_all(names)

    @work(exclusive=True, exit_on_error=False, group="conn-test-all")
    async def test_all(self, names: list[str]) -> None:
        """Every target at once (bounded by the manager's fan-out); one line sums it up."""
        from screens.probe import probe_target

        results = await self.manager.fan_out(lambda name: probe_target(self.manager, name), names)
        failed = [r for r in results if not r.ok]
        if failed:
            worst = "; ".join(f"{r.target}: {r.error}" for r in failed[:3])
            more = f" (+{len(failed) - 3} more)" if len(failed) > 3 else ""
            summary = f"{len(results) - len(failed)} of {len(results)} connected - {worst}{more}"
        else:
            summary = f"all {len(results)} targets connected"
        self.post_message(self.TestFinished("*", not failed, summary))

    def on_connections_screen_test_finished(self, event: ConnectionsScreen.TestFinished) -> None:
        self.detail(event.detail)
        self.refresh_rows()
        if event.ok:
            self.notify(event.detail, title="Connection ok", markup=False)

    # --- add / edit -----------------------------------------------------------

    def action_add_target(self) -> None:
        self._open_form(None)

    def action_edit_target(self) -> None:
        target = self.selected()
        if target is None:
            self.notify("no target selected", severity="warning")
            return
        self._open_form(target)

    def _open_form(self, existing: TargetConfig | None) -> None:
        from screens.target_form import TargetForm

        taken = {t.name for t in self.targets()}

        def done(target: TargetConfig | None) -> None:
            if target is not None:
                self.save_target(target, existing.name if existing else None)

        self.app.push_screen(TargetForm(existing, taken), done)

    @work(exclusive=True, exit_on_error=False, group="conn-save", thread=True)
    def save_target(self, target: TargetConfig, replaces: str | None) -> None:
        from vconsole.config import Profile, save_target

        profile = getattr(self.app, "profile", None) or self.context.profile
        if not isinstance(profile, Profile) or profile.source is None:
            raise RuntimeError(
                "this profile was not loaded from a file; nowhere to save the target"
            )
        save_target(profile.source, profile.name, target, replaces=replaces)
        kept = [t for t in profile.targets if t.name not in {target.name, replaces}]
        updated = replace(profile, targets=(*kept, target))
        self.app.call_from_thread(self._saved, updated, target.name, str(profile.source))

    def _saved(self, profile: Profile, name: str, path: str) -> None:
        self.app.profile = profile  # type: ignore[attr-defined]
        self.refresh_rows()
        self.notify(f"{name} saved to {path}", title="Target saved", markup=False)

    # --- password -------------------------------------------------------------

    def action_set_password(self) -> None:
        target = self.selected()
        if target is None:
            self.notify("no target selected", severity="warning")
            return
        from screens.trust_dialog import PasswordDialog

        token = target.kind == "vcd" and target.auth == "token"  # a Cloud Director API token

        def done(password: str | None) -> None:
            if password:
                self.store_password(target.name, password, token)

        if token:
            dialog = PasswordDialog(f"API token for {target.name}", None)
        else:
            dialog = PasswordDialog(target.name, target.user)
        self.app.push_screen(dialog, done)

    @work(exclusive=True, exit_on_error=False, group="conn-secret", thread=True)
    def store_password(self, name: str, password: str, token: bool = False) -> None:
        secrets = getattr(self.manager, "secrets", None)
        if secrets is None:
            raise RuntimeError("no session manager: the secret was not stored")
        in_keyring = secrets.store(name, password, token=token)
        where = "in the system keyring" if in_keyring else "in memory for this run (no keyring)"
        what = "API token" if token else "password"
        self.app.call_from_thread(self.notify, f"{what} for {name} stored {where}", markup=False)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        target = self.selected()
        if target is None:
            return
        states_fn = getattr(self.manager, "states", None)
        state = (states_fn() if callable(states_fn) else {}).get(target.name)
        health = describe_state(target.name, state if state is not None else "idle")
        reason = f": {health.reason}" if health.reason else ""
        self.detail(f"{target.name} ({target.kind}) {health.state}{reason}")
