"""Helpers for the Bitfusion tests: a real session manager on the lab client VM (and vcsim)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vconsole.lab.scenario import Bitfusion, BitfusionClient, BitfusionServer, scenario_from_dict

CLIENT = "bf-client01"


def small_scenario(*, servers_as_vms: bool = False, **bitfusion: Any) -> Any:
    """One site, three hosts (the third with 10 Gb/s NICs only) and a three-server pool.

    With `servers_as_vms` each host runs one VM and the servers take those VMs' addresses,
    so vcsim knows the server VMs and their hosts by guest IP, as a real vCenter would.
    """
    from dataclasses import replace

    from vconsole.lab.vcsim_topology import lab_vms

    hosts = []
    for i, speed in enumerate((25000, 25000, 10000), start=1):
        hosts.append(
            {
                "name": f"esx-gpu-0{i}",
                "site": "HQ",
                "cluster": "GPU",
                "vmk": [{"name": "vmk0", "ip": f"10.0.10.{10 + i}"}],
                "vms": 1 if servers_as_vms else 0,
                "nic": [
                    {"name": "vmnic0", "speed_mbps": speed},
                    {"name": "vmnic1", "speed_mbps": speed},
                ],
            }
        )
    scenario = scenario_from_dict(
        {"name": "gpu-lab", "site": [{"name": "HQ", "hq": True}], "host": hosts}
    )
    defaults = Bitfusion(
        servers=(
            BitfusionServer("bf-srv01", gpus=4, address="10.0.40.11", host="esx-gpu-01"),
            BitfusionServer("bf-srv02", gpus=2, address="10.0.40.12", host="esx-gpu-02"),
            BitfusionServer(
                "bf-srv03",
                gpus=8,
                gpu_model="NVIDIA T4",
                gpu_memory_mb=15109,
                address="10.0.40.13",
                host="esx-gpu-03",
            ),
        ),
        clients=(
            BitfusionClient("ml-train-01", gpus=2, fraction=1.0),
            BitfusionClient("jupyter-07", gpus=1, fraction=0.5),
        ),
        client_vm=CLIENT,
        churn_s=60.0,
    )
    if servers_as_vms:
        on_host = {vm.host: vm.ip for vm in lab_vms(scenario)}
        defaults = replace(
            defaults,
            servers=tuple(replace(s, address=on_host[s.host]) for s in defaults.servers),
        )
    return replace(scenario, bitfusion=replace(defaults, **bitfusion))


def server_hosts(scenario: Any) -> dict[str, str]:
    """The scenario's server -> host placement, as an admin would give it without vCenter VMs."""
    return {s.address: s.host for s in scenario.bitfusion.servers}


def bf_profile(lab: Any, vcsim: Any = None, name: str = CLIENT) -> Any:
    from lab_fixtures import vcenter_config

    from vconsole.config import Profile, TargetConfig

    host, port = lab.endpoint
    targets = [TargetConfig(name, "bitfusion", address=host, port=port, user=lab.user, timeout=10)]
    if vcsim is not None:
        targets.append(vcenter_config(vcsim))
    return Profile("lab", tuple(targets))


def trust_client(lab: Any, known_hosts: Path) -> None:
    from vconsole.sessions.trust import KnownHosts

    host, port = lab.endpoint
    KnownHosts(known_hosts).add(host, port, lab.host_key)


def bf_manager(lab: Any, tmp: Path, vcsim: Any = None, **kwargs: Any) -> Any:
    """A real SessionManager for the lab client VM: host key pinned, passwords in memory."""
    from vconsole.audit import AuditLog
    from vconsole.secrets import SecretStore
    from vconsole.sessions import SessionManager

    profile = bf_profile(lab, vcsim)
    known_hosts = tmp / "known_hosts"
    trust_client(lab, known_hosts)
    secrets = SecretStore(profile.name, use_keyring=False)
    secrets.remember(CLIENT, lab.password)
    if vcsim is not None:
        secrets.remember("vcsa01", vcsim.password)
    audit = AuditLog(tmp / "audit.jsonl", redact=secrets.redact)
    return SessionManager(
        profile, secrets=secrets, known_hosts_path=known_hosts, audit=audit, **kwargs
    )
