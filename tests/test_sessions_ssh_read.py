"""How an exec's output is read, against a real OpenSSH sshd: the reading thread sleeps until a
stream has data rather than polling, so every way data, end of file and exit status can arrive
(split writes, stderr alone, more than a channel window, a silent command cancelled or timed
out after its output closed) must still give the same result."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sessions_helpers import (
    accept_all,
    make_manager,
    running_locally,
    running_sshd,
    ssh_target,
)
from waiting import wait_for

from vconsole.errors import CommandTimeout
from vconsole.sessions import Command

pytestmark = pytest.mark.skipif(not Path("/usr/sbin/sshd").exists(), reason="needs OpenSSH sshd")

UNBOUNDED_S = 12.0  # reaching it means a timeout or a cancel was not honoured
WINDOW = 2 * 1024 * 1024  # paramiko's default channel window: the host stalls until it is read


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


def _script(text: str) -> Command:
    """A test's own shell script (built here, so not through `Command.of`'s word checks)."""
    return Command(("sh", "-c", text))


def _emit(size: int, letter: str, stream: int) -> str:
    return f"head -c {size} /dev/zero | tr '\\0' {letter} >&{stream}"


async def test_stdout_larger_than_the_window_comes_back_whole(sshd, tmp_path):
    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=accept_all)
    size = WINDOW + WINDOW // 2
    result = await mgr.run("esx01", _script(_emit(size, "a", 1) + "; echo tail"))
    assert result.stdout == "a" * size + "tail\n" and result.exit == 0 and not result.truncated
    await mgr.close()


async def test_stderr_alone_larger_than_the_window_does_not_stall(sshd, tmp_path):
    # nothing ever arrives on stdout until its end: the reader must wake for stderr too
    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=accept_all)
    size = WINDOW + 4096
    result = await asyncio.wait_for(
        mgr.run("esx01", _script(_emit(size, "e", 2) + "; exit 3")), UNBOUNDED_S
    )
    assert result.stderr == "e" * size and result.stdout == "" and result.exit == 3
    await mgr.close()


chunks = st.lists(
    st.tuples(st.sampled_from([1, 2]), st.integers(0, 70_000), st.booleans()),
    min_size=1,
    max_size=5,
)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=chunks, status=st.integers(0, 255))
async def test_split_and_interleaved_writes_arrive_in_order(sshd, tmp_path, parts, status):
    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=accept_all)
    lines, out, err = [], "", ""
    for index, (stream, size, pause) in enumerate(parts):
        letter = "abcdefghij"[index]
        lines.append(_emit(size, letter, stream))
        if pause:
            lines.append("sleep 0.05")
        if stream == 1:
            out += letter * size
        else:
            err += letter * size
    lines.append(f"exit {status}")
    result = await mgr.run("esx01", _script("; ".join(lines)))
    assert (result.stdout, result.stderr, result.exit) == (out, err, status)
    await mgr.close()


async def test_timeout_after_the_output_closed_is_still_honoured(sshd, tmp_path):
    # stdout and stderr end at once; the exit status never comes within the timeout
    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=accept_all)
    with pytest.raises(CommandTimeout):
        await asyncio.wait_for(
            mgr.run("esx01", _script("echo early; exec >&- 2>&-; sleep 20"), timeout=0.5),
            UNBOUNDED_S,
        )
    assert (await mgr.run("esx01", Command.of("echo", "next"))).stdout == "next\n"
    assert mgr.ssh_connects == 1
    await mgr.close()


@pytest.mark.parametrize("closed", [False, True], ids=["output open", "output closed"])
async def test_cancel_wakes_the_reader_at_once(sshd, tmp_path, closed):
    # the timeout is far beyond the test's bound: only the cancel can end the wait in time
    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=accept_all)
    await mgr.run("esx01", Command.of("true"))
    seconds = f"40.{secrets.randbelow(10**6):06d}"
    close = "exec >&- 2>&-; " if closed else ""
    task = asyncio.create_task(
        mgr.run("esx01", _script(f"echo x; {close}exec sleep {seconds}"), timeout=120)
    )
    assert await wait_for(lambda: running_locally("sleep", seconds)), "never started"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, UNBOUNDED_S)
    # the reading thread woke and closed its channel long before the 120 s timeout (sshd
    # forgets it only once the remote sleep ends)
    channels = mgr._ssh_hosts["esx01"].transport._channels
    assert await wait_for(lambda: all(c.closed for c in channels.values()), UNBOUNDED_S)
    # the next command runs on the same connection (the channel was closed, not the transport)
    assert (await mgr.run("esx01", Command.of("echo", "next"))).stdout == "next\n"
    assert [r.outcome for r in mgr.audit.read()][-2] == "cancelled"
    assert mgr.ssh_connects == 1
    await mgr.close()
