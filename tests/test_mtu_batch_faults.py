"""Faults a lab host cannot produce on demand, against the batcher: an exec whose output lost a
probe's section (cut connection, a shell that mangled a line) and an exec that failed outright.
A stand-in manager answers here; the lab tests cover the real path."""

from __future__ import annotations

import asyncio
from typing import Any

from esxi_samples import VMKPING_LOST, VMKPING_OK

from vconsole.errors import TargetUnreachable
from vconsole.esx.vmkping import vmkping_command
from vconsole.esx.vmkping_batch import nonce_of
from vconsole.models.mtu import ProbeKind
from vconsole.services.mtu_batch import UNRECOGNISED, HostBatcher
from vconsole.sessions.results import CommandResult


class Host:
    """Answers each batch with the given sections (None: left out) or raises `fail`."""

    def __init__(self, outputs: list[tuple[str, int] | None], fail: Exception | None = None):
        self.outputs, self.fail = outputs, fail
        self.in_flight = self.peak = 0

    async def run(self, host: str, command: Any, *, timeout: float | None = None) -> Any:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            if self.fail:
                raise self.fail
            nonce = nonce_of(command)
            lines = []
            for i, out in enumerate(self.outputs[: command.script.count("&\n") + 1]):
                if out is not None:
                    text, code = out
                    lines += [f"{nonce} {i} {line}" for line in text.splitlines()]
                    lines.append(f"{nonce} {i} rc {code}")
            return CommandResult("\n".join(lines) + "\n", "", 0, 0.01)
        finally:
            self.in_flight -= 1


def probes(n: int) -> list[Any]:
    return [vmkping_command("10.0.0.2", size=1000 + i, vmk="vmk1") for i in range(n)]


async def test_a_missing_section_is_an_error_for_that_probe_only() -> None:
    host = Host([(VMKPING_OK, 0), None, (VMKPING_LOST, 1)])
    batcher = HostBatcher(host, "esx01")
    cmds = probes(3)
    outs = await asyncio.gather(*(batcher.probe(c, 1000 + i, 5.0) for i, c in enumerate(cmds)))
    assert [o.kind for o in outs] == [ProbeKind.REPLY, ProbeKind.ERROR, ProbeKind.LOST]
    assert outs[1].detail == UNRECOGNISED
    assert batcher.execs == 1


async def test_a_failed_exec_fails_every_probe_in_it() -> None:
    batcher = HostBatcher(Host([], TargetUnreachable("esx01", "connection lost")), "esx01")
    results = await asyncio.gather(
        *(batcher.probe(c, 1000, 5.0) for c in probes(4)), return_exceptions=True
    )
    assert all(isinstance(r, TargetUnreachable) for r in results)


async def test_execs_in_flight_never_exceed_the_channels() -> None:
    host = Host([(VMKPING_OK, 0)] * 4)
    batcher = HostBatcher(host, "esx01", channels=2, per_exec=4)
    await asyncio.gather(*(batcher.probe(c, 1000, 5.0) for c in probes(40)))
    assert host.peak <= 2 and batcher.execs == 10
