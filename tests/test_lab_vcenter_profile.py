"""`lab start` writes `lab-vcenter` beside `lab`: the vCenter-only profile of a real estate."""

from __future__ import annotations

from pathlib import Path

from vconsole.config import check_config, load_config
from vconsole.lab.labfiles import lab_config
from vconsole.lab.runtime import LabService


def test_lab_vcenter_holds_vcenter_vcd_and_bitfusion_and_reaches_hosts_through_vcenter(
    tmp_path: Path,
) -> None:
    import tomli_w

    services = [
        LabService(
            "vcenter", "vc01", "administrator@vsphere.local", "pw", url="http://127.0.0.1:8989/sdk"
        ),
        LabService("esxi", "esx-akl-01", "root", "pw", host="127.0.0.1", port=2201),
        LabService("esxi", "esx-wlg-01", "root", "pw", host="127.0.0.1", port=2202),
        LabService("vcd", "vcd01", "administrator@System", "pw", url="https://127.0.0.1:8443"),
        LabService("bitfusion", "bf-client-01", "bfadmin", "pw", host="127.0.0.1", port=2203),
    ]
    path = tmp_path / "lab.toml"
    path.write_text(tomli_w.dumps(lab_config(tmp_path, services)))
    assert check_config(path) == []
    config = load_config(path)
    lab = config.profile("lab")
    vc_only = config.profile("lab-vcenter")
    assert config.default_profile == "lab"
    assert lab.names("esxi") == ["esx-akl-01", "esx-wlg-01"] and lab.hosts is None
    assert [(t.kind, t.name) for t in vc_only.targets] == [
        ("vcenter", "vc01"),
        ("vcd", "vcd01"),
        ("bitfusion", "bf-client-01"),
    ]
    assert vc_only.hosts is not None and vc_only.hosts.via == "api"
    assert "pw" not in path.read_text()
