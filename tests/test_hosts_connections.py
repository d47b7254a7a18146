"""The connections pane says which way each host is reached: through vCenter or directly."""

from __future__ import annotations

from pathlib import Path

from shell_helpers import console, isolate_dirs, replay_profile

from vconsole.config import TargetConfig
from vconsole.hosts_config import DiscoveredHost, HostsPolicy


async def test_hosts_reached_through_vcenter_show_via_api(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    isolate_dirs(monkeypatch, tmp_path)
    base = replay_profile(tmp_path)
    targets = base.targets + (
        TargetConfig("vc01", "vcenter", "vc01.example", user="administrator@vsphere.local"),
        TargetConfig("esx-akl-01", "esxi", "10.0.0.11", user="root", via="api", vcenter="vc01"),
        TargetConfig("esx-akl-02", "esxi", "10.0.0.12", user="root"),
    )
    found = (DiscoveredHost("esx-akl-01", "vc01", "host-21"),)
    profile = replace(base, targets=targets, hosts=HostsPolicy(), discovered=found)
    app = console(tmp_path, profile)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        table = app.screen.table
        assert table.get_row("esx-akl-01")[1:3] == ["esxi via api", "through vc01"]
        assert table.get_row("esx-akl-02")[1:3] == ["esxi", "10.0.0.12"]
        assert table.get_row("esx01")[1] == "replay"
