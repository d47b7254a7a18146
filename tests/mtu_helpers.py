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
