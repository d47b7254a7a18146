"""The host agent reads the lab vCenter's request headers in one pass: what it reads must be
what http.server's own parser (http.client.parse_headers) reads, limits included."""

from __future__ import annotations

import http.client
import io
import json
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.lab.esxi.agent import MAX_HEADERS, HostAgents, read_headers
from vconsole.lab.esxi.state import HostState, LabClock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

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
