"""An esxcli read asked again through vCenter (the paths pane's `core path list` every 20 s):
an answer whose bytes are the last one's is that answer again, with no XML parsed; anything
else is read anew. Checked on the lab's real vCenter and host agents, and against a fresh read
of the same bytes (the old way) for any order of answers."""

from __future__ import annotations

from typing import Any

import pytest
from esxcli_lab_helpers import STORAGE_HOST, ApiLab, api_lab_fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vcsim_helpers import host_named, lab_test

from vconsole.esx.api_calls import API_VERSION, esxcli_call
from vconsole.esx.storage import READ_COMMANDS, rr_get_command
from vconsole.vim import esxcli as wire
from vconsole.vim.soap import MoRef
from vconsole.vim.transport import SoapFault

lab = api_lab_fixture()
Asked = tuple[bytes, int, bytes]  # the request, the answer's HTTP status and bytes


def _stub(lab: ApiLab) -> Any:
    return lab.content.rootFolder._stub


def _executer(lab: ApiLab, host: str) -> MoRef:
    moid = host_named(lab.content, host)._moId
    return wire.retrieve_executer(_stub(lab), MoRef("HostSystem", moid))


def _ask(lab: ApiLab, host: str, command: Any) -> Asked:
    call = esxcli_call(command)
    request = wire.execute_soap_body(
        _executer(lab, host), call.moid, API_VERSION, call.method_name, call.args
    )
    return (request, *wire.post_bytes(_stub(lab), request))


def _read(lab: ApiLab, host: str, command: Any) -> wire.EsxcliAnswer:
    call = esxcli_call(command)
    return wire.execute_soap(
        _stub(lab), _executer(lab, host), call.moid, API_VERSION, call.method_name, call.args
    )


def _fresh(status: int, data: bytes) -> object:
    """The old way: every answer parsed; a fault as what it says."""
    try:
        return wire.read_execute(status, data)
    except SoapFault as fault:
        return ("fault", fault.kind, fault.message)


@lab_test
def test_the_same_answer_is_the_last_one_and_a_changed_one_is_read(lab: ApiLab) -> None:
    core = READ_COMMANDS[1]
    first = _read(lab, STORAGE_HOST, core)
    again = _read(lab, STORAGE_HOST, core)
    assert again is first and len(first.records) > 0
    assert again == _fresh(*_ask(lab, STORAGE_HOST, core)[1:])

    devices = _read(lab, STORAGE_HOST, READ_COMMANDS[0])
    device = devices.records[0]["Device"]
    get = rr_get_command(device)
    before = _read(lab, STORAGE_HOST, get)
    assert _read(lab, STORAGE_HOST, get) is before
    wanted = "iops" if before.records[0]["LimitType"] != "Iops" else "bytes"
    line = f"esxcli storage nmp psp roundrobin deviceconfig set -d {device} -t {wanted}"
    lab.shell.run(STORAGE_HOST, line)
    try:
        after = _read(lab, STORAGE_HOST, get)
        assert after is not before
        assert after.records[0]["LimitType"].lower() == wanted
        assert after == _fresh(*_ask(lab, STORAGE_HOST, get)[1:])
    finally:
        kind = before.records[0]["LimitType"].lower()
        lab.shell.run(STORAGE_HOST, f"esxcli storage nmp psp roundrobin deviceconfig set "
                                    f"-d {device} -t {kind}")  # fmt: skip


@pytest.fixture(scope="module")
def answers(lab: ApiLab) -> list[Asked]:
    """Real answers of the pane's four commands and an esxcli fault, and each edited: a value
    changed (the same request, other bytes) or cut short (no XML)."""
    asked = [_ask(lab, STORAGE_HOST, c) for c in READ_COMMANDS]
    asked.append(_ask(lab, STORAGE_HOST, rr_get_command("naa.00000000000000000000000000000000")))
    fault = _fresh(*asked[-1][1:])
    assert isinstance(fault, wire.EsxcliAnswer) and fault.fault  # esxcli's, kept by no one
    edited = []
    for request, status, data in asked:
        edited.append((request, status, data.replace(b"vmhba", b"vmhbb", 1)))
        edited.append((request, status, data[: len(data) // 2]))
        edited.append((request, 500, data))
    return asked + edited


@lab_test
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 3), st.lists(st.integers(0, 19), min_size=1, max_size=30))
def test_any_order_of_answers_reads_as_a_fresh_read(
    answers: list[Asked], size: int, order: list[int]
) -> None:
    last = wire._LastRead(size)
    for i in order:
        request, status, data = answers[i]
        try:
            got: object = last.read(request, status, data)
        except SoapFault as fault:
            got = ("fault", fault.kind, fault.message)
        assert got == _fresh(status, data)
