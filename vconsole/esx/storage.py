"""`esxcli storage nmp|core` multipathing commands and `/Misc/EnablePSPLatencyPolicy`: lines and parsers.

Formats follow esxcli-storage-multipath.md. `nmp device list`, `core path list`, `nmp path list`
and `deviceconfig get` in iops mode are verbatim samples ([V]); their 3-space indented blocks
under a header line are read exactly, and also with the indentation flattened (a scraped [V]
sample shows that form), and so is `esxcfg-mpath -l` (read as a path list, and said so).
`deviceconfig get` and the latency switch are read in `storage_config`. HPP-claimed devices
(NVMe, 7.0+ local disks) are not in `nmp device list`; vCenter still lists them. Every parser
returns a result with a `kind`; a list with a block it cannot read is `unrecognised` as a whole,
naming the block (or the other command the text came from) and keeping the raw text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from vconsole.esx.pasted import unrecognised_message
from vconsole.esx.storage_config import (  # one-structure answers, read in their own module
    PSP_LATENCY_OPTION,
    AdvancedValue,
    RoundRobinDeviceConfig,
    parse_advanced_value,
    parse_rr_device_config,
)
from vconsole.esx.storage_text import (
    Block,
    Listing,
    OutputKind,
    classify,
    first_line,
    read_blocks,
    to_bool,
    to_int,
)
from vconsole.tokens import Command, device_id

NMP = ("esxcli", "storage", "nmp")
RR_SET_TYPES = ("latency", "iops")


def nmp_device_list_command() -> Command:
    """Every NMP device: SATP, PSP, the PSP's device config (RR sub-policy) and working paths."""
    return Command.of(*NMP, "device", "list")


def core_path_list_command() -> Command:
    """Every path: UID, runtime name, device, adapter, target, LUN, state, transport."""
    return Command.of("esxcli", "storage", "core", "path", "list")


def nmp_path_list_command() -> Command:
    """Every NMP path with its ALUA group state (active / active unoptimized / standby / dead)."""
    return Command.of(*NMP, "path", "list")


def psp_latency_policy_command() -> Command:
    """The host-wide switch of the Round Robin latency sub-policy (6.7+), as a structure."""
    return Command.of("esxcli", "system", "settings", "advanced", "list", "-o", PSP_LATENCY_OPTION)


def rr_get_command(device: str) -> Command:
    """One device's Round Robin settings (fails on a device not on VMW_PSP_RR)."""
    return Command.of(*NMP, "psp", "roundrobin", "deviceconfig", "get", "-d", device_id(device))


def rr_set_command(
    device: str,
    rr_type: str,
    *,
    iops: int | None = None,
    latency_eval_ms: int | None = None,
    sampling_ios: int | None = None,
) -> Command:
    """`deviceconfig set --type=latency|iops`; per host and device, not persistent for new LUNs."""
    from vconsole.errors import InvalidToken

    if rr_type not in RR_SET_TYPES:
        raise InvalidToken("type", rr_type, "latency or iops")
    words = [*NMP, "psp", "roundrobin", "deviceconfig", "set", f"--type={rr_type}"]
    if rr_type == "iops" and iops is not None:
        words.append(f"--iops={_bounded(iops, 'iops', 1, 10000)}")
    if rr_type == "latency":
        if latency_eval_ms is not None:
            ms = _bounded(latency_eval_ms, "latency eval time", 10000, 300000)
            words.append(f"--latency-eval-time={ms}")
        if sampling_ios is not None:
            words.append(
                f"--num-sampling-cycles={_bounded(sampling_ios, 'sampling I/Os', 16, 160)}"
            )
    words.append(f"--device={device_id(device)}")
    return Command.of(*words, mutating=True)


def _bounded(value: int, field: str, low: int, high: int) -> int:
    from vconsole.errors import InvalidToken

    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidToken(field, value, f"a whole number from {low} to {high}")
    return value


READ_COMMANDS = (
    nmp_device_list_command(),
    core_path_list_command(),
    nmp_path_list_command(),
    psp_latency_policy_command(),
)
"""The read-only command lines the multipathing pane runs on every host (also captured)."""


__all__ = [
    "PSP_LATENCY_OPTION",
    "AdvancedValue",
    "RoundRobinDeviceConfig",
    "parse_advanced_value",
    "parse_rr_device_config",
]

_RUNTIME = re.compile(r"^(vmhba\d+):C(\d+):T(\d+):L(\d+)$")


_Listing = TypeVar("_Listing")
_Item = TypeVar("_Item")


def _read_list(
    text: str,
    listing: Callable[..., _Listing],
    read_one: Callable[[Block], _Item | None],
    command: Command,
    read: list[Block] | None = None,
) -> _Listing:
    """What every `... list` parser does: an esxcli error or usage text as such, every block
    read by `read_one`, else `unrecognised` naming the block it could not read (never a
    shorter list that would look like a host with fewer devices or paths). `read`: the
    text's blocks when the caller has them already."""
    message = classify(text)
    if message is not None:
        return listing(message[0], message=message[1])
    read = read_blocks(text) if read is None else read
    blocks = [block for block in read if block.fields]  # a stray line is no block
    items = [read_one(block) for block in blocks]
    unread = next((b for b, item in zip(blocks, items, strict=True) if item is None), None)
    if unread is not None or not items:
        where = f"block {unread.header or first_line(text)!r}" if unread else first_line(text)
        why = unrecognised_message(command.line, text, f"cannot read {where}")
        return listing(OutputKind.UNRECOGNISED, message=why, raw=text)
    return listing(OutputKind.OK, tuple(items))


# ---------------------------------------------------------------- nmp device list


@dataclass(frozen=True)
class RoundRobinSettings:
    """A device's Round Robin sub-policy: `latency`, `iops`, `bytes` or `rr` (esxcli's names)."""

    policy: str = ""
    iops: int | None = None
    bytes: int | None = None
    latency_eval_ms: int | None = None
    sampling_ios: int | None = None
    use_ano: bool | None = None


@dataclass(frozen=True)
class NmpDevice:
    device: str
    display_name: str = ""
    satp: str = ""
    satp_config: str = ""
    psp: str = ""
    psp_config: str = ""
    round_robin: RoundRobinSettings | None = None
    working_paths: tuple[str, ...] = ()


class NmpDeviceList(Listing[NmpDevice]):
    @property
    def devices(self) -> tuple[NmpDevice, ...]:
        return self.items


def parse_psp_device_config(text: str) -> RoundRobinSettings | None:
    """`{policy=iops,iops=8,bytes=10485760,useANO=0; lastPathIndex=1: ...}` -> settings.

    Only the part before the first `;` is configuration; the rest is run-time state.
    """
    inner = text.strip()
    if not inner.startswith("{"):
        return None
    inner = inner[1:].rstrip("}").split(";", 1)[0]
    values: dict[str, str] = {}
    for part in inner.split(","):
        key, eq, value = part.partition("=")
        if eq:
            values[key.strip()] = value.strip()
    if "policy" not in values:
        return None
    ano = values.get("useANO")
    return RoundRobinSettings(
        policy=values["policy"].lower(),
        iops=to_int(values.get("iops", "")),
        bytes=to_int(values.get("bytes", "")),
        latency_eval_ms=to_int(values.get("latencyEvalTime", "")),
        sampling_ios=to_int(values.get("samplingCycles", "")),
        use_ano=None if ano is None else to_bool(ano),
    )


def parse_nmp_device_list(text: str) -> NmpDeviceList:
    return _read_list(text, NmpDeviceList, _nmp_device, nmp_device_list_command())


def _nmp_device(block: Block) -> NmpDevice | None:
    header = block.header
    if not header or "Path Selection Policy" not in block.fields:
        return None
    psp_config = block.get("Path Selection Policy Device Config")
    working = block.get("Working Paths")
    psp = block.get("Path Selection Policy")
    return NmpDevice(
        device=header.split()[0],
        display_name=block.get("Device Display Name"),
        satp=block.get("Storage Array Type"),
        satp_config=block.get("Storage Array Type Device Config"),
        psp=psp,
        psp_config=psp_config,
        round_robin=parse_psp_device_config(psp_config) if "RR" in psp.upper() else None,
        working_paths=tuple(p.strip() for p in working.split(",") if p.strip()),
    )


# ---------------------------------------------------------------- core path list


@dataclass(frozen=True)
class CorePath:
    uid: str
    runtime_name: str = ""
    device: str = ""
    adapter: str = ""
    target: str = ""
    lun: int | None = None
    state: str = ""
    transport: str = ""
    target_identifier: str = ""


class CorePathList(Listing[CorePath]):
    @property
    def paths(self) -> tuple[CorePath, ...]:
        return self.items


def runtime_parts(name: str) -> tuple[str, str, str] | None:
    """`vmhba64:C1:T0:L2` -> (adapter, target, lun) as esxcli prints them, or None."""
    match = _RUNTIME.match(name.strip())
    if match is None:
        return None
    return match.group(1), match.group(3), match.group(4)


_MPATH_ADAPTER = re.compile(r"(\S+) Channel: (\d+) Target: (\d+) LUN: (\d+)")
"""`esxcfg-mpath -l` prints `Adapter: vmhba37 Channel: 1 Target: 0 LUN: 0` on one line."""


def parse_core_path_list(text: str) -> CorePathList:
    """`core path list`; the same blocks from `esxcfg-mpath -l` are read too and say so.

    The blocks are read once (1,000 hosts' 20,000 paths are parsed on every refresh)."""
    blocks = read_blocks(text)
    out = _read_list(text, CorePathList, _core_path, core_path_list_command(), blocks)
    if out.kind == OutputKind.OK and any(
        _MPATH_ADAPTER.fullmatch(b.get("Adapter")) for b in blocks
    ):
        return CorePathList(OutputKind.OK, out.paths, "read as `esxcfg-mpath -l` output")
    return out


def _core_path(block: Block) -> CorePath | None:
    uid = block.get("UID") or block.header
    if not uid or not (block.get("Device") or block.get("Runtime Name")):
        return None
    runtime = block.get("Runtime Name")
    parts = runtime_parts(runtime)
    adapter, target, lun = block.get("Adapter"), block.get("Target"), block.get("LUN")
    mpath = _MPATH_ADAPTER.fullmatch(adapter)
    if mpath is not None:
        adapter, _, target, lun = mpath.groups()
    elif adapter and not re.fullmatch(r"[\w.-]+", adapter):
        return None  # one word in every known release; anything else is another shape
    return CorePath(
        uid=uid,
        runtime_name=runtime,
        device=block.get("Device"),
        adapter=adapter or (parts[0] if parts else ""),
        target=target or (parts[1] if parts else ""),
        lun=to_int(lun or (parts[2] if parts else "")),
        state=block.get("State").lower(),
        transport=block.get("Transport"),
        target_identifier=block.get("Target Identifier"),
    )


# ---------------------------------------------------------------- nmp path list


@dataclass(frozen=True)
class NmpPath:
    uid: str
    runtime_name: str = ""
    device: str = ""
    group_state: str = ""
    tpg_state: str = ""
    """ALUA target port group state (AO, ANO, STBY, UNAV) when the SATP reports one."""


class NmpPathList(Listing[NmpPath]):
    @property
    def paths(self) -> tuple[NmpPath, ...]:
        return self.items


def parse_nmp_path_list(text: str) -> NmpPathList:
    return _read_list(text, NmpPathList, _nmp_path, nmp_path_list_command())


def _nmp_path(block: Block) -> NmpPath | None:
    if not block.header or "Group State" not in block.fields:
        return None
    tpg = re.search(r"TPG_state=([A-Za-z]+)", block.get("Storage Array Type Path Config"))
    return NmpPath(
        uid=block.header,
        runtime_name=block.get("Runtime Name"),
        device=block.get("Device"),
        group_state=" ".join(block.get("Group State").lower().split()),
        tpg_state=tpg.group(1).upper() if tpg else "",
    )
