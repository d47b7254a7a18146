"""Helpers for tests against the lab's Cloud Director: start one, log in, build headers."""

from __future__ import annotations

import base64
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from vconsole.lab.scenario import Scenario, default_scenario
from vconsole.lab.vcd import SYSTEM_ADMIN, VcdLab


def scenario_with(version: str | None = None, ttl: int | None = None) -> Scenario:
    base = default_scenario()
    vcd = base.vcd
    if version is not None:
        vcd = dataclasses.replace(vcd, version=version)
    if ttl is not None:
        vcd = dataclasses.replace(vcd, token_ttl_s=ttl)
    return dataclasses.replace(base, vcd=vcd)


def start_lab(
    tmp: Path,
    version: str | None = None,
    ttl: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> VcdLab:
    return VcdLab(scenario_with(version, ttl), tmp, clock=clock).start()


def basic(lab: VcdLab, principal: str = SYSTEM_ADMIN, password: str | None = None) -> str:
    pw = lab.users[principal] if password is None else password
    return "Basic " + base64.b64encode(f"{principal}:{pw}".encode()).decode()


def client(lab: VcdLab) -> httpx.Client:
    return httpx.Client(base_url=lab.url, verify=False, timeout=10)


def login(lab: VcdLab, principal: str = SYSTEM_ADMIN) -> dict[str, str]:
    """Headers for JSON calls as `principal` at the lab's newest version (cloudapi login)."""
    version = lab.version
    org = principal.rpartition("@")[2]
    path = "/cloudapi/1.0.0/sessions" + ("/provider" if org.lower() == "system" else "")
    with client(lab) as c:
        r = c.post(
            path,
            headers={
                "Authorization": basic(lab, principal),
                "Accept": f"application/json;version={version}",
            },
        )
    r.raise_for_status()
    return {
        "Authorization": "Bearer " + r.headers["X-VMWARE-VCLOUD-ACCESS-TOKEN"],
        "Accept": f"application/json;version={version}",
    }


def target_fields(lab: VcdLab, principal: str = SYSTEM_ADMIN) -> dict[str, object]:
    """Target vcd01 on the lab's Cloud Director for `principal`, its certificate pinned."""
    user, _, org = principal.rpartition("@")
    return {
        "name": "vcd01",
        "kind": "vcd",
        "address": "127.0.0.1",
        "port": lab.port,
        "user": user,
        "org": org,
        "thumbprint": lab.thumbprint,
    }


def vcd_target(lab: VcdLab, name: str = "vcd01", principal: str = SYSTEM_ADMIN, **options: object):  # type: ignore[no-untyped-def]
    """A profile target for the lab's Cloud Director, its certificate pinned."""
    from vconsole.config import TargetConfig

    values = {**target_fields(lab, principal), "name": name, "timeout": 10.0, **options}
    return TargetConfig(**values)  # type: ignore[arg-type]


def write_config(tmp: Path, lab: VcdLab, principal: str = SYSTEM_ADMIN) -> Path:
    """A config file with profile `t` holding target vcd01 (the password comes from the env)."""
    import tomli_w

    target = target_fields(lab, principal)
    path = tmp / "config.toml"
    path.write_text(
        tomli_w.dumps({"default_profile": "t", "profiles": {"t": {"targets": [target]}}})
    )
    return path


def lab_with_acme_branding(tmp: Path, monkeypatch: Any, acme: dict) -> VcdLab:
    """The lab's Cloud Director with `acme` as tenant acme's own branding; the console's dirs in
    `tmp` and vcd01's password in the environment."""
    server = start_lab(tmp / "lab")
    with client(server) as http:
        http.put(
            "/cloudapi/branding/tenant/acme", headers=login(server), json=acme
        ).raise_for_status()
    monkeypatch.setenv("VCONSOLE_PASSWORD_VCD01", server.users[SYSTEM_ADMIN])
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp / "state"))
    monkeypatch.setenv("VCONSOLE_CONFIG_DIR", str(tmp / "cfg"))
    return server
