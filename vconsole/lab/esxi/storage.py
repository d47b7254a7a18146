"""`esxcli storage nmp device list|path list`, `storage core path list`, Round Robin deviceconfig.

Layouts follow the [V] samples of esxcli-storage-multipath.md (3-space field indent, header =
device or path UID, iSCSI path UIDs `<adapter iqn>-<session>,<target iqn>,t,<tag>-<device>`).
[R] choices: every path of an ALUA device is in one AO target port group; a dead path shows
`Group State: dead` and `RTP_health=DOWN`; `deviceconfig get` in latency mode follows the
reference's reconstruction; a trailing empty `Path Selection Policy Device Custom Config: `
keeps its space (esxcli's empty-value form); errors for unknown or non-RR devices are [R]
wording. `deviceconfig set --type=latency` is accepted even with EnablePSPLatencyPolicy = 0 —
the reference does not say the host refuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vconsole.lab.esxi.options import EsxcliError, Opt, bool_option, int_option, parse_options
from vconsole.lab.esxi.output import Cell, Reply, blocks
from vconsole.lab.esxi.state import HostState, RoundRobinConfig
from vconsole.lab.scenario import Lun, LunPath
from vconsole.lab.vcsim_topology import fc_wwn, path_uid

_ALUA_CONFIG = (
    "{implicit_support=on; explicit_support=off; explicit_allow=on; alua_followover=on; "
    "action_OnRetryErrors=off; {TPG_id=1,TPG_state=AO}}"
)
_LIMIT_TYPES = {"default": "Default", "iops": "Iops", "bytes": "Bytes", "latency": "Latency"}


@dataclass(frozen=True)
class PathIds:
    """What esxcli names a path by: UID, transport and the adapter/target identifiers."""

    uid: str
    transport: str
    adapter_id: str
    target_id: str
    adapter_details: str
    target_details: str


def display_name(lun: Lun) -> str:
    return lun.display_name or f"NETAPP iSCSI Disk ({lun.id})"


def _runtime_parts(name: str) -> tuple[str, int, int, int]:
    parts = name.split(":")
    try:
        return parts[0], int(parts[1][1:]), int(parts[2][1:]), int(parts[3][1:])
    except (IndexError, ValueError):
        return parts[0], 0, 0, 0


def path_ids(state: HostState, lun: Lun, path: LunPath) -> PathIds:
    adapter, channel, _, _ = _runtime_parts(path.name)
    if path.target.startswith("iqn.") or not path.target:
        # The UID comes from the lab vCenter's own function so esxcli and the API agree.
        uid = path_uid(state.host, lun, path)
        initiator, target, _, rest = uid.split(",", 3)
        iqn, _, session = initiator.rpartition("-")
        target_id = f"{session},{target},t,1"
        return PathIds(
            uid=uid,
            transport="iscsi",
            adapter_id=iqn,
            target_id=target_id,
            adapter_details=iqn,
            target_details=f"IQN={target} Alias= Session={session} PortalTag=1",
        )
    wwn = fc_wwn(state.name, adapter)
    initiator = f"fc.2000{wwn:012x}:2100{wwn:012x}"
    return PathIds(
        uid=path_uid(state.host, lun, path),
        transport="fc",
        adapter_id=initiator,
        target_id=path.target,
        adapter_details=f"WWNN: 20:00:{wwn:012x} WWPN: 21:00:{wwn:012x}",
        target_details=path.target,
    )


def working_paths(lun: Lun) -> list[str]:
    usable = [p.name for p in lun.paths if p.state == "active"]
    return usable if lun.psp == "VMW_PSP_RR" else usable[:1]


def _psp_device_config(lun: Lun, rr: RoundRobinConfig) -> str:
    working = working_paths(lun)
    current = working[0] if working else ""
    if lun.psp == "VMW_PSP_MRU":
        return f"Current Path={current}"
    if lun.psp == "VMW_PSP_FIXED":
        return f"{{preferred={current};current={current}}}"
    ano = int(rr.use_ano)
    if rr.limit_type == "Latency":
        return (
            f"{{policy=latency,latencyEvalTime={rr.latency_eval_ms},samplingCycles="
            f"{rr.sampling_ios},curSamplingCycle={rr.sampling_ios},useANO={ano}; "
            f"CurrentPath={current}: NumIOsPending=0,latency=0}}"
        )
    policy = {"Iops": "iops", "Bytes": "bytes"}.get(rr.limit_type, "rr")
    return (
        f"{{policy={policy},iops={rr.iops},bytes={rr.bytes},useANO={ano}; "
        f"lastPathIndex={max(0, len(working) - 1)}: NumIOsPending=0,numBytesPending=0}}"
    )


def _device_opts(args: Sequence[str], required: bool = False) -> dict[str, str]:
    return parse_options(args, (Opt("device", "d", required=required),))


def _luns(state: HostState, device: str | None) -> list[Lun]:
    if device is None:
        return list(state.host.luns)
    lun = state.lun(device)
    if lun is None:
        raise EsxcliError(f"Unknown device {device}")
    return [lun]


Item = tuple[str, list[tuple[str, "Cell | list[str]"]]]
Renderer = Callable[[HostState, Sequence[str]], list[Item]]


def _shown(items: Sequence[Item]) -> list[tuple[str, list[tuple[str, Cell]]]]:
    """Blocks as the default formatter prints them: lists joined with ", "."""
    return [
        (head, [(k, ", ".join(v) if isinstance(v, list) else v) for k, v in fields])
        for head, fields in items
    ]


def nmp_device_items(state: HostState, args: Sequence[str]) -> list[Item]:
    """(device, fields) per device; Working Paths stays a list."""
    items: list[Item] = []
    for lun in _luns(state, _device_opts(args).get("device")):
        satp_config = _ALUA_CONFIG if lun.satp == "VMW_SATP_ALUA" else "{action_OnRetryErrors=off}"
        fields: list[tuple[str, Cell | list[str]]] = [
            ("Device Display Name", display_name(lun)),
            ("Storage Array Type", lun.satp),
            ("Storage Array Type Device Config", satp_config),
            ("Path Selection Policy", lun.psp),
            (
                "Path Selection Policy Device Config",
                _psp_device_config(lun, state.round_robin[lun.id]),
            ),
            ("Path Selection Policy Device Custom Config", ""),
            ("Working Paths", working_paths(lun)),
            ("Is USB", False),
        ]
        items.append((lun.id, fields))
    return items


def nmp_device_list(state: HostState, args: Sequence[str]) -> Reply:
    return Reply(blocks(_shown(nmp_device_items(state, args))))


def _selected_paths(state: HostState, args: Sequence[str]) -> list[tuple[Lun, LunPath]]:
    opts = parse_options(args, (Opt("device", "d"), Opt("path", "p")))
    out = []
    for lun in _luns(state, opts.get("device")):
        for p in lun.paths:
            wanted = opts.get("path")
            if wanted is None or wanted in (p.name, path_ids(state, lun, p).uid):
                out.append((lun, p))
    if "path" in opts and not out:
        raise EsxcliError(f"Unknown path {opts['path']}")
    return out


def core_path_items(state: HostState, args: Sequence[str]) -> list[Item]:
    items: list[Item] = []
    for lun, p in _selected_paths(state, args):
        ids = path_ids(state, lun, p)
        adapter, channel, target, lun_no = _runtime_parts(p.name)
        fields: list[tuple[str, Cell | list[str]]] = [
            ("UID", ids.uid),
            ("Runtime Name", p.name),
            ("Device", lun.id),
            ("Device Display Name", display_name(lun)),
            ("Adapter", p.adapter or adapter),
            ("Channel", channel),
            ("Target", target),
            ("LUN", lun_no),
            ("Plugin", "NMP"),
            ("State", p.state),
            ("Transport", ids.transport),
            ("Adapter Identifier", ids.adapter_id),
            ("Target Identifier", ids.target_id),
            ("Adapter Transport Details", ids.adapter_details),
            ("Target Transport Details", ids.target_details),
            ("Maximum IO Size", 131072),
        ]
        items.append((ids.uid, fields))
    return items


def _listing(state: HostState, name: str, args: Sequence[str], render: Renderer) -> Reply:
    """A listing that follows from the host's (immutable) description alone, rendered once
    while that description stays the same object: the rendering is the lab's own cost, which
    a real host's answer does not carry, and a changed host is a new object."""
    key = (name, *args)
    kept = state.listings.get(key)
    if kept is not None and kept[0] is state.host:
        return kept[1]
    host = state.host
    reply = Reply(blocks(_shown(render(state, args))))
    state.listings[key] = (host, reply)
    return reply


def core_path_list(state: HostState, args: Sequence[str]) -> Reply:
    return _listing(state, "core path list", args, core_path_items)


def nmp_path_items(state: HostState, args: Sequence[str]) -> list[Item]:
    """(path UID, fields) per path."""
    items: list[Item] = []
    for lun, p in _selected_paths(state, args):
        ids = path_ids(state, lun, p)
        rtp = 1 + [x.name for x in lun.paths].index(p.name)
        health = "DOWN" if p.state == "dead" else "UP"
        if lun.satp == "VMW_SATP_ALUA":
            satp = f"{{TPG_id=1,TPG_state=AO,RTP_id={rtp},RTP_health={health}}}"
        else:
            satp = f"SATP {lun.satp} does not support path configuration."
        if lun.psp == "VMW_PSP_RR":
            psp = "PSP VMW_PSP_RR does not support path configuration."
        else:
            current = "yes" if p.name in working_paths(lun) else "no"
            psp = f"{{current: {current}; preferred: no}}"
        fields: list[tuple[str, Cell | list[str]]] = [
            ("Runtime Name", p.name),
            ("Device", lun.id),
            ("Device Display Name", display_name(lun)),
            ("Group State", p.state),
            ("Array Priority", 0),
            ("Storage Array Type Path Config", satp),
            ("Path Selection Policy Path Config", psp),
        ]
        items.append((ids.uid, fields))
    return items


def nmp_path_list(state: HostState, args: Sequence[str]) -> Reply:
    return _listing(state, "nmp path list", args, nmp_path_items)


def _rr_lun(state: HostState, device: str) -> Lun:
    lun = _luns(state, device)[0]
    if lun.psp != "VMW_PSP_RR":
        raise EsxcliError(f"Device {device} is not using path selection policy VMW_PSP_RR")
    return lun


def rr_fields(state: HostState, args: Sequence[str]) -> list[tuple[str, Cell]]:
    lun = _rr_lun(state, _device_opts(args, required=True)["device"])
    rr = state.round_robin[lun.id]
    latency = rr.limit_type == "Latency"
    fields: list[tuple[str, Cell]] = [
        ("Byte Limit", rr.bytes),
        ("Device", lun.id),
        ("IOOperation Limit", rr.iops),
        ("Latency Evaluation Interval", f"{rr.latency_eval_ms if latency else 0} milliseconds"),
        ("Limit Type", rr.limit_type),
        ("Number Of Sampling IOs Per Path", rr.sampling_ios if latency else 0),
        ("Use Active Unoptimized Paths", rr.use_ano),
    ]
    return fields


def rr_get(state: HostState, args: Sequence[str]) -> Reply:
    return Reply("".join(f"   {k}: {_text(v)}\n" for k, v in rr_fields(state, args)))


def _text(v: Cell) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def rr_set(state: HostState, args: Sequence[str]) -> Reply:
    opts = parse_options(
        args,
        (
            Opt("device", "d", required=True),
            Opt("type", "t"),
            Opt("iops", "I"),
            Opt("bytes", "B"),
            Opt("useano", "U"),
            Opt("num-sampling-cycles", "S"),
            Opt("latency-eval-time", "T"),
            Opt("cfgfile", "g", flag=True),
        ),
    )
    lun = _rr_lun(state, opts["device"])
    changes: dict[str, object] = {}
    if "type" in opts:
        kind = _LIMIT_TYPES.get(opts["type"].lower())
        if kind is None:
            raise EsxcliError(
                f"Invalid value '{opts['type']}' for option -t|--type: "
                "bytes, default, iops or latency"
            )
        changes["limit_type"] = kind
    if "iops" in opts:
        changes["iops"] = int_option(opts["iops"], "-I|--iops")
    if "bytes" in opts:
        changes["bytes"] = int_option(opts["bytes"], "-B|--bytes")
    if "useano" in opts:
        changes["use_ano"] = bool_option(opts["useano"], "-U|--useano")
    if "num-sampling-cycles" in opts:
        changes["sampling_ios"] = int_option(
            opts["num-sampling-cycles"], "-S|--num-sampling-cycles"
        )
    if "latency-eval-time" in opts:
        changes["latency_eval_ms"] = int_option(opts["latency-eval-time"], "-T|--latency-eval-time")
    state.set_round_robin(lun.id, **changes)
    return Reply()


_NMP = ("storage", "nmp")
COMMANDS = {
    (*_NMP, "device", "list"): nmp_device_list,
    (*_NMP, "path", "list"): nmp_path_list,
    ("storage", "core", "path", "list"): core_path_list,
    (*_NMP, "psp", "roundrobin", "deviceconfig", "get"): rr_get,
    (*_NMP, "psp", "roundrobin", "deviceconfig", "set"): rr_set,
}
