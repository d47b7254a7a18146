"""Captures of hosts reached over the API: the structured answers, kept as they came.

An entry of a capture taken through vCenter keeps the usual keys (`stdout` holds the records as
JSON, `stderr` esxcli's fault message, `exit` 0 or 1) and adds `via: "api"`, `esxcli` (the call:
namespace, method and arguments), `method` (the full esxcli method, which picks the mapping)
and `records` (the answer's structures as JSON objects). `analyze` and `replay` map `records`
to the same models as a live API answer; see docs/capture.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vconsole.sessions.results import CommandResult

if TYPE_CHECKING:
    from vconsole.untyped import Json


def api_entry(result: CommandResult) -> dict[str, Json]:
    """The extra keys of a capture entry for an answer that came over the API ({} otherwise)."""
    records = getattr(result, "records", None)
    if records is None:
        return {}
    return {
        "via": "api",
        "esxcli": getattr(result, "call_line", ""),
        "method": getattr(result, "method", ""),
        "records": list(records),
        "fault": getattr(result, "fault", ""),
    }


def api_result(entry: dict[str, Json], exit_code: int) -> CommandResult | None:
    """A replayed API entry as the result a live API call gives (None for a text entry)."""
    records = entry.get("records")
    method = entry.get("method")
    if not isinstance(records, list) or not isinstance(method, str) or not method:
        return None
    from vconsole.sessions.esxcli_api import ApiCommandResult

    fault = entry.get("fault")
    return ApiCommandResult(
        stderr=str(entry.get("stderr", "")),
        exit=exit_code,
        duration_s=0.0,
        records=tuple(records),
        method=method,
        fault=fault if isinstance(fault, str) else "",
        call_line=str(entry.get("esxcli", "")),
        via="replay",
    ).showing(str(entry.get("stdout", "")))
