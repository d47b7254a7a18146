"""The lab's SSH servers on paramiko's public API: fast answers never beat the request's reply.

A command whose channel close reached the client before paramiko's reply to the exec request
made the client report "Channel closed"; the close waits for the client's own EOF or close, or
a `ReplyBarrier` round trip, without touching paramiko internals. The AST check keeps the lab off private paramiko names.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import paramiko
import pytest
from esxi_lab_helpers import LabShell

from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import default_scenario

LAB_DIR = Path(__file__).resolve().parent.parent / "vconsole" / "lab"
HOST = "esx-hq-01"


@pytest.fixture(scope="module")
def sh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabShell]:
    with EsxiLab(default_scenario(), tmp_path_factory.mktemp("esxi-lab")) as lab:
        shell = LabShell(lab)
        yield shell
        shell.close()


def test_back_to_back_fast_commands_on_one_connection_all_answer(sh: LabShell) -> None:
    answers = [sh.run(HOST, "hostname") for _ in range(200)]
    assert {(a.stdout, a.stderr, a.exit) for a in answers} == {(f"{HOST}\n", "", 0)}


def test_overlapping_commands_on_one_connection_all_answer(sh: LabShell) -> None:
    expected = sh.run(HOST, "esxcli network ip interface list")
    assert expected.exit == 0 and "vmk0" in expected.stdout
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda _: sh.run(HOST, "esxcli network ip interface list"), range(160))
        )
    assert all(a == expected for a in answers)


def test_a_client_that_waits_for_the_servers_close_gets_it(sh: LabShell) -> None:
    """Not every client closes first (OpenSSH's waits for sshd's close): without the client's
    EOF or close the lab proves the exec reply went out by a round trip, then closes."""
    transport = sh.client(HOST).get_transport()
    assert transport is not None
    for _ in range(3):
        channel = transport.open_session()
        channel.exec_command("hostname")
        assert channel.makefile("rb").read() == f"{HOST}\n".encode()
        assert channel.recv_exit_status() == 0
        assert _closes(channel)


def _closes(channel: paramiko.Channel) -> bool:
    for _ in range(300):
        if channel.closed:
            return True
        threading.Event().wait(0.1)
    return False


def test_sessions_end_when_the_client_closes_first(sh: LabShell) -> None:
    gauge = sh.lab.sessions[HOST]
    for _ in range(50):
        assert sh.run(HOST, "hostname").exit == 0
    for _ in range(300):
        if gauge.now == 0:
            break
        threading.Event().wait(0.1)
    assert gauge.now == 0 and gauge.peak >= 1


def _paramiko_names(tree: ast.AST) -> set[str]:
    """Names the module binds to paramiko (`import paramiko`, `import paramiko as p`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.asname or a.name for a in node.names if a.name == "paramiko"}
    return names


def _private_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = _paramiko_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("paramiko"):
            found += [f"from {node.module} import {a.name}" for a in node.names if "_" == a.name[0]]
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                text = ast.unparse(base)
                if text.split(".")[0] in roots and text.split(".")[-1] != "ServerInterface":
                    found.append(f"class {node.name}({text})")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            text = ast.unparse(node)
            if text.split(".")[0] in roots or node.attr in ("_handle_request",):
                found.append(text)
    return found


def test_lab_uses_only_public_paramiko() -> None:
    offenders = {
        str(path.relative_to(LAB_DIR)): uses
        for path in sorted(LAB_DIR.rglob("*.py"))
        if (uses := _private_uses(path))
    }
    assert offenders == {}


def test_the_check_finds_a_private_override(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import paramiko\n"
        "class T(paramiko.Transport):\n"
        "    table = {**paramiko.Transport._channel_handler_table}\n"
    )
    assert _private_uses(bad) == [
        "class T(paramiko.Transport)",
        "paramiko.Transport._channel_handler_table",
    ]
