"""Reviewed branding writes: plan files saved by `set --dry-run --plan`, and restore plans.

A plan file keeps the state the admin reviewed (`basedOn`, exactly as the server sent it) and
the state to write. Applying it goes through `BrandingService.plan(..., base=...)`, which
refuses with both versions shown if the server no longer holds `basedOn`, so what is written
is what was reviewed or nothing. Restores are planned first too, so their diff can be shown
and confirmed before the write.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from vconsole.api_path import org_name
from vconsole.errors import InvalidToken
from vconsole.models.branding import Backup, Branding, BrandingView, InputProblem
from vconsole.services.branding import BrandingService, WritePlan, WriteResult, scope_name
from vconsole.services.branding_backup import load_backup
from vconsole.services.branding_diff import branding_diff
from vconsole.services.branding_input import BrandingInputError

PLAN_FORMAT = "vconsole-branding-plan/1"


@dataclass(frozen=True)
class SavedPlan:
    """A plan file's content: the scope, the reviewed state and the state to write."""

    target: str
    tenant: str | None
    based_on: BrandingView
    after: Branding


def save_plan(path: Path, plan: WritePlan) -> None:
    """Write the plan atomically (a temporary file in the same directory, then renamed)."""
    doc = {
        "format": PLAN_FORMAT,
        "target": plan.target,
        "tenant": plan.tenant,
        "basedOn": {"ownBranding": plan.before.own, "branding": plan.before.branding.to_api()},
        "after": plan.after.to_api(),
        "diff": plan.diff.text(),
    }
    write_atomically(path, json.dumps(doc, indent=2) + "\n")


def write_atomically(path: Path, text: str) -> None:
    """Nothing half-written: the text lands under `path` whole or not at all."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _problem(where: str, what: str) -> BrandingInputError:
    return BrandingInputError([InputProblem(where, what)])


def load_plan(path: Path) -> SavedPlan:
    """Read a plan file; anything that is not one is a named input error."""
    where = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _problem(where, f"cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _problem(where, f"not a JSON plan file ({type(exc).__name__})") from None
    if not isinstance(doc, dict) or doc.get("format") != PLAN_FORMAT:
        raise _problem(where, f"not a branding plan (expected format {PLAN_FORMAT!r})")
    base, after, target = doc.get("basedOn"), doc.get("after"), doc.get("target")
    tenant = doc.get("tenant")
    if not isinstance(target, str) or not isinstance(base, dict) or not isinstance(after, dict):
        raise _problem(where, "target, basedOn or after missing")
    try:
        tenant = None if tenant is None else org_name(tenant, "tenant")
        before = Branding.from_api(base.get("branding"))
        wanted = Branding.from_api(after)
    except InvalidToken as exc:
        raise _problem(where, str(exc)) from None
    except (TypeError, ValueError, AttributeError, KeyError):
        raise _problem(where, "basedOn or after is not a UiBranding object") from None
    view = BrandingView(tenant, before, bool(base.get("ownBranding", True)))
    return SavedPlan(target, tenant, view, wanted)


async def plan_from_file(service: BrandingService, saved: SavedPlan) -> WritePlan:
    """The saved change, re-checked; refused if the server moved away from the reviewed state."""
    return await service.plan(saved.tenant, saved.after, base=saved.based_on)


@dataclass(frozen=True)
class RestorePlan:
    """What `restore` will do, known (and diffed) before anything is written."""

    backup: Backup
    text: str
    write: WritePlan | None = None
    reset_tenant: str | None = None


async def plan_restore(service: BrandingService, backup_file: Path) -> RestorePlan:
    backup = load_backup(backup_file)
    if backup.target != service.target:
        raise _problem(
            str(backup_file), f"is a backup of {backup.target!r}, not {service.target!r}"
        )
    if backup.kind != "branding":
        if backup.tenant is not None and not backup.own:
            text = (
                f"Changes to {scope_name(backup.tenant)} {backup.kind}: the tenant's own image "
                f"is deleted; it shows the system's {backup.kind} again"
            )
        else:
            text = (
                f"Changes to {scope_name(backup.tenant)} {backup.kind}: replaced by the "
                f"backed-up image ({backup.image_type or 'unknown type'}, "
                f"{len(backup.image)} bytes)"
            )
        return RestorePlan(backup, text)
    if backup.tenant is not None and not backup.own:
        current = await service.read(backup.tenant)
        system = await service.read(None)
        diff = branding_diff(
            scope_name(backup.tenant),
            current.branding,
            system.branding,
            "the tenant goes back to inheriting the system branding",
        )
        return RestorePlan(backup, diff.text(), reset_tenant=backup.tenant)
    assert backup.branding is not None
    plan = await service.plan(backup.tenant, backup.branding)
    return RestorePlan(backup, plan.diff.text(), write=replace(plan, body=backup.raw))


async def apply_restore(service: BrandingService, plan: RestorePlan) -> WriteResult:
    backup = plan.backup
    if plan.reset_tenant is not None:
        return await service.reset_tenant(plan.reset_tenant)
    if plan.write is not None:
        return await service.write(plan.write)
    if backup.tenant is not None and not backup.own:
        return await service.reset_image(backup.kind, backup.tenant)
    return await service.upload_image(backup.kind, backup.tenant, backup.image, backup.path)


def saved_plan_problem(saved: SavedPlan, target: str, tenant: str | None) -> str | None:
    """Why a plan file does not fit this command line, or None."""
    if saved.target != target:
        return f"the plan is for target {saved.target!r}, not {target!r}"
    if tenant is not None and tenant != saved.tenant:
        return f"the plan is for {scope_name(saved.tenant)}, not tenant {tenant}"
    return None
