"""The lab's ESXi SSH hosts behind a real SessionManager, for the MTU tests and the benchmark."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vconsole.config import Profile, TargetConfig
from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import Scenario


@contextlib.contextmanager
def running_lab(scenario: Scenario, state_dir: Path, time_scale: float = 1.0) -> Iterator[EsxiLab]:
    lab = EsxiLab(scenario, state_dir, time_scale=time_scale)
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()


def lab_targets(
    lab: EsxiLab, timeout: float = 30.0, concurrency: int | None = None
) -> list[TargetConfig]:
    return [
        TargetConfig(
            name=name,
            kind="esxi",
            address=addr,
            port=port,
            user=lab.user,
            timeout=timeout,
            concurrency=concurrency,
        )
        for name, (addr, port) in sorted(lab.endpoints.items())
    ]


def lab_manager(lab: EsxiLab, tmp: Path, *, concurrency: int | None = None, **kwargs: Any) -> Any:
    """A SessionManager on every lab host: passwords from a private env map, host key pinned."""
    from vconsole.audit import AuditLog
    from vconsole.secrets import SecretStore, env_var_name
    from vconsole.sessions import SessionManager

    targets = lab_targets(lab, concurrency=concurrency)
    environ = {env_var_name(t.name): lab.password for t in targets}
    secrets = SecretStore("mtu-test", use_keyring=False, environ=environ)
    known = tmp / "known_hosts"
    key = lab.host_key
    known.write_text(
        "".join(f"[{t.address}]:{t.port} {key.get_name()} {key.get_base64()}\n" for t in targets)
    )
    return SessionManager(
        Profile("lab", tuple(targets)),
        secrets=secrets,
        audit=AuditLog(tmp / "audit.jsonl", redact=secrets.redact),
        known_hosts_path=known,
        **kwargs,
    )


def write_known_hosts(lab: EsxiLab, path: Path) -> Path:
    """Pin the lab's host key for every host, as an admin who confirmed it once would have."""
    key = lab.host_key
    path.write_text(
        "".join(
            f"[{addr}]:{port} {key.get_name()} {key.get_base64()}\n"
            for addr, port in lab.endpoints.values()
        )
    )
    return path


def lab_profile(lab: EsxiLab, monkeypatch: Any, tmp: Path) -> Profile:
    """Profile `lab` on every lab host; passwords through the documented environment override."""
    from vconsole.secrets import env_var_name

    targets = lab_targets(lab)
    for t in targets:
        monkeypatch.setenv(env_var_name(t.name), lab.password)
    return Profile("lab", tuple(targets), source=tmp / "config.toml")


def wan_scenario(per_site: int = 2) -> Scenario:
    """Branch hosts behind a black-holed 1280 WAN and behind a 1400 WAN that signals its MTU,
    each probing three HQ targets (one of them on a 1500-MTU network) from vmk0 and vmk1."""
    from vconsole.lab.scenario import ExtraTarget, Host, Site, Vmk

    def host(site: str, net: int, i: int) -> Host:
        return Host(
            name=f"esx-{site.lower()}-{i + 1:02d}",
            site=site,
            cluster=site,
            vmks=(
                Vmk("vmk0", f"10.{net}.10.{10 + i}", mtu=1500, services=("management",)),
                Vmk("vmk1", f"10.{net}.20.{10 + i}", mtu=9000, services=("vsan",)),
            ),
        )

    return Scenario(
        name="mtu-wan",
        sites=(
            Site("HQ", hq=True, wan_mtu=9000),
            Site("BH", wan_mtu=1280, icmp_blackhole=True, latency_ms=5),
            Site("LOW", wan_mtu=1400, latency_ms=5),
        ),
        hosts=tuple(
            host(site, net, i) for site, net in (("BH", 5), ("LOW", 6)) for i in range(per_site)
        ),
        targets=(
            ExtraTarget("vcsa01", "10.0.10.5", "HQ", mtu=9000),
            ExtraTarget("witness", "10.0.30.50", "HQ"),
            ExtraTarget("array", "10.0.40.7", "HQ", mtu=9000),
        ),
    )


WAN_TARGETS = ("10.0.10.5", "10.0.30.50", "10.0.40.7")


def wait_idle(lab: EsxiLab) -> None:
    """Until no lab host has an SSH session open (probes a run abandoned end on their own)."""
    import time

    for _ in range(200):
        if not any(g.now for g in lab.sessions.values()):
            return
        time.sleep(0.05)
    raise AssertionError(f"sessions still open: {[g.now for g in lab.sessions.values()]}")


def config_targets(lab: EsxiLab, tmp: Path, monkeypatch: Any) -> list[dict]:
    """Every lab host as a config-file target: state and config dirs in `tmp`, host keys pinned
    in the state dir, passwords through the environment override."""
    from vconsole.secrets import env_var_name

    state = tmp / "state"
    state.mkdir()
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(state))
    monkeypatch.setenv("VCONSOLE_CONFIG_DIR", str(tmp / "cfg"))
    write_known_hosts(lab, state / "known_hosts")
    targets = []
    for t in lab_targets(lab):
        monkeypatch.setenv(env_var_name(t.name), lab.password)
        targets.append(
            {"name": t.name, "kind": "esxi", "address": t.address, "port": t.port, "user": t.user}
        )
    return targets
