"""Reading one host for the design checks, through the session manager (SSH, replay, or later
esxcli over the API): every command in parallel on the host's connection, each parsed
tolerantly; a command that fails leaves its part `None` and its raw answer in the transcript.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

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
from vconsole.services.answers import raw_output
from vconsole.tokens import Command

I40EN = "i40en"


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

    def why_unread(self, command: Command, parsed: Any = None) -> str:
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


async def read_host(manager: Any, host: str) -> HostFacts:
    """Raises only when the host gave no answer at all (the fan-out turns that into a row)."""
    answers = await asyncio.gather(
        *(manager.run(host, c) for c in HOST_COMMANDS), return_exceptions=True
    )
    if all(isinstance(a, BaseException) for a in answers):
        first = answers[0]
        assert isinstance(first, BaseException)
        raise first
    texts = [_text(a) for a in answers]
    outputs = [raw_output(c, a) for c, a in zip(HOST_COMMANDS, answers, strict=True)]
    nics = _nics(texts[0])
    i40en = None
    if nics is not None and any(n.driver == I40EN for n in nics):
        command = module_parameters_command(I40EN)
        try:
            answer: Any = await manager.run(host, command)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            answer = exc
        outputs.append(raw_output(command, answer))
        text = _text(answer)
        i40en = None if text is None else parse_module_parameters(text)
    return HostFacts(
        host=host,
        nics=nics,
        i40en=i40en,
        devices=None if texts[1] is None else parse_device_list(texts[1]),
        extents=None if texts[2] is None else parse_extent_list(texts[2]),
        up_delay=None if texts[3] is None else parse_advanced_value(texts[3]),
        psp_latency=None if texts[4] is None else parse_advanced_value(texts[4]),
        vmks=None if texts[5] is None else tuple(parse_interface_list(texts[5])),
        switches=None if texts[6] is None else tuple(parse_dvs_list(texts[6])),
        outputs=tuple(outputs),
    )


def _nics(text: str | None) -> tuple[PhysicalNic, ...] | None:
    if text is None:
        return None
    return tuple(parse_nic_list(text))


def _text(answer: Any) -> str | None:
    """The output to parse, or None when the command did not run or failed without output."""
    if isinstance(answer, BaseException):
        return None
    stdout = str(getattr(answer, "stdout", ""))
    if getattr(answer, "exit", 0) and not stdout.strip():
        return str(getattr(answer, "stderr", "")) or f"Error: exit status {answer.exit}"
    return stdout


def readable(value: Any) -> bool:
    """True when a parsed part is usable (not missing, not an error or unrecognised text)."""
    kind = getattr(value, "kind", OutputKind.OK)
    return value is not None and kind is OutputKind.OK
