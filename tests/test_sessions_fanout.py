"""Fan-out over many targets, health reporting and replay targets."""

from __future__ import annotations

import asyncio
import json

import pytest
from sessions_helpers import (
    accept_all,
    free_port,
    make_manager,
    running_sshd,
    silent_listener,
    ssh_target,
)

from vconsole.config import TargetConfig
from vconsole.errors import CommandNotCaptured, TargetUnreachable
from vconsole.sessions import Command, Health


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


class _Addr:
    def __init__(self, port):
        self.host, self.port, self.client_key = "127.0.0.1", port, "unused"


async def test_dead_and_hung_hosts_do_not_hold_back_healthy_ones(sshd, tmp_path):
    with silent_listener() as hung_port:
        targets = [
            ssh_target(sshd, name="esx01"),
            ssh_target(_Addr(hung_port), name="esx-hung", timeout=2.0),
            ssh_target(_Addr(free_port()), name="esx-dead"),
            ssh_target(sshd, name="esx02"),
        ]
        mgr = make_manager(tmp_path, targets, confirm=accept_all)
        seen = []

        async def hostname(name):
            return (await mgr.run(name, Command.of("echo", name))).stdout.strip()

        order = [
            r.target async for r in mgr.fan_out_iter(hostname, [t.name for t in targets], limit=4)
        ]
        assert order[-1] == "esx-hung"  # the only one that had to wait for its timeout
        results = await mgr.fan_out(
            hostname,
            [t.name for t in targets],
            limit=4,
            on_progress=lambda d, n, r: seen.append((d, n)),
        )
        assert [r.target for r in results] == ["esx01", "esx-hung", "esx-dead", "esx02"]
        assert results[0].value == "esx01" and results[3].value == "esx02"
        assert isinstance(results[1].error, TargetUnreachable)
        assert isinstance(results[2].error, TargetUnreachable)
        assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
        states = mgr.states()
        assert states["esx01"].health == Health.OK and states["esx-dead"].health == Health.DOWN
        assert "connect" in states["esx-dead"].reason
        await mgr.close()


async def test_limit_bounds_concurrency(tmp_path):
    mgr = make_manager(tmp_path, [])
    running = 0
    peak = 0

    async def op(name):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        return name

    results = await mgr.fan_out(op, [f"t{i}" for i in range(40)], limit=5)
    assert peak == 5 and [r.value for r in results] == [f"t{i}" for i in range(40)]
    await mgr.close()


async def test_per_target_timeout_and_errors_are_results(tmp_path):
    mgr = make_manager(tmp_path, [])

    async def op(name):
        if name == "slow":
            await asyncio.sleep(30)
        if name == "bad":
            raise ValueError("parse failed")
        return 1

    results = await mgr.fan_out(op, ["slow", "bad", "ok"], timeout=0.2)
    assert isinstance(results[0].error, asyncio.TimeoutError)
    assert isinstance(results[1].error, ValueError) and results[2].value == 1
    await mgr.close()


async def test_closing_the_iterator_cancels_the_rest(tmp_path):
    mgr = make_manager(tmp_path, [])
    cancelled = []

    async def op(name):
        try:
            await asyncio.sleep(0 if name == "fast" else 30)
        except asyncio.CancelledError:
            cancelled.append(name)
            raise
        return name

    iterator = mgr.fan_out_iter(op, ["fast", "slow1", "slow2"])
    first = await iterator.__anext__()
    await iterator.aclose()
    assert first.value == "fast" and sorted(cancelled) == ["slow1", "slow2"]
    await mgr.close()


async def test_health_changes_are_published(sshd, tmp_path):
    mgr = make_manager(tmp_path, [ssh_target(sshd)], confirm=accept_all)
    events = []
    unsubscribe = mgr.subscribe(lambda state: events.append(state.health))
    await mgr.run("esx01", Command.of("true"))
    unsubscribe()
    await mgr.close()
    assert events == [Health.CONNECTING, Health.OK]


def write_capture(path, commands):
    path.write_text(
        json.dumps({"host": "esx01", "captured_at": "2026-01-01T00:00:00Z", "commands": commands})
    )
    return path


async def test_replay_answers_from_capture_with_whitespace_normalised(tmp_path):
    capture = write_capture(
        tmp_path / "esx01.json",
        {
            "esxcli  network nic list": {"stdout": "Name    PCI Device\n", "stderr": "", "exit": 0},
            "esxcli system settings advanced list -o /Misc/EnablePSPLatencyPolicy": {
                "stdout": "Int Value: 1\n",
                "stderr": "",
                "exit": 0,
            },
        },
    )
    mgr = make_manager(tmp_path, [TargetConfig(name="cap", kind="replay", file=str(capture))])
    result = await mgr.run("cap", Command.of("esxcli", "network", "nic", "list"))
    assert result.stdout.startswith("Name") and result.exit == 0
    option = Command.of(
        "esxcli", "system", "settings", "advanced", "list", "-o", "/Misc/EnablePSPLatencyPolicy"
    )
    assert (await mgr.run("cap", option)).stdout == "Int Value: 1\n"
    with pytest.raises(CommandNotCaptured) as info:
        await mgr.run("cap", Command.of("esxcli", "storage", "nmp", "device", "list"))
    assert "esxcli storage nmp device list" in str(info.value)
    await mgr.close()


async def test_replay_with_unreadable_capture_names_the_file(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    mgr = make_manager(tmp_path, [TargetConfig(name="cap", kind="replay", file=str(broken))])
    with pytest.raises(TargetUnreachable) as info:
        await mgr.run("cap", Command.of("true"))
    assert "broken.json" in str(info.value)
    await mgr.close()
