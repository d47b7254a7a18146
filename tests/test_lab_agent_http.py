"""The host agent reads the lab vCenter's request headers in one pass: what it reads must be
what http.server's own parser (http.client.parse_headers) reads, limits included."""

from __future__ import annotations

import http.client
import io
import json
import socket
import struct
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.lab.esxi.agent import MAX_HEADERS, HostAgents, _Server, read_headers
from vconsole.lab.esxi.state import HostState, LabClock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
_SOMAXCONN = (
    int(Path("/proc/sys/net/core/somaxconn").read_text()) if sys.platform.startswith("linux") else 0
)

NAMES = st.sampled_from(
    ["Authorization", "authorization", "Content-Length", "CONTENT-LENGTH", "Connection", "X-A"]
)
VALUES = st.text(alphabet="abc 019:/-=", max_size=12)
LINES = st.one_of(
    st.tuples(NAMES, VALUES).map(lambda nv: f"{nv[0]}: {nv[1]}"),
    st.tuples(NAMES, VALUES).map(lambda nv: f"{nv[0]}:{nv[1]}"),
)


@settings(max_examples=200)
@given(st.lists(LINES, max_size=8), st.sampled_from(["\r\n", "\n"]))
def test_headers_read_as_http_server_reads_them(lines: list[str], eol: str) -> None:
    raw = (eol.join(lines) + eol if lines else "") + eol + "body"
    ours = read_headers(io.BytesIO(raw.encode()))
    theirs = http.client.parse_headers(io.BytesIO(raw.encode()))
    assert ours is not None
    for name in ("Authorization", "Content-Length", "Connection", "X-A"):
        assert ours.get(name) == theirs.get(name), (name, raw)


def test_too_many_or_too_long_header_lines_are_refused() -> None:
    many = "".join(f"X-{i}: 1\r\n" for i in range(MAX_HEADERS + 1)) + "\r\n"
    assert read_headers(io.BytesIO(many.encode())) is None
    long = "X: " + "a" * 70000 + "\r\n\r\n"
    assert read_headers(io.BytesIO(long.encode())) is None


def test_a_kept_alive_connection_answers_each_call_and_refuses_a_bad_token() -> None:
    from bench_mtu import blackhole_scenario  # type: ignore[import-not-found]

    scenario = blackhole_scenario(1)
    host = scenario.hosts[0]
    agents = HostAgents({host.name: HostState(scenario, host, LabClock(0), None)}, lambda _: False)
    agents.start()
    try:
        port = int(agents.base_url.rsplit(":", 1)[1])
        path = "/hosts/" + host.name
        body = json.dumps({"call": "QueryMoInstances", "typeSubstr": "diag"}).encode()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        answers = []
        for token in (agents.token, agents.token, "wrong"):
            conn.request("POST", path, body, {"Authorization": f"Bearer {token}"})
            reply = conn.getresponse()
            answers.append((reply.status, json.loads(reply.read()), reply.getheader("Date")))
        conn.close()
        assert [a[0] for a in answers] == [200, 200, 401]
        assert answers[0][1] == answers[1][1] and answers[0][1]["instances"]
        assert all(a[2] and a[2].endswith(" GMT") for a in answers)
        assert agents.connections == 1
    finally:
        agents.stop()


ROUND = 640  # a cold MTU matrix round: 20 hosts x 2 vmks x 2 targets x 8 probes in flight


def _accept_queue(sock: socket.socket) -> tuple[int, int]:
    """A listening socket's accept queue: connections waiting, and the most it holds (Linux
    reports both in TCP_INFO's unacked and sacked fields for a listener)."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    waiting, most = struct.unpack_from("II", info, 24)
    return waiting, most


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or _SOMAXCONN < ROUND + 1,
    reason="the kernel caps a listener's queue below a round",
)
def test_a_round_of_connections_waits_for_the_busy_agent_none_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lab vCenter opens a connection per ping of a cold round at once; while the agent's
    one accepting thread is busy they wait in its queue, none dropped (a dropped SYN is retried
    a second later: a second on that ping), and each is then answered."""
    from bench_mtu import blackhole_scenario  # type: ignore[import-not-found]

    scenario = blackhole_scenario(1)
    host = scenario.hosts[0]
    agents = HostAgents({host.name: HostState(scenario, host, LabClock(0), None)}, lambda _: False)
    busy, go_on = threading.Event(), threading.Event()
    process = _Server.process_request

    def held(server: Any, request: Any, address: Any) -> None:
        if not busy.is_set():
            busy.set()
            go_on.wait(60)
        process(server, request, address)

    monkeypatch.setattr(_Server, "process_request", held)
    agents.start()
    conns: list[http.client.HTTPConnection] = []
    try:
        port = int(agents.base_url.rsplit(":", 1)[1])
        conns.append(http.client.HTTPConnection("127.0.0.1", port, timeout=10))
        conns[0].connect()
        assert busy.wait(30)  # the accepting thread is held on the first connection
        for _ in range(ROUND):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.connect()
            conns.append(conn)
        assert agents._server is not None
        listener = agents._server.socket
        waiting, most = _accept_queue(listener)
        for _ in range(200):  # the last handshakes are settled by the kernel, not this thread
            if waiting >= ROUND:
                break
            threading.Event().wait(0.01)
            waiting, most = _accept_queue(listener)
        assert most >= ROUND and waiting == ROUND
        go_on.set()
        body = json.dumps({"call": "QueryMoInstances", "typeSubstr": "diag"}).encode()
        for conn in conns:
            conn.request(
                "POST", "/hosts/" + host.name, body, {"Authorization": f"Bearer {agents.token}"}
            )
            reply = conn.getresponse()
            assert reply.status == 200 and json.loads(reply.read())["instances"]
        assert agents.connections == ROUND + 1
    finally:
        go_on.set()
        for conn in conns:
            conn.close()
        agents.stop()
