"""Helpers for tests against the lab's Cloud Director: start one, log in, build headers."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

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


def start_lab(tmp: Path, version: str | None = None, ttl: int | None = None) -> VcdLab:
    return VcdLab(scenario_with(version, ttl), tmp).start()


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
