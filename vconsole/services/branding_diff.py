"""The diff shown before every branding write: what changes, field by field and item by item."""

from __future__ import annotations

import difflib

from vconsole.models.branding import Branding, BrandingDiff, FieldChange


def _text(value: str | None, empty: str = "(none)") -> str:
    return f'"{value}"' if value else empty


def branding_diff(scope: str, before: Branding, after: Branding, note: str = "") -> BrandingDiff:
    changes: list[FieldChange] = []
    if before.portal_name != after.portal_name:
        changes.append(
            FieldChange(
                "portalName", _text(before.portal_name, '""'), _text(after.portal_name, '""')
            )
        )
    if (before.portal_color or None) != (after.portal_color or None):
        changes.append(
            FieldChange(
                "portalColor",
                before.portal_color or "(theme default)",
                after.portal_color or "(theme default)",
            )
        )
    if before.theme != after.theme:
        changes.append(
            FieldChange(
                "selectedTheme",
                before.theme.label() if before.theme else "(none)",
                after.theme.label() if after.theme else "(none)",
            )
        )
    changes += _links(before, after)
    return BrandingDiff(scope, tuple(changes), note)


def _links(before: Branding, after: Branding) -> list[FieldChange]:
    out: list[FieldChange] = []
    matcher = difflib.SequenceMatcher(a=before.links, b=after.links, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and a1 - a0 == b1 - b0:
            for offset in range(a1 - a0):
                out.append(
                    FieldChange(
                        f"customLinks[{b0 + offset}]",
                        before.links[a0 + offset].label(),
                        after.links[b0 + offset].label(),
                    )
                )
            continue
        for i in range(a0, a1):
            out.append(FieldChange(f"customLinks[{i}] (was)", before.links[i].label(), ""))
        for j in range(b0, b1):
            out.append(FieldChange(f"customLinks[{j}]", "", after.links[j].label()))
    return out
