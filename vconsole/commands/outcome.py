"""The exit code of a command that asked many targets: the truth about the ones that failed.

Exit codes (docs/json.md): 0 every target answered, 1 at least one target failed (host down,
wrong password, key refused, vCenter lost mid-run) or `analyze` found an ERROR, 2 bad input,
3 refused by read-only mode. The output for the targets that did answer is still printed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from vconsole.textsafe import visible


def failed_targets(command: str, hosts: Iterable[Any], vcenter_error: str = "") -> int:
    """Name each failed host (and a lost vCenter) on stderr; 1 if there was any, else 0."""
    failed = [h for h in hosts if not getattr(h, "ok", True)]
    for host in failed:
        why = visible(str(getattr(host, "error", "") or "failed"))
        print(f"vconsole {command}: {visible(host.host)}: {why}", file=sys.stderr)
    if vcenter_error:
        print(f"vconsole {command}: vCenter: {visible(vcenter_error)}", file=sys.stderr)
    return 1 if failed or vcenter_error else 0


def reports_error(value: Any, depth: int = 0) -> bool:
    """Whether an `analyze` result holds an ERROR anywhere (a pane error, verdict or finding)."""
    if depth > 50:
        return False
    if isinstance(value, dict):
        if isinstance(value.get("error"), str) and value["error"]:
            return True
        if str(value.get("verdict", "")).lower() == "error":
            return True
        if str(value.get("severity", "")).lower() == "error":
            return True
        return any(reports_error(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(reports_error(v, depth + 1) for v in value)
    return False
