"""`vconsole analyze CAPTURE... [--json] [--pane P]`: every pane's verdicts on captured hosts."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from vconsole.textsafe import visible


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "analyze", help="run the panes' parsing and verdicts offline on capture files"
    )
    p.add_argument("captures", nargs="+", type=Path, metavar="CAPTURE", help="capture JSON file(s)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--pane",
        action="append",
        metavar="P",
        help="only this pane (repeatable); with one pane, --json prints just its result",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from vconsole.commands.outcome import reports_error
    from vconsole.services.analyze import (
        ANALYZERS,
        PANE_COMMANDS,
        CaptureError,
        analyze_captures,
    )

    panes = args.pane or None
    for pane in panes or ():
        if pane not in ANALYZERS:
            known = ", ".join(sorted(ANALYZERS))
            print(f"vconsole analyze: --pane: no pane {pane!r}; known: {known}", file=sys.stderr)
            return 2
    try:
        result = asyncio.run(analyze_captures(args.captures, panes))
    except CaptureError as exc:
        print(f"vconsole analyze: {exc}", file=sys.stderr)
        return 2
    if args.json:
        body = result[panes[0]] if panes and len(panes) == 1 else result
        print(json.dumps(body, indent=2))
        return 1 if reports_error(body) else 0
    for capture in result["captures"]:
        print(
            visible(
                f"{capture['file']}: host {capture['host'] or '?'}, "
                f"captured {capture['captured_at'] or '?'}"
            )
        )
    coverage = result.get("coverage", {})
    for pane in panes or sorted(ANALYZERS):
        print(f"\n== {pane}")
        if pane in PANE_COMMANDS and not coverage.get(pane, [None]):
            print("(no capture holds this pane's commands)")
            continue
        print(_text(pane, result.get(pane)))
    return 1 if any(reports_error(result.get(p)) for p in panes or sorted(ANALYZERS)) else 0


def _text(pane: str, value: Any) -> str:
    """One line per finding, worst wording first as each pane words it; JSON only as a fallback."""
    if isinstance(value, dict) and "error" in value:
        return f"error: {visible(value['error'])}"
    if isinstance(value, dict) and "clients" in value:
        return _pool_text(value["clients"])
    if isinstance(value, dict) and "checks" in value and "rows" in value:
        from vconsole.commands.checks_cmd import rows_text

        return rows_text(value["rows"])
    if isinstance(value, list):
        lines = []
        for item in value:
            if not isinstance(item, dict):
                lines.append(str(item))
                continue
            keys = ("host", "device", "path", "lag", "vmk", "vmnic")
            where = " ".join(str(item[k]) for k in keys if item.get(k))
            problems = [
                p.get("text", "") for p in item.get("problems") or () if isinstance(p, dict)
            ]
            text = item.get("summary") or "; ".join(problems) or "ok"
            lines.append(
                f"{str(item.get('verdict', '')).upper():8} {visible(where)}: {visible(text)}"
            )
        return "\n".join(lines) or "(nothing)"
    return json.dumps(value, indent=2)


def _pool_text(clients: list[dict[str, Any]]) -> str:
    lines = []
    for client in clients:
        error = client.get("error")
        if isinstance(error, dict) and error:  # no pool was read: no totals to show
            lines.append(f"{visible(client.get('client'))}: ERROR {visible(error.get('text'))}")
            continue
        totals = client.get("totals") or {}
        lines.append(
            f"{visible(client.get('client'))}: {totals.get('gpus', 0)} GPUs, "
            f"{totals.get('used_pct', 0)}% of GPU memory allocated"
        )
        for p in client.get("problems") or ():
            lines.append(
                f"{str(p.get('severity', '')).upper():8} {visible(p.get('subject'))}: {visible(p.get('text'))}"
            )
    return "\n".join(lines) or "(no Bitfusion client in these captures)"
