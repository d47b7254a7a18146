"""`run_each` against a real OpenSSH sshd and its real shell: one exec, each answer its own.

The shell here is the machine's POSIX sh, not ESXi's busybox ash, but the script uses only what
both have; a real shell shows the framing keeps indentation, stderr and exit codes apart, and
that a command whose last line has no newline (it would swallow its `rc` line) becomes an error
rather than another command's answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sessions_helpers import accept_all, make_manager, running_sshd, ssh_target

from vconsole.sessions import Command
from vconsole.sessions.batch import SectionMissing
from vconsole.sessions.results import CommandResult

pytestmark = pytest.mark.skipif(not Path("/usr/sbin/sshd").exists(), reason="needs OpenSSH sshd")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):  # type: ignore[no-untyped-def]
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


async def test_one_exec_answers_each_command_as_alone(sshd, tmp_path):  # type: ignore[no-untyped-def]
    commands = [
        Command.of("printf", "%s\\n", "DSwitch", "   DVSwitch: DSwitch", "      Nic: vmnic2  "),
        Command.of("ls", "/no-such-dir"),
        Command.of("echo", "vc0123456789abcdef 0 rc 0"),
        Command.of("printf", "%s", "no newline"),
        Command.of("echo", "last"),
    ]
    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=accept_all)
    try:
        together = await mgr.run_each("esx01", commands)
        alone = [await mgr.run("esx01", c) for c in commands]
        connects = mgr.ssh_connects
    finally:
        await mgr.close()
    indented, missing_dir, forged, cut, last = together
    assert isinstance(indented, CommandResult)
    assert (
        indented.stdout == alone[0].stdout == "DSwitch\n   DVSwitch: DSwitch\n      Nic: vmnic2  \n"
    )
    assert isinstance(missing_dir, CommandResult)
    assert missing_dir.exit == alone[1].exit == 2
    assert missing_dir.stdout == alone[1].stderr
    assert isinstance(forged, CommandResult) and forged.stdout == alone[2].stdout
    assert isinstance(cut, SectionMissing)  # never a pass, never another command's text
    assert isinstance(last, CommandResult) and last.stdout == "last\n"
    assert connects == 1


async def test_the_console_asks_for_an_aead_cipher_first(sshd, tmp_path):  # type: ignore[no-untyped-def]
    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=accept_all)
    try:
        assert (await mgr.run("esx01", Command.of("true"))).exit == 0
        transport = mgr._ssh_hosts["esx01"].transport
        assert transport is not None
        assert transport.local_cipher.endswith("-gcm@openssh.com")
        assert transport.remote_cipher.endswith("-gcm@openssh.com")
    finally:
        await mgr.close()
