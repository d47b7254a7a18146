"""`vconsole branding`: read, set, restore and reset Cloud Director portal branding.

`set` prints the exact diff first and writes only without `--dry-run`; every write saves a
backup of the previous state and prints its path; `restore` puts a backup back. Exit codes:
0 done, 1 refused or failed on the server, 2 bad input, 3 refused by read-only mode.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from functools import partial
from pathlib import Path
from typing import Any

from vconsole.commands.common import fail


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "branding", help="Cloud Director portal branding (system and tenants)"
    )
    p.add_argument("--target", metavar="NAME", help="vcd target (default: the profile's first)")
    sub = p.add_subparsers(dest="branding_command", metavar="ACTION", required=True)

    get = sub.add_parser("get", help="show system or tenant branding")
    get.add_argument("--tenant", metavar="ORG", help="a tenant (org name); default: system")
    get.add_argument("--all", action="store_true", help="system and every tenant")
    get.add_argument("--json", action="store_true", help="print the UiBranding JSON (importable)")
    get.set_defaults(handler=handle_get)

    put = sub.add_parser("set", help="apply a UiBranding JSON file (whole or partial)")
    put.add_argument("file", metavar="FILE", nargs="?", help="JSON in the API's shape")
    put.add_argument("--tenant", metavar="ORG", help="a tenant (org name); default: system")
    put.add_argument("--dry-run", action="store_true", help="print the diff, send nothing")
    put.add_argument(
        "--plan",
        metavar="PLAN",
        help="with --dry-run: save the reviewed plan here; alone: apply that plan, "
        "only if the server still holds the state it was based on",
    )
    put.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    put.set_defaults(handler=handle_set)

    restore = sub.add_parser("restore", help="put a backup file back")
    restore.add_argument("backup", metavar="BACKUP", help="a file written before an earlier change")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.set_defaults(handler=handle_restore)

    reset = sub.add_parser("reset", help="revert a tenant to the system branding (DELETE)")
    reset.add_argument("--tenant", metavar="ORG", required=True, help="the tenant (org name)")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    reset.set_defaults(handler=handle_reset)


_fail = partial(fail, "branding")


def _run(args: argparse.Namespace, work: Any, target: str | None = None) -> int:
    """Build the manager and service, run `work(service)`, map errors to exit codes."""
    from vconsole.commands.common import resolve_profile
    from vconsole.errors import ReadOnlyRefused, VcdApiError, VconsoleError
    from vconsole.services.branding import BrandingService, ConcurrentChange
    from vconsole.services.branding_input import BrandingInputError
    from vconsole.sessions import SessionManager

    async def main() -> int:
        profile = resolve_profile(getattr(args, "config", None), getattr(args, "profile", None))
        read_only = bool(getattr(args, "readonly", False) or profile.read_only)
        manager = SessionManager(profile, read_only=read_only)
        try:
            service = BrandingService(manager, target or args.target or "")
            return int(await work(service))
        finally:
            await manager.close()

    from vconsole.api_path import org_name
    from vconsole.errors import InvalidToken

    try:
        if getattr(args, "tenant", None) is not None:
            org_name(args.tenant, "--tenant")
        return asyncio.run(main())
    except InvalidToken as exc:
        return _fail(f"{exc}; nothing was sent", 2)
    except NotConfirmed as exc:
        return _fail(str(exc), exc.code)
    except BrandingInputError as exc:
        return _fail(f"{exc.title}; nothing was sent:\n{exc}", 2)
    except ReadOnlyRefused as exc:
        return _fail(f"{exc.title}: {exc}", 3)
    except ConcurrentChange as exc:
        return _fail(f"{exc.title}: {exc}", 1)
    except VcdApiError as exc:
        extra = " (server error: nothing changed locally; retry later)" if exc.status >= 500 else ""
        return _fail(f"{exc.title}: {exc}{extra}", 1)
    except VconsoleError as exc:
        return _fail(f"{exc.title}: {exc}", 1)


class NotConfirmed(Exception):
    """The admin said no (exit 1), or there was no terminal to ask on and no --yes (exit 2)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def confirm_write(args: argparse.Namespace, question: str) -> None:
    """Ask before a write (the diff is already printed); `--yes` skips, no terminal refuses."""
    if getattr(args, "yes", False):
        return
    if not sys.stdin.isatty():
        raise NotConfirmed("not confirmed: run on a terminal or pass --yes; nothing was sent", 2)
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise NotConfirmed("not confirmed; nothing was sent", 1)


def render_view(view: Any, version: str = "") -> str:
    """Plain text like the portal's menus: the ? menu's overrides, then the user menu.

    Every value came from the server, so control characters are shown, never obeyed.
    """
    from vconsole.textsafe import visible as v

    b = view.branding
    title = view.scope + (f" ({view.marker})" if view.tenant else "")
    lines = [v(title) + (f"  [API {version}]" if version else "")]
    lines.append(f"  portalName   {v(b.portal_name) if b.portal_name is not None else '(none)'}")
    lines.append(f"  portalColor  {v(b.portal_color or '(theme default)')}")
    lines.append(f"  theme        {v(b.theme.label()) if b.theme else '(none)'}")
    lines.append("  ? menu overrides:" + ("" if b.overrides else " (none)"))
    for _, item in b.overrides:
        lines.append(f"    {v(item.name or ''):<8} {v(item.url or '(VMware default)')}")
    lines.append("  user menu:" + ("" if b.user_menu else " (none)"))
    in_section = False
    for _, item in b.user_menu:
        if item.kind == "section":
            lines.append(f"    {v(item.name or '')}")
            in_section = True
        elif item.kind == "separator":
            lines.append("    ────────")
            in_section = False
        else:
            pad = "      " if in_section else "    "
            lines.append(f"{pad}{v(item.name or '')}  <{v(item.url or '')}>")
    return "\n".join(lines)


def handle_get(args: argparse.Namespace) -> int:
    async def work(service: Any) -> int:
        caps = await service.capabilities()
        if args.all:
            views = await service.overview()
        else:
            views = [await service.read(args.tenant)]
        if args.json:
            if len(views) == 1:
                print(json.dumps(views[0].branding.to_api(), indent=2))
            else:
                doc = {v.tenant or "System": v.branding.to_api() for v in views}
                print(json.dumps(doc, indent=2))
            return 0
        print("\n\n".join(render_view(v, caps.version) for v in views))
        if caps.deprecated_note:
            print(f"\nnote: {caps.deprecated_note}")
        return 0

    return _run(args, work)


def handle_set(args: argparse.Namespace) -> int:
    from vconsole.models.branding import Capabilities
    from vconsole.services.branding import scope_path
    from vconsole.services.branding_input import BrandingInputError, parse_document
    from vconsole.services.branding_plans import load_plan

    if args.file is None and not (args.plan and not args.dry_run):
        return _fail("set needs FILE (or --plan PLAN to apply a saved plan)", 2)
    if args.file is not None and args.plan and not args.dry_run:
        return _fail("--plan PLAN applies a saved plan: give FILE or --plan, not both", 2)
    saved = patch = None
    try:
        if args.file is None:
            saved = load_plan(Path(args.plan))
        else:
            path = Path(args.file)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                why = getattr(exc, "strerror", None) or "not UTF-8 text"
                return _fail(f"{path}: cannot read: {why}", 2)
            # checked before connecting; the server's own version is applied again by plan()
            patch = parse_document(text, Capabilities.for_version("39.1"), str(path))
    except BrandingInputError as exc:
        return _fail(f"{exc.title}; nothing was sent:\n{exc}", 2)
    if saved is not None and args.tenant is None:
        args.tenant = saved.tenant

    async def work(service: Any) -> int:
        from vconsole.services.branding_plans import (
            plan_from_file,
            save_plan,
            saved_plan_problem,
        )

        if not args.dry_run:
            service.refuse_if_read_only(f"PUT {scope_path(args.tenant)}")
        if saved is not None:
            problem = saved_plan_problem(saved, service.target, args.tenant)
            if problem:
                return _fail(f"{problem}; nothing was sent", 2)
            plan = await plan_from_file(service, saved)
        else:
            plan = await service.plan(args.tenant, patch)
        for warning in plan.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(plan.diff.text())
        if args.dry_run:
            if args.plan:
                save_plan(Path(args.plan), plan)
                print(f"plan saved to {args.plan}; apply it with: branding set --plan {args.plan}")
            print("dry run: nothing was sent")
            return 0
        if not plan.diff.changes:
            print("nothing to change: nothing was sent")
            return 0
        confirm_write(args, f"Write these changes to {plan.diff.scope}?")
        result = await service.write(plan)
        print(f"written ({result.scope}, HTTP {result.status})")
        print(f"backup: {result.backup}")
        return 0

    return _run(args, work)


def handle_restore(args: argparse.Namespace) -> int:
    from vconsole.services.branding_backup import load_backup
    from vconsole.services.branding_input import BrandingInputError

    path = Path(args.backup)
    try:
        backup = load_backup(path)
    except BrandingInputError as exc:
        return _fail(f"{exc.title}:\n{exc}", 2)

    async def work(service: Any) -> int:
        from vconsole.services.branding_plans import apply_restore, plan_restore

        service.refuse_if_read_only(f"restore {path.name}")
        plan = await plan_restore(service, path)
        print(plan.text)
        confirm_write(args, f"Restore this backup to {service.target}?")
        result = await apply_restore(service, plan)
        print(f"restored {result.scope} from {path} (HTTP {result.status})")
        print(f"backup: {result.backup}")
        return 0

    return _run(args, work, target=backup.target)


def handle_reset(args: argparse.Namespace) -> int:
    from vconsole.services.branding import scope_name, scope_path
    from vconsole.services.branding_diff import branding_diff

    async def work(service: Any) -> int:
        service.refuse_if_read_only(f"DELETE {scope_path(args.tenant)}")
        current = await service.read(args.tenant)
        system = await service.read(None)
        note = "" if current.own else "the tenant already inherits the system branding"
        print(
            branding_diff(scope_name(args.tenant), current.branding, system.branding, note).text()
        )
        confirm_write(args, f"Revert tenant {args.tenant} to the system branding?")
        result = await service.reset_tenant(args.tenant)
        print(f"tenant {args.tenant} now uses the system branding (HTTP {result.status})")
        print(f"backup: {result.backup}")
        return 0

    return _run(args, work)
