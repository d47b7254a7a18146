"""A whole lab started as an admin starts it: the `lab-vcenter` profile reads Cloud Director
branding with the lab's API token, and the token shows only where lab passwords show."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from lab_fixtures import VCONSOLE, whole_lab_fixture
from vcsim_helpers import needs_go

pytestmark = needs_go


lab_dir = whole_lab_fixture("lab-token")


def vconsole(lab_dir: Path, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCONSOLE_")}
    env.update(VCONSOLE_STATE_DIR=str(tmp_path / "state"), VCONSOLE_CONFIG_DIR=str(tmp_path))
    return subprocess.run(
        [*VCONSOLE, "--config", str(lab_dir / "lab.toml"), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def test_lab_vcenter_branding_get_uses_the_api_token(lab_dir: Path, tmp_path: Path) -> None:
    status = json.loads((lab_dir / "lab.json").read_text())
    vcd = next(s for s in status["services"] if s["kind"] == "vcd")
    token = vcd["api_token"]
    assert token and token != vcd["password"]
    lab_toml = (lab_dir / "lab.toml").read_text()
    assert token not in lab_toml
    shown = vconsole(lab_dir, tmp_path, "--profile", "lab-vcenter", "config", "show", "--json")
    target = next(
        t
        for p in json.loads(shown.stdout)["profiles"]
        if p["name"] == "lab-vcenter"
        for t in p["targets"]
        if t["kind"] == "vcd"
    )
    assert target["auth"] == "token" and "user" not in target
    got = vconsole(lab_dir, tmp_path, "--profile", "lab-vcenter", "branding", "get", "--json")
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["portalName"]
    text = vconsole(lab_dir, tmp_path, "--profile", "lab-vcenter", "branding", "get", "--all")
    assert text.returncode == 0 and "tenant acme" in text.stdout
    for run in (shown, got, text):
        assert token not in run.stdout + run.stderr
    for log in (tmp_path / "state").rglob("*"):
        if log.is_file():
            assert token not in log.read_text(errors="replace")
