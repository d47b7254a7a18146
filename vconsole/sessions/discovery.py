"""Hosts from vCenter: the profile's `[hosts]` policy turned into host targets at run time.

One PropertyCollector read per vCenter (hosts with name, connection and power state, lockdown
mode, management vmk address, parent; compute resources with their names, for the cluster) gives
every host; each becomes an `esxi` target reached as the policy says, so every pane fans out
over discovered hosts exactly as over hand-listed ones. A hand-listed `esxi` target of the same
name wins. A host vCenter shows disconnected or not responding stays a target (its rows say why)
but is never probed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from vconsole.config import Profile, TargetConfig
from vconsole.errors import VconsoleError
from vconsole.hosts_config import DiscoveredHost, HostsPolicy

if TYPE_CHECKING:
    from vconsole.sessions.manager import SessionManager
    from vconsole.sessions.protocols import Sessions
    from vconsole.untyped import VimObject

HOST_PROPERTIES = (
    "name",
    "runtime.connectionState",
    "runtime.powerState",
    "config.lockdownMode",
    "config.network.vnic",
    "parent",
)


@dataclass(frozen=True)
class Discovery:
    """What the profile's vCenters said: the hosts, and sentences for what went wrong."""

    hosts: tuple[DiscoveredHost, ...] = ()
    problems: tuple[str, ...] = ()


def read_hosts(content: VimObject, vcenter: str) -> list[DiscoveredHost]:
    """Blocking (run via `vim.call`): every HostSystem of one vCenter, in one read."""
    from pyVmomi import vim

    from vconsole.services.vcenter_props import read_properties

    objects = read_properties(
        content, [(vim.HostSystem, HOST_PROPERTIES), (vim.ComputeResource, ("name",))]
    )
    clusters = {
        obj._moId: str(props.get("name", ""))
        for obj, props in objects
        if isinstance(obj, vim.ClusterComputeResource)
    }
    hosts = []
    for obj, props in objects:
        if not isinstance(obj, vim.HostSystem) or not props.get("name"):
            continue
        parent = props.get("parent")
        cluster = clusters.get(getattr(parent, "_moId", ""), "")
        hosts.append(
            DiscoveredHost(
                name=str(props["name"]),
                vcenter=vcenter,
                moid=obj._moId,
                address=_management_address(props.get("config.network.vnic")) or props["name"],
                cluster=cluster,
                connection_state=str(props.get("runtime.connectionState") or "connected"),
                lockdown=str(props.get("config.lockdownMode") or ""),
                power_state=str(props.get("runtime.powerState") or ""),
            )
        )
    return hosts


def _management_address(vnics: VimObject) -> str:
    """vmk0's IPv4 address (the management vmk on ESXi unless moved), else the first one."""
    found = []
    for vnic in vnics or ():
        ip = getattr(getattr(getattr(vnic, "spec", None), "ip", None), "ipAddress", "") or ""
        if ip:
            found.append((getattr(vnic, "device", "") != "vmk0", ip))
    return sorted(found)[0][1] if found else ""


async def discover(manager: Sessions, profile: Profile) -> Discovery:
    """Ask every vCenter of the profile at once; one that fails is a problem, not a stop."""
    vcenters = profile.names("vcenter")
    if not vcenters:
        return Discovery(problems=(f"profile {profile.name!r} has [hosts] but no vcenter target",))

    async def one(name: str) -> list[DiscoveredHost]:
        vim = await manager.vim(name)
        hosts: list[DiscoveredHost] = await vim.call(read_hosts, vim.content, name)
        return hosts

    results = await manager.fan_out(one, vcenters)
    hosts: list[DiscoveredHost] = []
    problems: list[str] = []
    for result in results:
        if result.error is not None:
            why = result.error.message if isinstance(result.error, VconsoleError) else result.error
            problems.append(f"{result.target}: hosts not read from this vCenter: {why}")
        else:
            hosts.extend(result.value or [])
    policy = profile.hosts or HostsPolicy()
    seen = [h.name for h in hosts]
    for pattern in policy.include:
        if seen and not any(HostsPolicy(include=(pattern,)).wanted(n) for n in seen):
            problems.append(
                f"profile {profile.name!r}: hosts.include pattern {pattern!r} matches no host "
                f"in {', '.join(vcenters)} ({len(seen)} hosts seen)"
            )
    return Discovery(tuple(hosts), tuple(problems))


def expand(profile: Profile, found: Sequence[DiscoveredHost]) -> Profile:
    """The profile with a target for every wanted discovered host (hand-listed names win)."""
    listed = {t.name for t in profile.targets}
    targets = list(profile.targets)
    by_name: dict[str, DiscoveredHost] = {}
    for host in found:
        if host.name in by_name:
            continue  # the same host name in two vCenters: the first vCenter listed wins
        by_name[host.name] = host
    for i, t in enumerate(targets):  # a hand-listed host asking for the API needs its vCenter
        match = by_name.get(t.name)
        if t.kind == "esxi" and t.via == "api" and t.vcenter is None and match is not None:
            targets[i] = replace(t, vcenter=match.vcenter)
    for host in by_name.values():
        target = host_target(profile, host)
        if target is not None and host.name not in listed:
            targets.append(target)
    return replace(profile, targets=tuple(targets), discovered=tuple(by_name.values()))


def host_target(profile: Profile, host: DiscoveredHost) -> TargetConfig | None:
    """The target a discovered host becomes, or None when the policy does not want it."""
    policy = profile.hosts
    if policy is None or not policy.wanted(host.name):
        return None  # without [hosts], only the listed `via = "api"` hosts were looked up
    api = policy.via != "ssh"
    vc_user = next((t.user for t in profile.targets if t.name == host.vcenter), None)
    return TargetConfig(
        name=host.name,
        kind="esxi",
        address=host.address,
        # through vCenter the host is reached (and audited) as the vCenter's user
        user=vc_user if api else policy.user,
        key_file=policy.key_file,
        concurrency=policy.concurrency,
        via="api" if api else "ssh",
        vcenter=host.vcenter,
    )


def needs_discovery(profile: Profile) -> bool:
    """`[hosts]`, or a hand-listed host reached through vCenter (it needs its host object)."""
    return profile.hosts is not None or any(
        t.kind == "esxi" and t.via == "api" for t in profile.targets
    )


async def discover_profile(manager: SessionManager) -> Discovery:
    """Discover with `manager` and swap its profile for the expanded one (same manager)."""
    found = await discover(manager, manager.profile)
    manager.profile = expand(manager.profile, found.hosts)
    return found


def with_discovered_hosts(
    profile: Profile, make_manager: Callable[[Profile], Sessions], report: Callable[[str], None]
) -> Profile:
    """For a command line run: the expanded profile, problems told through `report`.

    Runs its own short event loop, so call it before the command's own `asyncio.run`.
    """
    if not needs_discovery(profile):
        return profile

    async def run() -> Profile:
        manager = make_manager(profile)
        try:
            found = await discover(manager, profile)
        finally:
            await manager.close()
        for problem in found.problems:
            report(problem)
        return expand(profile, found.hosts)

    return asyncio.run(run())
