"""The lab hosts' agent endpoint: where the lab vCenter forwards esxcli-over-API calls.

Real vCenter relays `ExecuteSoap` and the dynamic type manager's queries to the host agent; the
lab vCenter POSTs each one here as JSON (`/hosts/<name>`, bearer token), and the host answers
from the same state its SSH server uses. One loopback HTTP server serves every host; a host that
is down answers 503, which the lab vCenter turns into the fault vCenter shows. The token keeps
other local users from driving lab hosts through this side door.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.client import HTTPMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from typing import Any
from urllib.parse import quote, unquote

from vconsole.lab.esxi import api
from vconsole.lab.esxi.state import HostState

log = logging.getLogger(__name__)
MAX_BODY = 1 << 20
PROTOCOL = "HTTP/1.1"  # HTTP/1.0 closes each connection after one call (the benchmark's old way)
IDLE_S = 120.0  # an idle kept-alive connection ends here (the lab vCenter closes its own at 30 s)
MAX_LINE = 65536  # header line and count limits: http.client's, which http.server applies
MAX_HEADERS = 100
_DATE: list[tuple[int, str]] = [(0, "")]  # the Date header of the current second


class _Server(ThreadingHTTPServer):
    # A cold MTU matrix round has the lab vCenter open a connection per ping in flight (640)
    # at once, faster than this one accepting thread takes them: past the backlog the kernel
    # drops the SYN and the client retries it a second later, a second on the ping's answer
    # (a backlog of 256 dropped 227 of 551 in one round). The kernel caps it at somaxconn.
    request_queue_size = 4096
    daemon_threads = True


class _Ipv6Server(_Server):
    address_family = socket.AF_INET6


class HostAgents:
    """A loopback HTTP server answering API calls for every lab host. Synchronous start/stop."""

    def __init__(
        self,
        hosts: dict[str, HostState],
        is_down: Callable[[str], bool],
        bind: str = "127.0.0.1",
    ) -> None:
        self.hosts = hosts
        self.is_down = is_down
        self.bind = bind
        self.token = secrets.token_urlsafe(24)
        self.connections = 0  # connections accepted so far (tests and the benchmark read it)
        self._count = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "the host agents are not started"
        port = self._server.server_address[1]
        host = f"[{self.bind}]" if ":" in self.bind else self.bind
        return f"http://{host}:{port}"

    def urls(self) -> dict[str, str]:
        """Per-host agent URL, as the lab vCenter's topology names it."""
        return {name: f"{self.base_url}/hosts/{quote(name, safe='')}" for name in self.hosts}

    def start(self) -> None:
        agents = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as hostd serves vCenter: the lab vCenter reuses each connection, so
            # a relayed call costs neither a connection nor a thread of its own.
            protocol_version = PROTOCOL
            timeout = IDLE_S
            # headers and body go out as two writes: on a kept-alive connection Nagle's
            # algorithm held the body until the vCenter's delayed ACK, 40 ms per call
            disable_nagle_algorithm = True

            def parse_request(self) -> bool:
                """The lab vCenter's plain `POST /path HTTP/1.1` read in one pass (http.server's
                email parser cost more than the call); anything else goes the standard way."""
                words = bytes(getattr(self, "raw_requestline", b"")).split()  # set by http.server
                if (
                    len(words) != 3
                    or words[0] != b"POST"
                    or words[2] != b"HTTP/1.1"
                    or not words[1].startswith(b"/")
                    or words[1].startswith(b"//")
                ):
                    return super().parse_request()
                headers = read_headers(self.rfile)
                if headers is None:
                    self.close_connection = True
                    self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
                    return False
                self.command, self.request_version = "POST", "HTTP/1.1"
                self.path = words[1].decode("iso-8859-1")
                self.requestline = f"POST {self.path} HTTP/1.1"
                self.headers = headers
                self.close_connection = str(headers.get("Connection", "")).lower() == "close"
                if str(headers.get("Expect", "")).lower() == "100-continue":
                    return self.handle_expect_100()
                return True

            def date_time_string(self, timestamp: float | None = None) -> str:
                if timestamp is not None:
                    return super().date_time_string(timestamp)
                second = int(time.time())
                cached = _DATE[0]
                if cached[0] != second:
                    cached = _DATE[0] = (second, super().date_time_string(second))
                return cached[1]

            def setup(self) -> None:
                super().setup()
                with agents._count:
                    agents.connections += 1

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                status, body = agents.handle(self.path, self.headers, self.rfile)
                data = json.dumps(body).encode()
                self.send_response(status)
                if status not in (200, 503):  # the body may be unread: start afresh
                    self.send_header("Connection", "close")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("host agent: " + format, *args)

        server_class = _Ipv6Server if ":" in self.bind else _Server
        self._server = server_class((self.bind, 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="esxi-lab-agents", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def handle(self, path: str, headers: Any, rfile: Any) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) for one forwarded call."""
        expected = f"Bearer {self.token}".encode()
        if not hmac.compare_digest(str(headers.get("Authorization", "")).encode(), expected):
            return 401, {"error": "bad token"}
        prefix = "/hosts/"
        name = unquote(path[len(prefix) :]) if path.startswith(prefix) else ""
        state = self.hosts.get(name)
        if state is None:
            return 404, {"error": "unknown host"}
        try:
            length = int(headers.get("Content-Length", "0"))
        except ValueError:
            return 400, {"error": "bad Content-Length"}
        if not 0 < length <= MAX_BODY:
            return 400, {"error": "bad body size"}
        try:
            call = json.loads(rfile.read(length))
        except ValueError:
            return 400, {"error": "body is not JSON"}
        if not isinstance(call, dict):
            return 400, {"error": "body is not an object"}
        if self.is_down(name):
            return 503, {"error": "host agent is not answering"}
        if state.host.slow_ms:
            state.clock.sleep(state.host.slow_ms / 1000.0)
        try:
            return 200, self._answer(state, call)
        except Exception:  # a lab bug must not hang the lab vCenter's caller
            log.exception("lab host %s failed on an API call", name)
            return 500, {"error": "host agent failed"}

    def _answer(self, state: HostState, call: dict[str, Any]) -> dict[str, Any]:
        kind = call.get("call")
        if kind == "QueryMoInstances":
            found = api.mo_instances(str(call.get("id", "")), str(call.get("typeSubstr", "")))
            return {"instances": found}
        if kind == "QueryTypeInfo":
            return {"types": api.type_info(str(call.get("typeSubstr", "")))}
        if kind != "ExecuteSoap":
            return {"invalid": "call"}
        raw = call.get("arguments") or []
        if not isinstance(raw, list):
            return {"invalid": "argument"}
        arguments = [
            (str(a.get("name", "")), str(a.get("val", ""))) for a in raw if isinstance(a, dict)
        ]
        answer = api.execute(
            state,
            str(call.get("moid", "")),
            str(call.get("version", "")),
            str(call.get("method", "")),
            arguments,
        )
        return answer.as_json()


def read_headers(rfile: BufferedIOBase) -> HTTPMessage | None:
    """A request's header lines up to the blank line; None past the line or count limit.
    A line without a colon is skipped, as http.client's parser leaves it out of the headers."""
    headers = HTTPMessage()
    for _ in range(MAX_HEADERS + 1):
        line = rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            return None
        if line in (b"\r\n", b"\n", b""):
            return headers
        name, colon, value = line.decode("iso-8859-1").partition(":")
        if colon and name and name == name.strip():
            headers[name] = value.lstrip(" \t").rstrip("\r\n")
    return None
