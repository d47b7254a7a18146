"""SSH sessions against a real OpenSSH sshd on loopback: trust, auth, timeouts, reuse, audit."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from pathlib import Path

import pytest
from sessions_helpers import (
    accept_all,
    ensure_password_user,
    make_manager,
    running_locally,
    running_sshd,
    silent_listener,
    ssh_target,
)
from waiting import wait_for

from vconsole.errors import (
    AuthFailed,
    CommandTimeout,
    HostKeyChanged,
    ReadOnlyRefused,
    TargetUnreachable,
    UnknownHostKey,
)
from vconsole.sessions import Command, Health

pytestmark = pytest.mark.skipif(not Path("/usr/sbin/sshd").exists(), reason="needs OpenSSH sshd")


# Far longer than the timeouts under test and far shorter than the remote sleeps: reaching it
# means a timeout or a cancel was not honoured (a deadline, not a speed measure).
UNBOUNDED_S = 12.0


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


async def test_unknown_host_key_is_refused_without_confirmation(sshd, tmp_path):
    mgr = make_manager(tmp_path, [ssh_target(sshd)])
    with pytest.raises(UnknownHostKey) as info:
        await mgr.run("esx01", Command.of("echo", "hi"))
    assert info.value.fingerprint.startswith("SHA256:")
    assert mgr.states()["esx01"].health == Health.DOWN
    assert not (tmp_path / "known_hosts").exists()
    await mgr.close()


async def test_trust_on_first_use_then_reuse_one_connection(sshd, tmp_path):
    prompts = []

    async def confirm(prompt):
        prompts.append(prompt)
        return True

    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=confirm)
    first = await mgr.run("esx01", Command.of("echo", "hello world"))
    second = await mgr.run("esx01", Command.of("ls", "/no-such-dir"))
    assert first.stdout == "hello world\n" and first.exit == 0
    assert "/no-such-dir" in second.stderr and second.exit == 2 and second.stdout == ""
    assert len(prompts) == 1 and prompts[0].kind == "ssh-host-key"
    assert mgr.ssh_connects == 1
    assert f"[127.0.0.1]:{sshd.port}" in (tmp_path / "known_hosts").read_text()
    await mgr.close()
    # A new run trusts the stored key without asking.
    again = make_manager(tmp_path, [ssh_target(sshd)])
    assert (await again.run("esx01", Command.of("true"))).exit == 0
    await again.close()


async def test_changed_host_key_is_refused_loudly(tmp_path):
    with running_sshd(tmp_path / "srv") as server:
        mgr = make_manager(tmp_path, [ssh_target(server)], confirm=accept_all)
        await mgr.run("esx01", Command.of("true"))
        await mgr.close()
        server.restart_with_new_host_key()
        mgr = make_manager(tmp_path, [ssh_target(server)], confirm=accept_all)
        with pytest.raises(HostKeyChanged) as info:
            await mgr.run("esx01", Command.of("true"))
        assert "REFUSED" in str(info.value)
        assert info.value.expected != info.value.presented
        await mgr.close()


async def test_strict_policy_never_asks(sshd, tmp_path):
    asked = []
    mgr = make_manager(
        tmp_path,
        [ssh_target(sshd, host_key_policy="strict")],
        confirm=lambda p: asked.append(p) or True,
    )
    with pytest.raises(UnknownHostKey):
        await mgr.run("esx01", Command.of("true"))
    assert asked == []
    await mgr.close()


async def test_host_that_never_answers_is_bounded_by_timeout(tmp_path):
    with silent_listener() as port:
        target = ssh_target(
            type("S", (), {"host": "127.0.0.1", "port": port, "client_key": "k"})(), timeout=1.0
        )
        mgr = make_manager(tmp_path, [target], confirm=accept_all)
        with pytest.raises(TargetUnreachable):  # not TimeoutError: the 1 s timeout ended it
            await asyncio.wait_for(mgr.run("esx01", Command.of("true")), UNBOUNDED_S)
        assert mgr.states()["esx01"].health == Health.DOWN
        await mgr.close()


async def test_command_timeout_closes_channel_and_keeps_connection(sshd, tmp_path):
    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=accept_all)
    with pytest.raises(CommandTimeout):  # not TimeoutError: the 0.5 s timeout ended the sleep
        await asyncio.wait_for(
            mgr.run("esx01", Command.of("sleep", "20"), timeout=0.5), UNBOUNDED_S
        )
    assert mgr.states()["esx01"].health == Health.DEGRADED
    assert (await mgr.run("esx01", Command.of("echo", "still here"))).stdout == "still here\n"
    assert mgr.ssh_connects == 1
    await mgr.close()


async def test_cancel_stops_waiting(sshd, tmp_path):
    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=accept_all)
    await mgr.run("esx01", Command.of("true"))
    seconds = f"30.{secrets.randbelow(10**6):06d}"  # marks this test's remote process
    task = asyncio.create_task(mgr.run("esx01", Command.of("sleep", seconds)))
    assert await wait_for(lambda: running_locally("sleep", seconds)), "the command never started"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):  # not TimeoutError: it did not wait for sleep 30
        await asyncio.wait_for(task, UNBOUNDED_S)
    assert (await mgr.run("esx01", Command.of("echo", "next"))).stdout == "next\n"
    assert [r.outcome for r in mgr.audit.read()][-2] == "cancelled"
    await mgr.close()


async def test_output_cap_truncates_and_flags(sshd, tmp_path):
    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=accept_all, output_cap=1000)
    result = await mgr.run("esx01", Command.of("seq", "1", "100000"))
    assert result.truncated and len(result.stdout) == 1000 and not result.ok
    await mgr.close()


@pytest.mark.parametrize(
    "hostile",
    ["vmk0; reboot", "$(reboot)", "`reboot`", "vmk0\nreboot", "vmk０", "vmk0 && reboot", "x\x00y"],
)
async def test_hostile_arguments_never_reach_the_host(sshd, tmp_path, hostile):
    from vconsole import tokens
    from vconsole.errors import InvalidToken

    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=accept_all)
    with pytest.raises(InvalidToken) as info:
        await mgr.run(
            "esx01",
            Command.of(
                "esxcli",
                "network",
                "ip",
                "interface",
                "ipv4",
                "get",
                "-i",
                tokens.vmk_name(hostile),
            ),
        )
    assert "vmk" in str(info.value)
    with pytest.raises(InvalidToken):
        Command.of("echo", hostile)
    assert mgr.ssh_connects == 0 and mgr.audit.read() == []
    await mgr.close()


async def test_quoting_keeps_spaces_literal(sshd, tmp_path):
    from vconsole import tokens

    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=accept_all)
    result = await mgr.run(
        "esx01", Command.of("printf", "[%s]", tokens.dvs_name("DSwitch (prod) 01"))
    )
    assert result.stdout == "[DSwitch (prod) 01]"
    await mgr.close()


async def test_read_only_refuses_before_any_io(sshd, tmp_path):
    mgr = make_manager(tmp_path, [ssh_target(sshd)], read_only=True, confirm=accept_all)
    with pytest.raises(ReadOnlyRefused):
        await mgr.run("esx01", Command.of("touch", "/tmp/should-not-exist", mutating=True))
    assert mgr.ssh_connects == 0
    assert mgr.states()["esx01"].health == Health.IDLE
    record = mgr.audit.read()[-1]
    assert record.mutating and record.outcome.startswith("refused")
    # Reads still work in read-only mode; a per-target read_only flag refuses too.
    assert (await mgr.run("esx01", Command.of("true"))).exit == 0
    await mgr.close()
    per_target = make_manager(tmp_path, [ssh_target(sshd, read_only=True)], confirm=accept_all)
    with pytest.raises(ReadOnlyRefused):
        await per_target.run("esx01", Command.of("true", mutating=True))
    await per_target.close()


async def test_password_auth_and_wrong_password(sshd, tmp_path):
    password = "Pw-" + str(time.time_ns())
    user = ensure_password_user(password)
    if user is None:
        pytest.skip("password auth needs root to create a throwaway local user")
    good = ssh_target(sshd, name="esx-pw", user=user, key_file=None)
    bad = ssh_target(sshd, name="esx-bad", user=user, key_file=None)
    mgr = make_manager(
        tmp_path,
        [good, bad],
        confirm=accept_all,
        passwords={"esx-pw": password, "esx-bad": "wrong-" + password},
    )
    result = await mgr.run("esx-pw", Command.of("id", "-un"))
    assert result.stdout.strip() == user
    with pytest.raises(AuthFailed) as info:
        await mgr.run("esx-bad", Command.of("true"))
    assert password not in str(info.value)
    await mgr.close()
    log_text = (tmp_path / "audit.jsonl").read_text()
    assert password not in log_text
    lines = [json.loads(line) for line in log_text.splitlines()]
    assert any(
        r["target"] == "esx-pw" and r["what"] == "id -un" and r["outcome"] == "ok" for r in lines
    )


async def test_host_reboot_is_survived_by_the_next_call(tmp_path):
    with running_sshd(tmp_path / "srv") as server:
        mgr = make_manager(tmp_path, [ssh_target(server)], confirm=accept_all)
        assert (await mgr.run("esx01", Command.of("echo", "before"))).stdout == "before\n"
        server.stop(drop_sessions=True)
        with pytest.raises(TargetUnreachable):
            await mgr.run("esx01", Command.of("echo", "during"))
        assert mgr.states()["esx01"].health == Health.DOWN
        server.start()
        assert (await mgr.run("esx01", Command.of("echo", "after"))).stdout == "after\n"
        assert mgr.states()["esx01"].health == Health.OK
        assert mgr.ssh_connects == 2
        await mgr.close()
