"""Backup files of branding state, written before every change and read back by `restore`.

One JSON file per write under the backup dir: the scope's previous UiBranding exactly as the
server returned it (or the previous logo/icon bytes), whether a tenant had its own branding,
the target and the API version. No secrets are in it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from vconsole.api_path import org_name
from vconsole.errors import InvalidToken
from vconsole.models.branding import Backup, Branding, InputProblem
from vconsole.services.branding_input import BrandingInputError

if TYPE_CHECKING:
    from vconsole.untyped import Json

FORMAT = "vconsole-branding-backup/1"


def _stamp() -> tuple[str, str]:
    now = dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), now.strftime("%Y%m%dT%H%M%S%fZ")


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def save_backup(
    directory: Path,
    *,
    target: str,
    tenant: str | None,
    kind: str,
    own: bool,
    api_version: str,
    reason: str,
    branding: Json = None,
    image_type: str = "",
    image: bytes = b"",
) -> Path:
    """Write the file (mode 0600, never overwriting) and return its path."""
    taken_at, stamp = _stamp()
    scope = "system" if tenant is None else f"tenant-{_safe(tenant)}"
    folder = directory / _safe(target)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{stamp}-{scope}-{kind}.json"
    doc: dict[str, Json] = {
        "format": FORMAT,
        "target": target,
        "tenant": tenant,
        "kind": kind,
        "ownBranding": own,
        "apiVersion": api_version,
        "takenAt": taken_at,
        "reason": reason,
    }
    if kind == "branding":
        doc["branding"] = branding
    else:
        doc["contentType"] = image_type
        doc["data"] = base64.b64encode(image).decode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")
    return path


def load_backup(path: Path) -> Backup:
    """Read a backup file; a file that is not one names what is wrong with it."""
    where = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BrandingInputError([InputProblem(where, f"cannot read: {exc.strerror}")]) from None
    except json.JSONDecodeError as exc:
        raise BrandingInputError([InputProblem(where, f"invalid JSON: {exc.msg}")]) from None
    except (UnicodeDecodeError, RecursionError, ValueError) as exc:
        why = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "not a JSON document"
        raise BrandingInputError([InputProblem(where, why)]) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BrandingInputError(
            [InputProblem(where, f"not a branding backup (expected format {FORMAT!r})")]
        )
    kind = doc.get("kind")
    if kind not in ("branding", "logo", "icon") or not isinstance(doc.get("target"), str):
        raise BrandingInputError([InputProblem(where, "kind or target missing")])
    tenant = doc.get("tenant")
    try:
        if tenant is not None:
            org_name(tenant, "tenant")
        branding = Branding.from_api(doc.get("branding")) if kind == "branding" else None
        image = (
            base64.b64decode(str(doc.get("data", "")), validate=True) if kind != "branding" else b""
        )
    except InvalidToken as exc:
        raise BrandingInputError([InputProblem(where, str(exc))]) from None
    except (TypeError, ValueError, AttributeError):
        what = "branding is not a UiBranding object" if kind == "branding" else "data is not base64"
        raise BrandingInputError([InputProblem(where, what)]) from None
    return Backup(
        path=where,
        target=doc["target"],
        tenant=tenant,
        kind=kind,
        own=bool(doc.get("ownBranding", True)),
        taken_at=str(doc.get("takenAt", "")),
        api_version=str(doc.get("apiVersion", "")),
        branding=branding,
        image_type=str(doc.get("contentType", "")),
        image=image,
        raw=doc.get("branding") if kind == "branding" else None,
    )


def list_backups(directory: Path, target: str | None = None) -> list[Path]:
    """Backup files, newest first."""
    root = directory / _safe(target) if target else directory
    if not root.exists():
        return []
    return sorted(root.rglob("*.json"), key=lambda p: p.name, reverse=True)
