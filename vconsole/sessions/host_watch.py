"""Discovered hosts kept live: each vCenter's update stream on its hosts' connection state.

The console reads the host list once when it starts (`discovery`); while it runs, a host that
vCenter marks disconnected or not responding (or that leaves the inventory) must stop being
probed at once, and one that comes back must be probed again. This follows the same
PropertyCollector update stream the inventory uses (`UpdateStream`), for HostSystem only.
A host added to vCenter meanwhile becomes a target too (as discovery would have made it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from vconsole.config import Profile, TargetConfig
from vconsole.hosts_config import DiscoveredHost
from vconsole.sessions.discovery import host_target
from vconsole.vim.parser import ObjectChange

if TYPE_CHECKING:
    from vconsole.sessions.manager import SessionManager

log = logging.getLogger(__name__)

WATCHED = ("name", "runtime.connectionState", "config.lockdownMode")
GONE = "removed"  # the host left vCenter's inventory: reported, not probed


def apply_changes(profile: Profile, vcenter: str, changes: Sequence[ObjectChange]) -> Profile:
    """The profile with the discovered hosts' states as these changes say (same if none)."""
    by_moid = {h.moid: i for i, h in enumerate(profile.discovered) if h.vcenter == vcenter}
    hosts = list(profile.discovered)
    targets = list(profile.targets)
    changed = False
    for change in changes:
        index = by_moid.get(change.ref.value)
        if index is None:
            new = _new_host(profile, vcenter, change, hosts, targets)
            changed = changed or new
            continue
        host = hosts[index]
        if change.kind == "leave":
            updated = replace(host, connection_state=GONE)
        else:
            props = change.props
            updated = replace(
                host,
                connection_state=str(props.get("runtime.connectionState", host.connection_state)),
                lockdown=str(props.get("config.lockdownMode", host.lockdown)),
            )
        if updated != host:
            hosts[index] = updated
            changed = True
    if not changed:
        return profile
    return replace(profile, discovered=tuple(hosts), targets=tuple(targets))


def _new_host(
    profile: Profile,
    vcenter: str,
    change: ObjectChange,
    hosts: list[DiscoveredHost],
    targets: list[TargetConfig],
) -> bool:
    """A host that entered vCenter since discovery: known from now on, a target if wanted."""
    name = change.props.get("name")
    if change.kind != "enter" or not isinstance(name, str) or not name:
        return False
    if any(h.name == name for h in hosts):
        return False  # the same name through another vCenter: the first one found stays
    host = DiscoveredHost(
        name=name,
        vcenter=vcenter,
        moid=change.ref.value,
        address=name,
        connection_state=str(change.props.get("runtime.connectionState", "connected")),
        lockdown=str(change.props.get("config.lockdownMode", "")),
    )
    hosts.append(host)
    target = host_target(profile, host)
    if target is not None and all(t.name != name for t in targets):
        targets.append(target)
    return True


def _gone(profile: Profile, vcenter: str, present: Sequence[ObjectChange]) -> list[ObjectChange]:
    from vconsole.vim.soap import MoRef

    seen = {c.ref.value for c in present}
    return [
        ObjectChange(MoRef("HostSystem", h.moid), "leave", {})
        for h in profile.discovered
        if h.vcenter == vcenter and h.moid not in seen
    ]


async def watch_hosts(
    manager: SessionManager,
    on_change: Callable[[Profile], None] | None = None,
    max_wait_s: int = 20,
) -> None:
    """Until cancelled: keep `manager.profile.discovered` as every vCenter shows it now."""
    vcenters = sorted({h.vcenter for h in manager.profile.discovered})
    await asyncio.gather(*(_watch(manager, vc, on_change, max_wait_s) for vc in vcenters))


async def _watch(
    manager: SessionManager,
    vcenter: str,
    on_change: Callable[[Profile], None] | None,
    max_wait_s: int,
) -> None:
    from vconsole.vim.collector import PropertyReader, UpdateStream
    from vconsole.vim.soap import PropertySpec

    delay = 1.0
    while True:
        stream = None
        try:
            vim = await manager.vim(vcenter)
            stream = UpdateStream(PropertyReader(vim), max_wait_s)
            await stream.start(["HostSystem"], [PropertySpec("HostSystem", WATCHED)])
            first = True
            while True:
                batch = await stream.next()
                changes = list(batch.changes)
                if first:  # the full current state: a host missing from it has left
                    changes += _gone(manager.profile, vcenter, changes)
                    first = False
                updated = apply_changes(manager.profile, vcenter, changes)
                if updated is not manager.profile:
                    manager.profile = updated
                    if on_change is not None:
                        on_change(updated)
                delay = 1.0
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # vCenter away: its hosts keep their last state; try again later
            log.info(
                "%s: host watch lost (%s: %s); again in %.0f s",
                vcenter,
                type(exc).__name__,
                exc,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
        finally:
            if stream is not None:
                try:
                    await stream.close()
                except Exception as exc:  # the stream is being dropped either way
                    log.debug("%s: closing the host watch stream: %s", vcenter, exc)
