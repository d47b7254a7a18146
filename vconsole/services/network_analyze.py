"""`analyze` for the network inventory: vmk interfaces, their MTU, netstack and switch, and NICs.

Findings: a vmk MTU above its VDS's MTU or above an uplink NIC's MTU (frames that size are
dropped), the same service's vmks with different MTUs on the analysed hosts (they are taken as
one cluster: the captures an admin passes together), and NICs down. Only the commands a capture
holds are read: a capture of `nic list` alone gets NIC rows and nothing else. Output that cannot
be read gives an error row saying "could not read <command> on <host>", never an empty answer.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, cast

from vconsole.errors import CommandNotCaptured
from vconsole.esx import netinventory as inv
from vconsole.esx.api_map import decode
from vconsole.esx.pasted import UnrecognisedOutput
from vconsole.models.common import Verdict, named_json, worst
from vconsole.models.findings import Finding

if TYPE_CHECKING:
    from vconsole.sessions.protocols import Sessions

READ_COMMANDS = (inv.INTERFACE_LIST, inv.IPV4_GET, inv.NIC_LIST, inv.DVS_LIST, inv.NETSTACK_LIST)
"""What this pane reads from a capture (any subset of them)."""

NetworkProblem = Finding
"""A finding of the network analysis, built as `NetworkProblem(code, severity, text, evidence)`."""


@dataclass(frozen=True)
class NetworkRow:
    """One vmk, one NIC, or one host whose output could not be read."""

    host: str
    summary: str
    vmk: str = ""
    vmnic: str = ""
    problems: tuple[NetworkProblem, ...] = ()

    @property
    def verdict(self) -> Verdict:
        return worst([p.severity for p in self.problems])

    def as_json(self) -> dict[str, object]:
        return named_json(self, "host vmk vmnic verdict") | {
            "state": self.summary,
            "summary": "; ".join(p.text for p in self.problems) or self.summary,
            "problems": [named_json(p, "code severity text evidence") for p in self.problems],
        }


@dataclass
class HostInventory:
    """What one host's capture said; None for a command it does not hold."""

    host: str
    vmks: list[inv.IpInterface] | None = None
    nics: list[inv.PhysicalNic] | None = None
    switches: list[inv.DistributedSwitch] | None = None
    errors: list[NetworkRow] = field(default_factory=list)


async def read_host(manager: Sessions, host: str) -> HostInventory:
    answers = await asyncio.gather(
        *(manager.run(host, c) for c in READ_COMMANDS), return_exceptions=True
    )
    out = HostInventory(host)
    parsed: dict[str, Sequence[object]] = {}
    for command, answer in zip(READ_COMMANDS, answers, strict=True):
        if isinstance(answer, CommandNotCaptured):
            continue  # the capture never meant to cover this command
        what = command.line
        if isinstance(answer, BaseException):
            out.errors.append(_error_row(host, f"could not run {what} on {host}: {answer}"))
            continue
        if answer.exit != 0:
            said = (answer.stderr or answer.stdout).strip()[:200]
            out.errors.append(_error_row(host, f"{what} failed on {host}: {said}"))
            continue
        try:
            parsed[what] = decode(answer, _PARSERS[what])  # API captures hold records
        except UnrecognisedOutput as exc:
            out.errors.append(
                _error_row(host, f"could not read {what} on {host}: {exc.reason}", str(exc))
            )
    # each command's parser gives the list type of its field
    out.vmks = cast("list[inv.IpInterface] | None", parsed.get(inv.INTERFACE_LIST.line))
    out.nics = cast("list[inv.PhysicalNic] | None", parsed.get(inv.NIC_LIST.line))
    out.switches = cast("list[inv.DistributedSwitch] | None", parsed.get(inv.DVS_LIST.line))
    return out


_PARSERS: dict[str, Callable[[str], Sequence[object]]] = {
    inv.INTERFACE_LIST.line: inv.parse_interface_list,
    inv.IPV4_GET.line: inv.parse_ipv4_get,
    inv.NIC_LIST.line: inv.parse_nic_list,
    inv.DVS_LIST.line: inv.parse_dvs_list,
    inv.NETSTACK_LIST.line: inv.parse_netstack_list,
}


def _error_row(host: str, text: str, evidence: str = "") -> NetworkRow:
    return NetworkRow(
        host, text, problems=(NetworkProblem("unreadable", Verdict.ERROR, text, evidence),)
    )


def service_of(vmk: inv.IpInterface) -> str:
    """What a vmk is for, in terms the host prints: its netstack when not the default one,
    else its port group, else its switch and name (VDS vmks print no port group)."""
    if vmk.netstack and vmk.netstack != "defaultTcpipStack":
        return f"netstack {vmk.netstack}"
    if vmk.portgroup:
        return f"port group {vmk.portgroup}"
    return f"{vmk.vds_name or vmk.portset} {vmk.name}"


def judge(hosts: Sequence[HostInventory]) -> list[NetworkRow]:
    rows: list[NetworkRow] = []
    vmk_rows: dict[tuple[str, str], NetworkRow] = {}
    for h in hosts:
        rows.extend(h.errors)
        for vmk in h.vmks or ():
            row = NetworkRow(
                h.host, _vmk_summary(vmk), vmk=vmk.name, problems=_vmk_problems(h, vmk)
            )
            vmk_rows[(h.host, vmk.name)] = row
        for nic in h.nics or ():
            rows.append(
                NetworkRow(h.host, _nic_summary(nic), vmnic=nic.name, problems=_nic_problems(nic))
            )
    for problem_rows in _mtu_mismatch(hosts):
        for key, problem in problem_rows:
            vmk_rows[key] = replace(vmk_rows[key], problems=(*vmk_rows[key].problems, problem))
    return [*vmk_rows.values(), *rows]


def _vmk_summary(vmk: inv.IpInterface) -> str:
    where = vmk.vds_name or vmk.portset or "?"
    state = "" if vmk.enabled else ", disabled"
    return f"MTU {vmk.mtu if vmk.mtu is not None else '?'}, {service_of(vmk)} on {where}{state}"


def _vmk_problems(h: HostInventory, vmk: inv.IpInterface) -> tuple[NetworkProblem, ...]:
    out: list[NetworkProblem] = []
    if vmk.mtu is None:
        return ()
    switch = next((s for s in h.switches or () if s.name and s.name == vmk.vds_name), None)
    if switch is not None and switch.mtu is not None and vmk.mtu > switch.mtu:
        out.append(
            NetworkProblem(
                "vmk-mtu-above-switch",
                Verdict.CRITICAL,
                f"{vmk.name} MTU {vmk.mtu} is above {switch.name}'s MTU {switch.mtu}: "
                f"frames over {switch.mtu} bytes are dropped",
                f"ip interface list MTU {vmk.mtu}; vswitch dvs vmware list MTU {switch.mtu}",
            )
        )
    nic_mtus = {n.name: n.mtu for n in h.nics or () if n.mtu is not None}
    low = [(u, nic_mtus[u]) for u in (switch.uplinks if switch else ()) if u in nic_mtus]
    low = [(u, m) for u, m in low if m < vmk.mtu]
    if low:
        names = ", ".join(f"{u} MTU {m}" for u, m in low)
        out.append(
            NetworkProblem(
                "vmk-mtu-above-uplink",
                Verdict.CRITICAL,
                f"{vmk.name} MTU {vmk.mtu} is above its uplinks' MTU ({names})",
                f"uplinks of {switch.name if switch else '?'}: {names}",
            )
        )
    return tuple(out)


def _mtu_mismatch(
    hosts: Sequence[HostInventory],
) -> list[list[tuple[tuple[str, str], NetworkProblem]]]:
    """Per service with more than one MTU across the hosts: a warning on each of its vmks."""
    groups: dict[str, list[tuple[str, inv.IpInterface]]] = defaultdict(list)
    for h in hosts:
        for vmk in h.vmks or ():
            if vmk.mtu is not None:
                groups[service_of(vmk)].append((h.host, vmk))
    out = []
    for service, members in groups.items():
        if len({v.mtu for _, v in members}) < 2 or len({host for host, _ in members}) < 2:
            continue
        seen = ", ".join(f"{host} {v.name} {v.mtu}" for host, v in members)
        problem = NetworkProblem(
            "vmk-mtu-differs",
            Verdict.WARNING,
            f"vmk MTU differs between the analysed hosts on {service}: {seen}",
            "hosts analysed together are taken as one cluster",
        )
        out.append([((host, v.name), problem) for host, v in members])
    return out


def _nic_summary(nic: inv.PhysicalNic) -> str:
    link = "up" if nic.link_up else "down"
    speed = (
        f", {nic.speed_mbps} Mbps {nic.duplex}".rstrip() if nic.link_up and nic.speed_mbps else ""
    )
    return f"link {link}{speed}, MTU {nic.mtu if nic.mtu is not None else '?'}"


def _nic_problems(nic: inv.PhysicalNic) -> tuple[NetworkProblem, ...]:
    if not nic.admin_up:
        return (
            NetworkProblem(
                "nic-admin-down",
                Verdict.WARNING,
                f"{nic.name} is administratively down",
                "Admin Status: Down",
            ),
        )
    if not nic.link_up:
        return (
            NetworkProblem(
                "nic-down",
                Verdict.CRITICAL,
                f"{nic.name} link is down: cable, switch port or SFP",
                "Link Status: Down",
            ),
        )
    return ()


async def analyze_targets(manager: Sessions, targets: Sequence[str]) -> list[dict[str, object]]:
    """The `analyze` entry: rows for the captured hosts' vmks and NICs, with findings."""
    hosts = await asyncio.gather(*(read_host(manager, t) for t in targets))
    return [row.as_json() for row in judge(hosts)]
