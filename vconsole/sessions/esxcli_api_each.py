"""Several read-only commands of one host through vCenter in one trip to the thread pool.

Asked one by one, each command of a refresh is its own task, timeout task, gate, pool thread
hand-off and answer hand-back; a LACP refresh of 1,000 hosts made 2,000 of each. Here a host's
commands become their ExecuteSoap calls, made one after another by one pool thread holding one
place at the vCenter's gate (as many calls in flight at vCenter as before), and each comes back
as it would alone: its own answer or esxcli fault, its own error, its own audit line.

A command with no API equivalent, or a mutating one, sends the whole list the one-by-one way.
The calls share one deadline, the per-call timeout times their number.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from vconsole.errors import TargetUnreachable, VconsoleError
from vconsole.esx.api_calls import API_VERSION, EsxcliCall, esxcli_call
from vconsole.sessions.esxcli_api import (
    _EXECUTERS,
    UNREACHABLE_FAULTS,
    VCENTER_CALLS,
    _gate,
    _translate,
    answer_from,
    check_reachable,
    executer_of,
    vim_for,
)

if TYPE_CHECKING:
    from vconsole.sessions.protocols import Sessions
    from vconsole.sessions.results import Answer
    from vconsole.sessions.slot import TargetSlot
    from vconsole.tokens import Command
    from vconsole.untyped import VimObject
    from vconsole.vim.esxcli import EsxcliAnswer
    from vconsole.vim.soap import MoRef
    from vconsole.vim.transport import SoapFault

Made = list[tuple["EsxcliAnswer | SoapFault", float]]  # each call's answer or fault, and its time


def api_calls_of(commands: Sequence[Command]) -> list[EsxcliCall] | None:
    """Each command's call, or None when one has no API equivalent or writes."""
    try:
        calls = [esxcli_call(c) for c in commands]
    except VconsoleError:
        return None
    return None if any(c.mutating for c in calls) else calls


async def run_calls_over_api(
    manager: Sessions,
    slots: Callable[[str], TargetSlot],
    slot: TargetSlot,
    calls: Sequence[EsxcliCall],
    timeout: float | None,
) -> list[Answer]:
    """Every call's `ApiCommandResult` or error, in order; never raises for one call."""
    t = slot.target
    try:
        check_reachable(manager.profile, slot)
        host = manager.profile.discovered_host(t.name)
        if t.vcenter is None or host is None:
            reason = "no vCenter host object for this target (add [hosts] or set vcenter = ...)"
            raise TargetUnreachable(t.name, reason)
    except VconsoleError as exc:
        return [exc] * len(calls)
    vcenter = t.vcenter
    async with slot.semaphore:
        started = time.monotonic()
        try:
            async with _gate(manager, vcenter, VCENTER_CALLS):
                made = await asyncio.wait_for(
                    _execute_each(manager, slots, slot, vcenter, host.moid, calls),
                    (timeout or t.timeout) * len(calls),
                )
        except asyncio.TimeoutError as exc:
            slot.mark_degraded("no answer in time")
            return _failed(slot, calls, "error: timeout", started, exc)
        except VconsoleError as exc:
            return _failed(slot, calls, f"error: {exc.title}", started, exc)
        except Exception as exc:  # as each call alone would have raised it
            return [exc] * len(calls)
    return _answers(slots, slot, vcenter, calls, made)


def _failed(
    slot: TargetSlot, calls: Sequence[EsxcliCall], outcome: str, started: float, exc: Exception
) -> list[Answer]:
    for call in calls:
        slot.audit("esxcli-api", call.line, False, outcome, time.monotonic() - started)
    return [exc] * len(calls)


def _answers(
    slots: Callable[[str], TargetSlot],
    slot: TargetSlot,
    vcenter: str,
    calls: Sequence[EsxcliCall],
    made: Made,
) -> list[Answer]:
    """Each call's answer as `run_over_api` gives it, or its fault as the error it raises."""
    from vconsole.vim import transport

    out: list[Answer] = []
    for call, (answer, seconds) in zip(calls, made, strict=True):
        if isinstance(answer, transport.SoapFault):
            if answer.kind not in UNREACHABLE_FAULTS:
                slots(vcenter).mark_ok()  # vCenter answered; the call itself failed
            error = _translate(slot.name, vcenter, answer)
            slot.audit("esxcli-api", call.line, False, f"error: {error.title}", seconds)
            out.append(error)
            continue
        result = answer_from(call, answer, seconds)
        outcome = "ok" if not result.fault else f"esxcli error: {result.fault[:120]}"
        slot.audit("esxcli-api", call.line, False, outcome, result.duration_s)
        slot.mark_ok()
        out.append(result)
    return out


async def _execute_each(
    manager: Sessions,
    slots: Callable[[str], TargetSlot],
    slot: TargetSlot,
    vcenter: str,
    moid: str,
    calls: Sequence[EsxcliCall],
) -> Made:
    from vconsole.vim import transport

    name = slot.name
    vim = await vim_for(manager, slot, vcenter)
    specs = tuple((c.moid, c.method_name, c.args) for c in calls)
    try:
        for _attempt in (1, 2):
            executer = await executer_of(vim, slot, moid)
            made: Made = await vim.call(_each, vim.si._stub, executer, specs, what="ExecuteSoap")
            if not any(_gone(answer) for answer, _ in made):
                return made
            _EXECUTERS.pop(slot, None)  # vCenter restarted: ask for the executer again
        return made
    except transport.SoapFault as fault:  # the executer itself refused
        if fault.kind not in UNREACHABLE_FAULTS:
            slots(vcenter).mark_ok()
        raise _translate(name, vcenter, fault) from None
    except TargetUnreachable as exc:
        slot.mark_down(f"vCenter {vcenter}: {exc.reason}")
        raise TargetUnreachable(name, f"through vCenter {vcenter}: {exc.reason}") from None


def _gone(answer: object) -> bool:
    return getattr(answer, "kind", "") == "ManagedObjectNotFound"


def _each(
    stub: VimObject,
    executer: MoRef,
    specs: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...],
) -> Made:
    """In a pool thread: each ExecuteSoap call in turn, its fault kept as its answer (a lost
    connection still raises, for all of them)."""
    from vconsole.vim import esxcli as wire
    from vconsole.vim import transport

    made: Made = []
    for moid, method, args in specs:
        started = time.monotonic()
        try:
            answer: EsxcliAnswer | SoapFault = wire.execute_soap(
                stub, executer, moid, API_VERSION, method, args
            )
        except transport.SoapFault as fault:
            answer = fault
        made.append((answer, time.monotonic() - started))
    return made
