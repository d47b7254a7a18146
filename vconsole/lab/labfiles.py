"""What a running lab leaves in its state dir: `lab.json` for `lab status`, `lab.toml` for the console."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tomli_w

from vconsole.lab.runtime import LabService

LAB_PROFILE = "lab"
VCENTER_PROFILE = "lab-vcenter"
VCENTER_PROFILE_KINDS = ("vcenter", "vcd", "bitfusion")


def write_status(state_dir: Path, data: dict[str, Any]) -> None:
    path = state_dir / "lab.json"
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
    os.replace(tmp, path)


def read_status(state_dir: Path) -> dict[str, Any] | None:
    path = state_dir / "lab.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text())
        return data
    except (OSError, ValueError):
        return None


def write_lab_files(
    state_dir: Path,
    services: Sequence[LabService],
    *,
    scenario_name: str,
    pid: int,
    real_network: bool,
) -> None:
    write_status(
        state_dir,
        {
            "status": "running",
            "pid": pid,
            "scenario": scenario_name,
            "real_network": real_network,
            "config": str(state_dir / "lab.toml"),
            "services": [s.as_json() for s in services],
        },
    )
    (state_dir / "lab.toml").write_text(tomli_w.dumps(lab_config(state_dir, services)))


def lab_config(state_dir: Path, services: Sequence[LabService]) -> dict[str, Any]:
    """A config file with one `lab` profile; passwords stay out of it (see `lab_credentials`)."""
    targets = []
    for s in services:
        t: dict[str, Any] = {"kind": s.kind, "name": s.name, "user": s.user}
        if s.url:
            scheme, _, rest = s.url.partition("://")
            hostport = rest.split("/", 1)[0]
            host, _, port = hostport.rpartition(":")
            t["address"] = host
            t["port"] = int(port)
            if s.kind == "vcenter":
                t["protocol"] = scheme
        else:
            t["address"] = s.host
            t["port"] = s.port
        t.update(s.pins())
        if s.kind == "vcd":
            user, _, org = s.user.partition("@")
            t["user"], t["org"] = user, org or "System"
        t["lab_credentials"] = str(state_dir / "lab.json")
        targets.append(t)
    console = str(console_state_dir(state_dir))
    lab = {"state_dir": console, "targets": targets}
    vcenter = {"state_dir": console, **vcenter_profile(targets)}
    profiles = {LAB_PROFILE: lab, VCENTER_PROFILE: vcenter}
    return {"default_profile": LAB_PROFILE, "profiles": profiles}


def vcenter_profile(targets: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """`lab-vcenter`: what a real estate gives an admin — the vCenter, Cloud Director and the
    Bitfusion client, no host listed; every host comes from vCenter and is reached through it."""
    chosen = [lab_vcenter_target(t) for t in targets if t["kind"] in VCENTER_PROFILE_KINDS]
    if not any(t["kind"] == "vcenter" for t in chosen):  # no vCenter: no host to find
        return {"targets": chosen}
    return {"hosts": {"via": "api"}, "targets": chosen}


def lab_vcenter_target(target: dict[str, Any]) -> dict[str, Any]:
    """A `lab` target as the vCenter-only profile holds it. Its Cloud Director target logs in with
    the provider's API token (`auth = "token"`, the token read from `lab.json` through
    `lab_credentials`, no user needed) as providers behind MFA/SSO do; every other target is the
    same as in `lab`."""
    out = dict(target)
    if out["kind"] == "vcd":
        out.pop("user", None)
        out["auth"] = "token"
    return out


def console_state_dir(state_dir: Path) -> Path:
    """Where the console keeps its own state (MTU sets, audit log, backups) for this lab."""
    return state_dir / "console"
