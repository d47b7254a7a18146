"""The Branding pane's service: read, check, merge, diff, back up and write portal branding.

Safe by construction where the PowerShell module is not: a tenant write starts from the
*tenant's* current values (never the system's), the exact diff is known before the write, the
previous state is saved to a backup file first, and the scope is re-read just before the PUT
so a change made meanwhile by someone else is refused rather than overwritten.
Read-only mode refuses before any request. No textual here: the CLI and the screen share it.

A tenant's GET answers the system branding when the tenant has none (reference §4), so "own"
is inferred by comparing the two; a tenant whose own branding equals the system's reads as
inherited (the API offers no way to tell them apart).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from vconsole import paths
from vconsole.api_path import join, org_name
from vconsole.errors import InvalidToken, ReadOnlyRefused, VcdApiError, VconsoleError
from vconsole.models.branding import (
    Branding,
    BrandingDiff,
    BrandingView,
    Capabilities,
    ImageInfo,
    InputProblem,
    Theme,
)
from vconsole.services.branding_backup import load_backup, save_backup
from vconsole.services.branding_diff import branding_diff
from vconsole.services.branding_images import SIZE_LIMIT, describe, image_problems, sniff
from vconsole.services.branding_input import BrandingInputError, BrandingPatch, check_branding

if TYPE_CHECKING:
    import httpx
    from typing_extensions import Unpack

    from vconsole.sessions.protocols import Sessions
    from vconsole.sessions.vcd import RequestOptions, VcdClient
    from vconsole.untyped import Json

BASE = "/cloudapi/branding"
IMAGE_KINDS = ("logo", "icon")


class BrandingApiError(VcdApiError):
    """The server refused a branding call; `server_message` is its text, unchanged."""

    def __init__(self, target: str, status: int, minor: str, server_message: str) -> None:
        super().__init__(target, status, minor, server_message)
        self.server_message = server_message

    @property
    def retryable(self) -> bool:
        return self.status >= 500


class ConcurrentChange(VconsoleError):
    """The scope changed on the server after the edit started; nothing was written."""

    title = "Changed on the server"

    def __init__(self, scope: str, expected: BrandingView, current: BrandingView) -> None:
        self.expected = expected
        self.current = current
        moved = branding_diff(scope, expected.branding, current.branding)
        detail = moved.text().replace(f"Changes to {scope}:", "Changed on the server since read:")
        if expected.own != current.own:
            detail += f"\n  ! own branding: {expected.marker} -> {current.marker}"
        super().__init__(
            f"{scope} was changed by someone else since it was read; nothing was written. "
            f"Reload, re-apply the edit and write again.\n{detail}"
        )


@dataclass(frozen=True)
class WritePlan:
    """A write that was checked and diffed but not sent."""

    target: str
    before: BrandingView
    after: Branding
    diff: BrandingDiff
    warnings: tuple[InputProblem, ...] = ()
    body: Json = None  # sent instead of `after.to_api()`: a restore puts back the exact bytes

    @property
    def tenant(self) -> str | None:
        return self.before.tenant


@dataclass(frozen=True)
class WriteResult:
    scope: str
    backup: Path | None
    stored: Branding | None = None
    status: int = 200
    diff: BrandingDiff | None = None


def scope_path(tenant: str | None) -> str:
    """The scope's URL path; the org name is checked and sent as one encoded segment."""
    return BASE if tenant is None else join(f"{BASE}/tenant", ("tenant", org_name(tenant)))


def image_path(kind: str, tenant: str | None) -> str:
    if kind not in IMAGE_KINDS:
        raise InvalidToken("kind", kind, "logo or icon")
    return join(scope_path(tenant), kind)


def scope_name(tenant: str | None) -> str:
    return "system" if tenant is None else f"tenant {tenant}"


@dataclass
class BrandingService:
    """Branding of one Cloud Director target through the shared session manager."""

    manager: Sessions
    target: str = ""
    backup_dir: Path = field(default_factory=lambda: paths.backup_dir() / "branding")
    image_limit: int = SIZE_LIMIT

    def __post_init__(self) -> None:
        if not self.target:
            names = self.manager.profile.names("vcd")
            if not names:
                raise VconsoleError("this profile has no vcd target (Cloud Director)")
            self.target = names[0]

    # -- reading --------------------------------------------------------------------------
    async def _client(self) -> VcdClient:
        return await self.manager.vcd(self.target)

    async def capabilities(self) -> Capabilities:
        return Capabilities.for_version((await self._client()).version or "")

    async def _call(
        self, method: str, path: str, ok: tuple[int, ...], **options: Unpack[RequestOptions]
    ) -> httpx.Response:
        client = await self._client()
        response = await client.request(method, path, **options)
        if response.status_code not in ok:
            from vconsole.sessions.vcd import error_detail

            minor, message = error_detail(response)
            raise BrandingApiError(
                self.target, response.status_code, minor, message or response.reason_phrase
            )
        return response

    async def read_raw(self, tenant: str | None) -> Json:
        return (await self._call("GET", scope_path(tenant), (200,))).json()

    async def read(self, tenant: str | None, system: Json = None) -> BrandingView:
        """The scope's current branding; for a tenant, whether it is its own or inherited."""
        return (await self.read_with_raw(tenant, system))[0]

    async def read_with_raw(
        self, tenant: str | None, system: Json = None
    ) -> tuple[BrandingView, Json]:
        """The view and the body exactly as the server sent it (what a backup keeps)."""
        raw = await self.read_raw(tenant)
        if tenant is None:
            return BrandingView(None, Branding.from_api(raw)), raw
        system_raw = system if system is not None else await self.read_raw(None)
        own = Branding.from_api(raw) != Branding.from_api(system_raw)
        return BrandingView(tenant, Branding.from_api(raw), own), raw

    async def tenants(self) -> list[str]:
        """Org names from the legacy `OrgList` (System left out); tolerant of its layout."""
        response = await self._call("GET", "/api/org", (200,), accept="application/*+xml")
        try:
            root = ET.fromstring(response.text)
        except ET.ParseError:
            return []
        names = [
            el.get("name", "")
            for el in root.iter()
            if el.tag.rsplit("}", 1)[-1] == "Org" and el.get("name")
        ]
        return [n for n in names if n.lower() != "system"]

    async def overview(self) -> list[BrandingView]:
        """System first, then every tenant, each marked own or inherited."""
        system_raw = await self.read_raw(None)
        views = [BrandingView(None, Branding.from_api(system_raw))]
        for org in await self.tenants():
            views.append(await self.read(org, system_raw))
        return views

    async def themes(self) -> list[Theme]:
        body = (await self._call("GET", f"{BASE}/themes", (200,))).json()
        return [
            Theme(str(t.get("name")), str(t.get("themeType") or ""))
            for t in body
            if isinstance(t, dict)
        ]

    async def image(self, kind: str, tenant: str | None) -> tuple[ImageInfo, bytes]:
        path = image_path(kind, tenant)
        response = await self._call("GET", path, (200,), accept="image/*")
        ctype = response.headers.get("Content-Type", "").split(";")[0].strip()
        data = response.content
        return describe(kind, sniff(data) or ctype, data), data

    # -- planning -------------------------------------------------------------------------
    async def plan(
        self,
        tenant: str | None,
        change: Branding | BrandingPatch,
        base: BrandingView | None = None,
    ) -> WritePlan:
        """Read the scope, merge the change into *its* values, check, and diff. Sends nothing.

        `base` is the state an editor started from: if the server moved since, the edit would
        silently undo someone else's change, so it is refused (both states are in the error).
        """
        before = await self.read(tenant)
        if base is not None and (base.branding != before.branding or base.own != before.own):
            raise ConcurrentChange(scope_name(tenant), base, before)
        after = change.apply_to(before.branding) if isinstance(change, BrandingPatch) else change
        caps = await self.capabilities()
        errors, warnings = check_branding(after, caps)
        if after.theme is not None and after.theme != before.branding.theme:
            names = {t.name: t for t in await self.themes()}
            if after.theme.name not in names:
                errors.append(
                    InputProblem(
                        "selectedTheme",
                        f"theme {after.theme.name!r} is not on the server; "
                        f"available: {', '.join(names) or '(none)'}",
                    )
                )
        if errors:
            raise BrandingInputError(errors)
        extra = list(change.warnings) if isinstance(change, BrandingPatch) else []
        note = ""
        if tenant is not None and not before.own:
            note = "the tenant has no branding of its own yet; this write gives it one"
        diff = branding_diff(scope_name(tenant), before.branding, after, note)
        return WritePlan(self.target, before, after, diff, tuple(extra + warnings))

    # -- writing --------------------------------------------------------------------------
    def refuse_if_read_only(self, what: str) -> None:
        """Refuse a write before any request when the session, profile or target is read-only."""
        m = self.manager
        why = None
        if m.read_only:
            why = "this session"
        elif m.profile.read_only:
            why = f"profile {m.profile.name!r}"
        elif m.target(self.target).read_only:
            why = f"target {self.target!r}"
        if why:
            m.audit.record(
                target=self.target,
                user=m.target(self.target).user,
                action="vcd",
                what=what,
                mutating=True,
                outcome=f"refused: {why} is read-only",
            )
            raise ReadOnlyRefused(self.target, what, why)

    async def _backup(self, view: BrandingView, raw: Json, reason: str) -> Path:
        return await self._save(view.tenant, "branding", view.own, reason, branding=raw)

    async def _save(
        self, tenant: str | None, kind: str, own: bool, reason: str, **content: Json
    ) -> Path:
        """Back up what is about to change, stamped with the API version it was read with."""
        client = await self._client()
        return save_backup(
            self.backup_dir,
            target=self.target,
            tenant=tenant,
            kind=kind,
            own=own,
            api_version=str(client.version),
            reason=reason,
            **content,
        )

    async def write(self, plan: WritePlan) -> WriteResult:
        """Re-read, refuse if it moved, back up, then PUT the whole object."""
        what = f"PUT {scope_path(plan.tenant)}"
        self.refuse_if_read_only(what)
        current, raw = await self.read_with_raw(plan.tenant)
        if current.branding != plan.before.branding or current.own != plan.before.own:
            raise ConcurrentChange(scope_name(plan.tenant), plan.before, current)
        backup = await self._backup(current, raw, f"before {what}")
        response = await self._call(
            "PUT",
            scope_path(plan.tenant),
            (200,),
            json=plan.after.to_api() if plan.body is None else plan.body,
            mutating=True,
        )
        stored = Branding.from_api(response.json())
        return WriteResult(scope_name(plan.tenant), backup, stored, response.status_code, plan.diff)

    async def reset_tenant(self, tenant: str) -> WriteResult:
        """DELETE the tenant's own branding so it inherits the system's again (backed up)."""
        what = f"DELETE {scope_path(tenant)}"
        self.refuse_if_read_only(what)
        view, raw = await self.read_with_raw(tenant)
        backup = await self._backup(view, raw, f"before {what}")
        response = await self._call("DELETE", scope_path(tenant), (200, 204), mutating=True)
        system = await self.read(None)
        note = "" if view.own else "the tenant already inherited the system branding"
        diff = branding_diff(scope_name(tenant), view.branding, system.branding, note)
        return WriteResult(scope_name(tenant), backup, system.branding, response.status_code, diff)

    async def upload_image(
        self, kind: str, tenant: str | None, data: bytes, file_name: str = ""
    ) -> WriteResult:
        """Type and size checked from the bytes; the previous image is backed up first."""
        problems = image_problems(kind, data, file_name, self.image_limit)
        if problems:
            raise BrandingInputError(problems)
        path = image_path(kind, tenant)
        self.refuse_if_read_only(f"PUT {path}")
        info, previous = await self.image(kind, tenant)
        # a tenant without its own image is answered the system's: restore must DELETE, not PUT
        own = tenant is None or previous != (await self.image(kind, None))[1]
        backup = await self._save(
            tenant, kind, own, f"before PUT {path}", image_type=info.content_type, image=previous
        )
        ctype = sniff(data) or ""
        response = await self._call(
            "PUT",
            path,
            (200, 204),
            content=data,
            headers={"Content-Type": ctype},
            mutating=True,
        )
        return WriteResult(f"{scope_name(tenant)} {kind}", backup, None, response.status_code)

    async def reset_image(self, kind: str, tenant: str) -> WriteResult:
        """DELETE a tenant's own logo or icon so it shows the system's again (backed up)."""
        path = image_path(kind, tenant)
        self.refuse_if_read_only(f"DELETE {path}")
        info, previous = await self.image(kind, tenant)
        backup = await self._save(
            tenant,
            kind,
            True,
            f"before DELETE {path}",
            image_type=info.content_type,
            image=previous,
        )
        response = await self._call("DELETE", path, (200, 204), mutating=True)
        return WriteResult(f"{scope_name(tenant)} {kind}", backup, None, response.status_code)

    async def restore(self, backup_file: Path) -> WriteResult:
        """Put a backed-up state back (itself backed up first, and diffed)."""
        backup = load_backup(backup_file)
        if backup.target != self.target:
            raise BrandingInputError(
                [
                    InputProblem(
                        str(backup_file), f"is a backup of {backup.target!r}, not {self.target!r}"
                    )
                ]
            )
        if backup.kind != "branding":
            if backup.tenant is not None and not backup.own:
                return await self.reset_image(backup.kind, backup.tenant)
            return await self.upload_image(backup.kind, backup.tenant, backup.image, backup.path)
        if backup.tenant is not None and not backup.own:
            return await self.reset_tenant(backup.tenant)
        assert backup.branding is not None
        plan = await self.plan(backup.tenant, backup.branding)
        return await self.write(replace(plan, body=backup.raw))
