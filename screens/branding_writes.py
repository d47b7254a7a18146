"""The Branding pane's file and write actions: export/import JSON, write with a diff first,
revert a tenant, upload a logo or icon. Every write asks first and is refused in read-only mode.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from screens.branding_base import BrandingPaneBase
from screens.branding_dialogs import DiffConfirm, TextPrompt, TextView
from vconsole.textsafe import visible

if TYPE_CHECKING:
    from vconsole.services.branding import BrandingApiError, WritePlan


class BrandingWrites(BrandingPaneBase):
    """Files and writes; the drafts stay until a write succeeded."""

    # -- files --------------------------------------------------------------------------
    def default_export(self, scope: str | None) -> Path:
        from vconsole import paths

        name = "system" if scope is None else f"tenant-{scope}"
        return paths.state_dir() / "exports" / f"branding-{name}.json"

    def _ask_file(self, question: str, default: str, then: Callable[[Path], None]) -> None:
        """Ask for a file name (`~` expanded); nothing happens when the answer is empty."""

        def answered(path: str | None) -> None:
            if path:
                then(Path(path).expanduser())

        self.app.push_screen(TextPrompt(question, default), answered)

    def _file_failed(self, path: Path, exc: OSError) -> None:
        self.notify(f"{path}: {exc.strerror}", severity="error", markup=False)

    def action_export(self) -> None:
        if not self._ready():
            return
        scope = self.scope()

        def save(target: Path) -> None:
            branding = self.draft(scope)
            assert branding is not None
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(branding.to_api(), indent=2) + "\n", encoding="utf-8")
            except OSError as exc:
                self._file_failed(target, exc)
                return
            self.notify(f"Saved {target}", markup=False)

        self._ask_file("Export this side's draft to", str(self.default_export(scope)), save)

    def action_import_file(self) -> None:
        if not self._ready():
            return
        from vconsole.services.branding_input import BrandingInputError, parse_document

        scope, current = self.scope(), self.draft(self.scope())
        assert current is not None and self.caps is not None
        caps = self.caps

        def load(source: Path) -> None:
            try:
                patch = parse_document(source.read_text(encoding="utf-8"), caps, str(source))
            except OSError as exc:
                self._file_failed(source, exc)
                return
            except BrandingInputError as exc:
                self.app.push_screen(TextView("Not imported: the file has problems", str(exc)))
                return
            self.set_draft(scope, patch.apply_to(current))
            if patch.warnings:
                self.notify(
                    "\n".join(str(w) for w in patch.warnings), severity="warning", markup=False
                )

        self._ask_file("Import UiBranding JSON from", "", load)

    # -- writes ---------------------------------------------------------------------------
    def _writable(self) -> bool:
        if self.service is None:
            return False
        if self.context.read_only:
            self.notify("Read-only: writes are refused.", severity="warning", title="Read-only")
            return False
        return True

    def _refused(self, exc: BrandingApiError, kept: str = "", timeout: float | None = None) -> None:
        """Cloud Director's own message under its HTTP status; server text is never markup."""
        self.notify(
            visible(exc.server_message + kept, keep_newlines=True),
            title=visible(f"HTTP {exc.status} {exc.minor}"),
            severity="error",
            markup=False,
            timeout=timeout,
        )

    def action_write(self) -> None:
        if self._writable() and self._ready():
            self.plan_write(self.scope())

    @work(exclusive=True, group="brand-write", exit_on_error=False)
    async def plan_write(self, scope: str | None) -> None:
        from vconsole.services.branding import ConcurrentChange
        from vconsole.services.branding_input import BrandingInputError

        draft = self.draft(scope)
        assert draft is not None
        try:
            plan = await self.brand.plan(scope, draft, self.views.get(scope))
        except BrandingInputError as exc:
            self.app.push_screen(TextView("Not written: fix these first", str(exc)))
            return
        except ConcurrentChange as exc:
            self.app.push_screen(TextView("Not written: changed on the server", str(exc)))
            return
        if not plan.diff.changes:
            self.notify("Nothing to write: the server already has these values.")
            return
        text = plan.diff.text()
        if plan.warnings:
            text += "\n\nWarnings:\n" + "\n".join(f"  {w}" for w in plan.warnings)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.send(plan)

        self.app.push_screen(DiffConfirm(f"Write {plan.diff.scope}?", text), confirmed)

    @work(exclusive=True, group="brand-write", exit_on_error=False)
    async def send(self, plan: WritePlan | str, reset: bool = False) -> None:
        """`plan` is a checked write, or (with `reset`) the tenant to put back on the system's."""
        from vconsole.errors import VconsoleError
        from vconsole.services.branding import BrandingApiError, ConcurrentChange, WritePlan

        scope = plan.tenant if isinstance(plan, WritePlan) else plan
        try:
            if isinstance(plan, WritePlan):
                result = await self.brand.write(plan)
            else:  # `reset`: plan is the tenant to put back on the system branding
                result = await self.brand.reset_tenant(plan)
        except ConcurrentChange as exc:
            self.app.push_screen(TextView("Not written: changed on the server", str(exc)))
            return
        except BrandingApiError as exc:
            kept = " The edit is kept: w retries, e exports it." if exc.retryable else ""
            self._refused(exc, kept, timeout=12)
            self.status(f"Not written: HTTP {exc.status}.{kept}")
            return
        except VconsoleError as exc:
            self.notify(str(exc), title=exc.title, severity="error", markup=False)
            return
        self.drafts.pop(scope, None)
        self.views[scope] = await self.brand.read(scope)
        self.render_side("system" if scope is None else "tenant")
        if scope is None:  # inherited tenants follow the system branding
            for org in self.tenants:
                self.views[org] = await self.brand.read(org)
            self.render_side("tenant")
        self.notify(f"Written. Backup: {result.backup}", markup=False, timeout=10)
        self.status(f"{result.scope} written (HTTP {result.status}); backup {result.backup}")

    def action_revert_tenant(self) -> None:
        tenant = self.tenant
        if not self._writable() or tenant is None or self.side() != "tenant":
            if tenant is not None and self.side() != "tenant":
                self.notify("Focus the tenant side (tab) to revert a tenant.", severity="warning")
            return
        view, system = self.views.get(tenant), self.views.get(None)
        if view is None or system is None:
            return
        from vconsole.services.branding_diff import branding_diff

        text = branding_diff(f"tenant {tenant}", view.branding, system.branding).text()
        if not view.own:
            text = f"Tenant {tenant} already inherits the system branding.\n\n{text}"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.send(tenant, reset=True)

        self.app.push_screen(
            DiffConfirm(f"Revert tenant {tenant} to the system branding (DELETE)?", text, "Revert"),
            confirmed,
        )

    def action_upload(self, kind: str) -> None:
        if not self._writable() or self.caps is None:
            return
        if kind == "icon" and not self.caps.icons:
            self.notify(f"Icons need API 32.0; this server speaks {self.caps.version}.")
            return
        scope = self.scope()

        def chosen(source: Path) -> None:
            try:
                data = source.read_bytes()
            except OSError as exc:
                self._file_failed(source, exc)
                return
            from vconsole.services.branding_images import describe, image_problems, sniff

            problems = image_problems(kind, data, source.name, self.brand.image_limit)
            if problems:
                self.app.push_screen(
                    TextView(f"Not uploaded: {kind} refused", "\n".join(map(str, problems)))
                )
                return
            new = describe(kind, sniff(data) or "", data)
            old = self.images.get((scope, kind))
            where = "system" if scope is None else f"tenant {scope}"
            text = f"{where} {kind}:\n  - {old.label() if old else '(unknown)'}\n  + {new.label()}  ({source})"

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.send_image(kind, scope, data, source.name)

            self.app.push_screen(DiffConfirm(f"Upload the {kind}?", text, "Upload"), confirmed)

        self._ask_file(f"{kind.capitalize()} file to upload", "", chosen)

    @work(exclusive=True, group="brand-write", exit_on_error=False)
    async def send_image(self, kind: str, scope: str | None, data: bytes, name: str) -> None:
        from vconsole.services.branding import BrandingApiError

        try:
            result = await self.brand.upload_image(kind, scope, data, name)
        except BrandingApiError as exc:
            self._refused(exc)
            return
        info, _ = await self.brand.image(kind, scope)
        self.images[(scope, kind)] = info
        self.render_side("system" if scope is None else "tenant")
        self.notify(f"{kind.capitalize()} uploaded. Backup: {result.backup}", markup=False)

    def action_restore(self) -> None:
        """Pick a backup of this target (newest first) and put it back after a diff."""
        if not self._writable():
            return
        from screens.branding_dialogs import ChoiceDialog
        from vconsole.services.branding_backup import list_backups

        files = list_backups(self.brand.backup_dir, self.brand.target)[:50]
        if not files:
            self.notify(f"No backups of {self.brand.target} in {self.brand.backup_dir}.")
            return
        names = [f.name for f in files]

        def chosen(name: str | None) -> None:
            if name is not None:
                self.plan_restore(files[names.index(name)])

        self.app.push_screen(ChoiceDialog("Restore which backup?", names), chosen)

    @work(exclusive=True, group="brand-write", exit_on_error=False)
    async def plan_restore(self, path: Path) -> None:
        from vconsole.services.branding_backup import load_backup
        from vconsole.services.branding_diff import branding_diff
        from vconsole.services.branding_input import BrandingInputError

        try:
            backup = load_backup(path)
        except BrandingInputError as exc:
            self.app.push_screen(TextView("Not restored", str(exc)))
            return
        if backup.kind != "branding" or backup.branding is None:
            text = f"{backup.kind} of {backup.tenant or 'system'} from {backup.taken_at}"
        else:
            current = await self.brand.read(backup.tenant)
            target = backup.branding
            if backup.tenant is not None and not backup.own:
                target = (await self.brand.read(None)).branding
            text = branding_diff(current.scope, current.branding, target).text()
            if backup.tenant is not None and not backup.own:
                text = (
                    "The tenant had no branding of its own: restoring reverts it (DELETE).\n\n"
                    + text
                )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.send_restore(path)

        self.app.push_screen(DiffConfirm(f"Restore {path.name}?", text, "Restore"), confirmed)

    @work(exclusive=True, group="brand-write", exit_on_error=False)
    async def send_restore(self, path: Path) -> None:
        from vconsole.services.branding import BrandingApiError

        try:
            result = await self.brand.restore(path)
        except BrandingApiError as exc:
            self._refused(exc)
            return
        self.notify(f"Restored {result.scope}. Backup: {result.backup}", markup=False, timeout=10)
        await self.run_action("reload")
