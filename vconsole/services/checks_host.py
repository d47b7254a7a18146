"""Reading one host for the design checks, through the session manager (SSH, replay, or
esxcli over the API): every command in parallel on the host's connection, each parsed
tolerantly (API records mapped to the same models by `api_map.decode`); a command that fails leaves its part `None` and its raw answer in the transcript.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from vconsole.esx.api_map import decode
from vconsole.esx.hostchecks import (
    DeviceList,
    ExtentList,
    ModuleParameters,
    device_list_command,
    module_parameters_command,
    parse_device_list,
    parse_extent_list,
    parse_module_parameters,
    team_up_delay_command,
    vmfs_extent_list_command,
)
from vconsole.esx.netinventory import (
    DVS_LIST,
    INTERFACE_LIST,
    NIC_LIST,
    DistributedSwitch,
    IpInterface,
    PhysicalNic,
    parse_dvs_list,
    parse_interface_list,
    parse_nic_list,
)
from vconsole.esx.storage import AdvancedValue, parse_advanced_value, psp_latency_policy_command
from vconsole.esx.storage_text import OutputKind
from vconsole.models.common import RawOutput
from vconsole.models.findings import Subject
from vconsole.services.answers import raw_output
from vconsole.services.checks_vcenter import VcenterFacts, host_subject
from vconsole.tokens import Command

if TYPE_CHECKING:
    from vconsole.sessions.protocols import Sessions
    from vconsole.sessions.results import Answer

T = TypeVar("T")

I40EN = "i40en"
BACKGROUND_COMMANDS_AT_ONCE = 16
"""Commands in flight at once over triage's 5-minute background checks read; each holds a pool
thread, an SSH channel and their buffers while it runs. Every host's 7-8 at once (56 on the
default lab) started some 50 threads for each read, all alive together; 16 keep it near 26, and
on the default lab the read takes about as long (bench/bench_checks_burst.py). Nobody waits on
this read, so a large estate's taking longer is no loss; the pane and the CLI are not bounded."""


@dataclass(frozen=True)
class HostFacts:
    """What the checks know about one host; `None` where its command gave no usable answer."""

    host: str
    nics: tuple[PhysicalNic, ...] | None = None
    i40en: ModuleParameters | None = None
    devices: DeviceList | None = None
    extents: ExtentList | None = None
    up_delay: AdvancedValue | None = None
    psp_latency: AdvancedValue | None = None
    vmks: tuple[IpInterface, ...] | None = None
    switches: tuple[DistributedSwitch, ...] | None = None
    outputs: tuple[RawOutput, ...] = ()

    def output(self, command: Command) -> RawOutput | None:
        return next((o for o in self.outputs if o.line == command.line), None)

    def why_unread(self, command: Command, parsed: object = None) -> str:
        """The raw reason a command's answer is not usable: its error, stderr or first line."""
        message = str(getattr(parsed, "message", "") or "")
        out = self.output(command)
        if out is None:
            return message or "not asked"
        text = out.error or out.stderr.strip() or message or out.stdout.strip()[:200]
        return text or f"exit status {out.exit}"

    def i40en_nics(self) -> list[str]:
        return [n.name for n in self.nics or () if n.driver == I40EN]


HOST_COMMANDS = (
    NIC_LIST,
    device_list_command(),
    vmfs_extent_list_command(),
    team_up_delay_command(),
    psp_latency_policy_command(),
    INTERFACE_LIST,
    DVS_LIST,
)
"""Asked of every host; `module parameters list -m i40en` only where an i40en NIC exists."""


async def read_host(
    manager: Sessions, host: str, gate: asyncio.Semaphore | None = None
) -> HostFacts:
    """Raises only when the host gave no answer at all (the fan-out turns that into a row).
    `gate`, shared by the hosts of one read, bounds the commands in flight at once."""

    async def run(command: Command) -> Answer:
        if gate is None:
            return await manager.run(host, command)
        async with gate:
            return await manager.run(host, command)

    answers = await asyncio.gather(*(run(c) for c in HOST_COMMANDS), return_exceptions=True)
    if all(isinstance(a, BaseException) for a in answers):
        first = answers[0]
        assert isinstance(first, BaseException)
        raise first
    outputs = [raw_output(c, a) for c, a in zip(HOST_COMMANDS, answers, strict=True)]
    nics_list = _read(answers[0], parse_nic_list)
    nics = None if nics_list is None else tuple(nics_list)
    i40en = None
    if nics is not None and any(n.driver == I40EN for n in nics):
        command = module_parameters_command(I40EN)
        try:
            answer: Answer = await run(command)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            answer = exc
        outputs.append(raw_output(command, answer))
        i40en = _read(answer, parse_module_parameters)
    vmks = _read(answers[5], parse_interface_list)
    switches = _read(answers[6], parse_dvs_list)
    return HostFacts(
        host=host,
        nics=nics,
        i40en=i40en,
        devices=_read(answers[1], parse_device_list),
        extents=_read(answers[2], parse_extent_list),
        up_delay=_read(answers[3], parse_advanced_value),
        psp_latency=_read(answers[4], parse_advanced_value),
        vmks=None if vmks is None else tuple(vmks),
        switches=None if switches is None else tuple(switches),
        outputs=tuple(outputs),
    )


def _read(answer: Answer, parse: Callable[[str], T]) -> T | None:
    """The model of one answer (its API records when it has them, else its text), or None when
    the command did not run."""
    text = _text(answer)
    return None if text is None else decode(answer, parse, text)


def _text(answer: Answer) -> str | None:
    """The output to parse, or None when the command did not run or failed without output."""
    if isinstance(answer, BaseException):
        return None
    stdout = str(getattr(answer, "stdout", ""))
    code = getattr(answer, "exit", 0)
    if code and not stdout.strip():
        return str(getattr(answer, "stderr", "")) or f"Error: exit status {code}"
    return stdout


def readable(value: object) -> bool:
    """True when a parsed part is usable (not missing, not an error or unrecognised text)."""
    kind = getattr(value, "kind", OutputKind.OK)
    return value is not None and kind is OutputKind.OK


def each_host(
    hosts: dict[str, HostFacts], vc: VcenterFacts | None, site: str
) -> Iterator[tuple[str, HostFacts, Subject]]:
    """Every host a check judges, by name, with what it answered and its subject placed."""
    for name, facts in sorted(hosts.items()):
        yield name, facts, host_subject(name, vc, site)
