"""Error and success replies shaped like Cloud Director's (reference §1.6 and §3.4).

cloudapi errors are the OpenAPI `Error` object `{minorErrorCode, message, stackTrace}` with the
request id in brackets at the start of the message, as in the observed 401. Legacy `/api`
errors are the XML `Error` element. Messages the reference does not quote are reconstructed
and kept generic.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from typing import Any
from xml.sax.saxutils import quoteattr

from aiohttp import web

_counter = itertools.count(1)

NOT_AUTHENTICATED_TEXT = "This operation is denied."
FORBIDDEN_TEXT = "Access to the resource is forbidden."


def request_id() -> str:
    """`7-2024-08-06-22-50-04-825--8c18ce7b-…`: a counter, the time to the ms, a UUID."""
    now = dt.datetime.now(dt.timezone.utc)
    stamp = now.strftime("%Y-%m-%d-%H-%M-%S-") + f"{now.microsecond // 1000:03d}"
    return f"{next(_counter)}-{stamp}--{uuid.uuid4()}"


def common_headers(req_id: str) -> dict[str, str]:
    return {
        "X-VMWARE-VCLOUD-REQUEST-ID": req_id,
        "X-VMWARE-VCLOUD-REQUEST-EXECUTION-TIME": "1",
        "Cache-Control": "no-store, must-revalidate",
    }


def json_reply(
    body: Any, status: int = 200, version: str | None = None, headers: dict[str, str] | None = None
) -> web.Response:
    ctype = "application/json" + (f";version={version}" if version else "")
    all_headers = common_headers(request_id())
    all_headers.update(headers or {})
    all_headers["Content-Type"] = ctype
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


def cloudapi_error(
    status: int, minor: str, text: str, *, bracket_id: bool = True, version: str | None = None
) -> web.Response:
    req_id = request_id()
    message = f"[ {req_id} ] {text}" if bracket_id else text
    body = {"minorErrorCode": minor, "message": message, "stackTrace": None}
    headers = common_headers(req_id)
    headers["Content-Type"] = "application/json" + (f";version={version}" if version else "")
    return web.Response(status=status, body=json.dumps(body).encode(), headers=headers)


def not_authenticated() -> web.Response:
    return cloudapi_error(401, "NOT_AUTHENTICATED", NOT_AUTHENTICATED_TEXT)


def forbidden(text: str = FORBIDDEN_TEXT) -> web.Response:
    return cloudapi_error(403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN", text)


def bad_request(text: str) -> web.Response:
    return cloudapi_error(400, "BAD_REQUEST", text)


def not_found(text: str) -> web.Response:
    return cloudapi_error(404, "RESOURCE_NOT_FOUND", text)


def not_acceptable_json(supported: str, empty: bool) -> web.Response:
    """406 on cloudapi; the text is the observed one, without a request id prefix."""
    detail = "" if empty else "Invalid API version requested"
    text = (
        "Status code: 406/NOT_ACCEPTABLE, The request has invalid accept header: "
        f"{detail}. Supported API versions are: {supported} ([D] indicates deprecated versions)"
    )
    return cloudapi_error(406, "NOT_ACCEPTABLE", text, bracket_id=False)


def legacy_error(status: int, minor: str, message: str) -> web.Response:
    req_id = request_id()
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Error xmlns="http://www.vmware.com/vcloud/v1.5" '
        f"stackTrace={quoteattr('')} minorErrorCode={quoteattr(minor)} "
        f"message={quoteattr(message)} majorErrorCode={quoteattr(str(status))}/>\n"
    )
    headers = common_headers(req_id)
    headers["Content-Type"] = "application/vnd.vmware.vcloud.error+xml;version=1.5"
    return web.Response(status=status, body=xml.encode(), headers=headers)


def not_acceptable_xml(supported: str) -> web.Response:
    return legacy_error(
        406,
        "NOT_ACCEPTABLE",
        f"The request has invalid accept header. Supported API versions are: {supported}",
    )


def legacy_unauthorized() -> web.Response:
    """The legacy API was observed answering 401 with an empty body."""
    headers = common_headers(request_id())
    return web.Response(status=401, body=b"", headers=headers)


def server_error(status: int) -> web.Response:
    """The injected fault's reply (reconstructed; the reference quotes no 5xx body)."""
    minor = "INTERNAL_SERVER_ERROR" if status == 500 else "SERVICE_UNAVAILABLE"
    return cloudapi_error(status, minor, "Internal Server Error (injected by the lab)")
