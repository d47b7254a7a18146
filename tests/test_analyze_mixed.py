"""Captures of an ESXi host and of the Bitfusion client VM, analysed together offline: each pane
reads only the captures of its own kind, and the human report says what is wrong."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from lab_fixtures import VCONSOLE, whole_lab_fixture
from vcsim_helpers import needs_go

pytestmark = needs_go


lab = whole_lab_fixture("analyze-lab", name="lab")


def _capture(lab: Path, target: str, out: Path) -> dict:
    subprocess.run(
        [*VCONSOLE, "--config", str(lab / "lab.toml"), "capture", target, str(out)],
        check=True,
        capture_output=True,
        timeout=120,
        env=dict(os.environ, VCONSOLE_STATE_DIR=str(lab / "state")),
    )
    return json.loads(out.read_text())


def test_each_pane_reads_its_own_kind_of_capture(lab: Path, tmp_path: Path) -> None:
    bf = _capture(lab, "bf-client01", tmp_path / "bf.json")
    assert set(bf["commands"]) >= {"bitfusion list_gpus", "bitfusion smi"}
    assert not any(line.startswith("esxcli") for line in bf["commands"])
    esx = _capture(lab, "esx-wlg-02", tmp_path / "wlg.json")
    assert "esxcli network vswitch dvs vmware lacp status get" in esx["commands"]

    report = subprocess.run(
        [*VCONSOLE, "analyze", str(tmp_path / "bf.json"), str(tmp_path / "wlg.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert report.returncode == 0, report.stderr
    text = report.stdout
    assert "bf-client01: 14 GPUs" in text
    assert "CRITICAL esx-wlg-02 lag1 vmnic3" in text  # the silent LACP partner
    assert "ERROR" not in text  # no pane tried to read the other kind's capture
