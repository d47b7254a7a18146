"""Probes for the path MTU search: vmkping over SSH, or the lab scenario's modelled path.

Both return the same `ProbeOutcome`, so a test on the model and a run against a host exercise
the same search. Each SSH probe is its own `mgr.run` call, i.e. its own channel on the host's
one transport, or (with a `HostBatcher`) one of several probes in a shared exec; either way
the k probes of a round really are in flight together.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Protocol

from vconsole.errors import InvalidToken
from vconsole.esx.api_map import decode, is_api
from vconsole.esx.api_ping import note_api_silence
from vconsole.esx.vmkping import parse_vmkping, probe_outcome, vmkping_command, vmkping_sizes
from vconsole.models.mtu import ProbeKind, ProbeOutcome
from vconsole.services.mtu_batch import HostBatcher
from vconsole.services.mtu_search import Probe
from vconsole.tokens import Command

if TYPE_CHECKING:
    from vconsole.sessions.protocols import Sessions


class ModelledPath(Protocol):
    """What the lab scenario's `PathInfo` offers (kept structural so the core need not import lab)."""

    latency_ms: float

    def outcome(self, payload: int, family: int = 4) -> str: ...


def ssh_probe(
    manager: Sessions,
    host: str,
    address: str,
    *,
    vmk: str = "",
    netstack: str = "",
    family: int = 4,
    count: int = 2,
    wait_s: float = 1.0,
    interval_s: float = 0.2,
    batcher: HostBatcher | None = None,
) -> Probe:
    """One vmkping per call on `host` (a session manager target), parsed into a ProbeOutcome.

    With a `batcher` the probe joins the host's next batch (several probes per exec) instead
    of taking a channel of its own."""

    try:
        sized = vmkping_sizes(
            partial(
                vmkping_command,
                address,
                vmk=vmk,
                netstack=netstack,
                family=family,
                count=count,
                wait_s=wait_s,
                interval_s=interval_s,
            )
        )
    except InvalidToken as exc:  # each probe fails as its own command would: the pair's error
        sized = _refused(exc)

    async def probe(payload: int) -> ProbeOutcome:
        command = sized(payload)
        limit = wait_s + count * interval_s + 15.0
        if batcher is not None:
            return await batcher.probe(command, payload, limit)
        result = await manager.run(host, command, timeout=limit)
        parsed = decode(result, lambda _: parse_vmkping(result.stdout, result.stderr))
        outcome = probe_outcome(parsed, payload, result.exit)
        if is_api(result):
            outcome = note_api_silence(outcome)
        return replace(outcome, duration_s=result.duration_s)

    return probe


def _refused(error: InvalidToken) -> Callable[[int], Command]:
    def command(size: int) -> Command:
        raise InvalidToken(error.field, error.value, error.accepted)

    return command


def modelled_probe(
    path: ModelledPath,
    family: int = 4,
    *,
    timeout_s: float = 1.0,
    count: int = 1,
    loss: float = 0.0,
    seed: int | None = None,
    sleep: bool = True,
) -> Probe:
    """A probe answered from the scenario's path model; `loss` drops that share of packets.

    A lost probe takes `timeout_s`, a reply the path's round trip; with `sleep=False` the
    time is only reported in `duration_s` (a virtual clock for the benchmark's manual run).
    """
    rng = random.Random(seed)

    async def probe(payload: int) -> ProbeOutcome:
        kind = path.outcome(payload, family)
        rtt = max(path.latency_ms, 0.05) * 2 / 1000
        if kind == "too_long":
            out = ProbeOutcome(
                payload, ProbeKind.TOO_LONG, count, 0, "sendto() failed (Message too long)"
            )
            took = 0.001
        else:
            got = 0
            if kind == "reply":
                got = sum(1 for _ in range(count) if rng.random() >= loss)
            if got:
                out = ProbeOutcome(
                    payload, ProbeKind.REPLY, count, got, f"{got} of {count} replied"
                )
                took = rtt
            else:
                out = ProbeOutcome(
                    payload, ProbeKind.LOST, count, 0, f"{count} sent, none came back"
                )
                took = timeout_s
        if sleep:
            await asyncio.sleep(took)
        return replace(out, duration_s=took)

    return probe
