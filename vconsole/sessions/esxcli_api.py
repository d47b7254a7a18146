"""Host commands for hosts reached through vCenter: esxcli over the vSphere API.

`SessionManager.run` hands a host whose target says `via = "api"` here. The console's validated
`Command` becomes its esxcli call (`vconsole.esx.api_calls`), read-only is enforced before any
I/O, the call goes to the host's managed method executer over the vCenter target's session, and
the answer comes back as an `ApiCommandResult` carrying the structured records, which the panes
map to the same models as SSH text. Every call is audited with namespace, method and arguments.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vconsole.errors import TargetUnreachable, VconsoleError
from vconsole.esx.api_calls import API_VERSION, EsxcliCall, esxcli_call
from vconsole.sessions.records_text import records_text
from vconsole.sessions.results import CommandResult, TextOnFirstRead
from vconsole.sessions.vcenter import PING_CALLS_PER_VCENTER

if TYPE_CHECKING:
    from vconsole.sessions.protocols import ProfileView, Sessions
    from vconsole.sessions.slot import TargetSlot
    from vconsole.sessions.vcenter import VimConnection
    from vconsole.tokens import Command
    from vconsole.untyped import Json
    from vconsole.vim.esxcli import EsxcliAnswer
    from vconsole.vim.soap import MoRef
    from vconsole.vim.transport import SoapFault

VCENTER_CALLS = 8  # ExecuteSoap calls in flight per vCenter from one console run
# A ping holds its call for the probe's whole timeout while vCenter and the host mostly wait,
# so pings have their own, wider bounds: a round of an MTU matrix (every pair's k probes on a
# host) goes out at once, as the batched probes over SSH do.
PING_CALLS_PER_HOST = 32
_GATES: weakref.WeakKeyDictionary[Sessions, dict[tuple[str, int], asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)
# each host's managed method executer, asked once per host and kept while its slot lives
_EXECUTERS: weakref.WeakKeyDictionary[TargetSlot, MoRef] = weakref.WeakKeyDictionary()
UNREACHABLE_FAULTS = ("HostNotConnected", "HostCommunication", "HostNotReachable")
PERMISSION_FAULTS = ("NoPermission", "NotSupported", "RestrictedVersion", "SecurityError")


@dataclass(frozen=True)
class ApiCommandResult(TextOnFirstRead, CommandResult):
    """An answer over the API: `records` (plain Python) or esxcli's `fault` message.

    `stdout` is the records as indented JSON (what a transcript or a capture shows), made on first
    read: the panes map `records` and most answers are never shown as text, while the indented
    dump costs more than the call. `method` is the full esxcli method
    (`network.ip.interface.list`), so the answer maps to a model without its command."""

    stdout: str = field(init=False, repr=False, compare=False)
    records: tuple[Json, ...] | None = None
    method: str = ""
    fault: str = ""
    call_line: str = ""
    via: str = "api"

    def showing(self, stdout: str) -> ApiCommandResult:
        """This new answer with its text given, not made (a replayed capture answers what its
        file holds); called right after construction, before anyone has read it."""
        object.__setattr__(self, "stdout", stdout)
        return self

    def _first_text(self) -> str:
        return records_text(self.records) if not self.fault else ""


class HostNotProbed(TargetUnreachable):
    """vCenter says the host is disconnected or not responding: no call is made."""

    title = "Host not connected"


class EsxcliRefused(VconsoleError):
    """vCenter refused the managed method executer (permission, or not offered)."""

    title = "esxcli over the API refused"


class LockdownRefused(VconsoleError):
    """The host is in lockdown mode and the profile asks for SSH to it."""

    title = "Host in lockdown mode"


def answer_from(
    call: EsxcliCall, answer: EsxcliAnswer, duration_s: float, via: str = "api"
) -> ApiCommandResult:
    records = tuple(answer.records)
    fault = answer.fault or ""
    return ApiCommandResult(
        stderr=fault,
        exit=1 if fault else 0,
        duration_s=duration_s,
        records=records,
        method=f"{call.namespace}.{call.method}",
        fault=fault,
        call_line=call.line,
        via=via,
    )


def check_reachable(profile: ProfileView, slot: TargetSlot) -> None:
    """Before any I/O: a host vCenter shows not connected, or in lockdown while SSH is asked."""
    t = slot.target
    host = profile.discovered_host(t.name)
    if host is None:
        return
    if not host.reachable:
        reason = f"vCenter {host.vcenter} shows this host {host.connection_state}; not probed"
        slot.mark_down(reason)
        raise HostNotProbed(t.name, reason)
    if t.via != "api" and host.in_lockdown:
        message = (
            f"{t.name}: in lockdown mode ({host.lockdown}): the host refuses direct SSH logins; "
            f'reach it through vCenter {host.vcenter} with via = "api" (or "auto")'
        )
        slot.mark_down(f"lockdown mode ({host.lockdown})")
        raise LockdownRefused(message, target=t.name)


async def run_over_api(
    manager: Sessions,
    slots: Callable[[str], TargetSlot],
    slot: TargetSlot,
    command: Command,
    timeout: float | None,
) -> ApiCommandResult:
    """`slots` finds the vCenter's own slot, whose health a refused call does not spoil."""
    t = slot.target
    call = esxcli_call(command)  # refuses anything that is not a known, validated call
    check_reachable(manager.profile, slot)
    slot.guard("esxcli-api", call.line, call.mutating)
    host = manager.profile.discovered_host(t.name)
    if t.vcenter is None or host is None:
        reason = "no vCenter host object for this target (add [hosts] or set vcenter = ...)"
        raise TargetUnreachable(t.name, reason)
    vcenter = t.vcenter
    waits = _is_ping(call)
    async with _gate(manager, t.name, PING_CALLS_PER_HOST) if waits else slot.semaphore:
        started = time.monotonic()
        try:
            async with _gate(manager, vcenter, PING_CALLS_PER_VCENTER if waits else VCENTER_CALLS):
                answer = await asyncio.wait_for(
                    _execute(manager, slots, slot, vcenter, host.moid, call), timeout or t.timeout
                )
        except asyncio.TimeoutError:
            slot.mark_degraded("no answer in time")
            slot.audit("esxcli-api", call.line, call.mutating, "error: timeout", _since(started))
            raise
        except VconsoleError as exc:
            slot.audit(
                "esxcli-api", call.line, call.mutating, f"error: {exc.title}", _since(started)
            )
            raise
        result = answer_from(call, answer, _since(started))
        outcome = "ok" if not result.fault else f"esxcli error: {result.fault[:120]}"
        slot.audit("esxcli-api", call.line, call.mutating, outcome, result.duration_s)
        slot.mark_ok()
        return result


def _gate(manager: Sessions, name: str, bound: int = VCENTER_CALLS) -> asyncio.Semaphore:
    """One bound per vCenter (or per host for pings) and kind of call for the whole run: a
    fan-out over 200 hosts must not open 200 connections to vCenter at once (each call in
    flight holds one; the stub keeps them for the next round, `vcenter.POOL_SIZE`). Measured on
    the lab: 300 calls to 100 hosts take the same time with 4 to 64 in flight, so the bound
    costs nothing there."""
    gates = _GATES.setdefault(manager, {})
    key = (name, bound)
    if key not in gates:
        gates[key] = asyncio.Semaphore(bound)
    return gates[key]


def _is_ping(call: EsxcliCall) -> bool:
    return (call.namespace, call.method) == ("network.diag", "ping")


def _since(started: float) -> float:
    return time.monotonic() - started


async def _execute(
    manager: Sessions,
    slots: Callable[[str], TargetSlot],
    slot: TargetSlot,
    vcenter: str,
    moid: str,
    call: EsxcliCall,
) -> EsxcliAnswer:
    from vconsole.vim import esxcli as wire
    from vconsole.vim.transport import SoapFault

    name = slot.name
    vim = await vim_for(manager, slot, vcenter)
    for attempt in (1, 2):
        try:
            executer = await executer_of(vim, slot, moid)
            if _is_ping(call):  # held for the probe's timeout: sent from the event loop
                body = wire.execute_soap_body(
                    executer, call.moid, API_VERSION, call.method_name, call.args
                )
                return await vim.post(body, wire.read_execute, what="ExecuteSoap")
            return await vim.call(
                wire.execute_soap,
                vim.si._stub,
                executer,
                call.moid,
                API_VERSION,
                call.method_name,
                call.args,
                what="ExecuteSoap",
            )
        except SoapFault as fault:
            if fault.kind == "ManagedObjectNotFound" and attempt == 1:
                _EXECUTERS.pop(slot, None)  # vCenter restarted: ask for the executer again
                continue
            if fault.kind not in UNREACHABLE_FAULTS:
                slots(vcenter).mark_ok()  # vCenter answered; the call itself failed
            raise _translate(name, vcenter, fault) from None
        except TargetUnreachable as exc:
            slot.mark_down(f"vCenter {vcenter}: {exc.reason}")
            raise TargetUnreachable(name, f"through vCenter {vcenter}: {exc.reason}") from None
    raise TargetUnreachable(name, f"through vCenter {vcenter}: the executer kept disappearing")


async def vim_for(manager: Sessions, slot: TargetSlot, vcenter: str) -> VimConnection:
    """The vCenter's connection; its failure is the host's: unreachable through it."""
    try:
        return await manager.vim(vcenter)
    except VconsoleError as exc:
        slot.mark_down(f"vCenter {vcenter} unavailable")
        raise TargetUnreachable(slot.name, f"through vCenter {vcenter}: {exc.message}") from None


async def executer_of(vim: VimConnection, slot: TargetSlot, moid: str) -> MoRef:
    """The host's managed method executer, asked of vCenter once and kept with its slot."""
    from vconsole.vim import esxcli as wire
    from vconsole.vim.soap import MoRef

    executer = _EXECUTERS.get(slot)
    if executer is None:
        executer = _EXECUTERS[slot] = await vim.call(
            wire.retrieve_executer,
            vim.si._stub,
            MoRef("HostSystem", moid),
            None,
            what="RetrieveManagedMethodExecuter",
        )
    return executer


def _translate(name: str, vcenter: str, fault: SoapFault) -> VconsoleError:
    kind, text = fault.kind, (fault.message or "").strip().splitlines()
    detail = f"{kind}: {text[0][:200]}" if text else kind
    if kind in UNREACHABLE_FAULTS:
        return TargetUnreachable(name, f"vCenter {vcenter} cannot reach this host ({detail})")
    if kind in PERMISSION_FAULTS:
        return EsxcliRefused(
            f"{name}: vCenter {vcenter} refused to run esxcli on this host ({detail}); the "
            "vCenter user needs a role that may configure hosts, or reach the host over SSH",
            target=name,
        )
    return VconsoleError(f"{name}: esxcli over vCenter {vcenter} failed ({detail})", target=name)
