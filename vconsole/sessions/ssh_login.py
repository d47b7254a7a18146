"""Opening one SSH host for the session manager: handshake, host-key trust, then login.

The trust decision (which may ask the admin) runs on the event loop between the handshake and
authentication, so no credential goes to a host whose key was not accepted. Health follows:
CONNECTING, then OK, or DOWN with the reason (a refused login also forgets the password).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from vconsole.errors import AuthFailed, HostKeyChanged, VconsoleError
from vconsole.sessions.results import Health, TrustPrompt

if TYPE_CHECKING:
    from paramiko import PKey

    from vconsole.config import TargetConfig
    from vconsole.sessions.slot import TargetSlot
    from vconsole.sessions.ssh import SshHost
    from vconsole.sessions.trust import KnownHosts


async def ssh_login(
    slot: TargetSlot,
    known_hosts: KnownHosts,
    output_cap: int,
    confirm: Callable[[TrustPrompt], Awaitable[bool]],
    on_handshake: Callable[[], None],
) -> SshHost:
    """A logged-in `SshHost` for the slot's target; `on_handshake` counts TCP connections."""
    from vconsole.sessions.ssh import SshHost

    slot.check_backoff()
    slot.set_health(Health.CONNECTING)
    t = slot.target
    host = SshHost(t, known_hosts, output_cap)
    try:
        key = await slot.in_executor(host.handshake)
        on_handshake()
        if t.host_key:
            check_pinned_host_key(t, key)
        elif not known_hosts.check(t.name, t.address, t.effective_port, key):
            unknown = known_hosts.unknown(t.name, t.address, t.effective_port, key)
            prompt = TrustPrompt(
                t.name, "ssh-host-key", unknown.host, unknown.fingerprint, unknown.key_type
            )
            if t.host_key_policy == "strict" or not await confirm(prompt):
                raise unknown
            known_hosts.add(t.address, t.effective_port, key)
        password = None if t.key_file else await slot.password()
        await slot.in_executor(host.authenticate, password)
    except AuthFailed as exc:
        slot.forget_password()
        host.close()
        slot.mark_down(exc.message)
        raise
    except VconsoleError as exc:
        host.close()
        slot.mark_down(exc.message)
        raise
    except BaseException:
        host.close()
        raise
    slot.mark_ok()
    return host


def check_pinned_host_key(t: TargetConfig, key: PKey) -> None:
    """A target that pins its host key trusts that key only; known_hosts is not consulted."""
    from vconsole.sessions.trust import host_entry, ssh_fingerprint

    presented = ssh_fingerprint(key)
    if presented != t.host_key:
        raise HostKeyChanged(
            t.name, host_entry(t.address, t.effective_port), str(t.host_key), presented
        )
