"""A generated lab of 20 hosts, SSH stopped on all of them (one in lockdown, one down): one
vCenter reaches every host, bad input names its target while the other hosts go on, and a
host that leaves vCenter is followed live and no longer probed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hosts_api_helpers import LAB_MARKS, run_cli, start_lab

pytestmark = LAB_MARKS


@pytest.fixture(scope="module")
def no_ssh_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """20 generated hosts, SSH stopped on all; esx0002 in lockdown, esx0003 down; esx0020
    runs no VM (so it can leave vCenter)."""
    from vconsole.lab.scenario import generate_scenario

    base = generate_scenario(hosts=20, vms=19, sites=3, luns_per_host=1, paths_per_lun=2)
    hosts = tuple(
        replace(
            h,
            ssh=False,
            lockdown="normal" if h.name == "esx0002" else "disabled",
            down=h.name == "esx0003",
        )
        for h in base.hosts
    )
    where = tmp_path_factory.mktemp("no-ssh-lab")
    runtime = start_lab(replace(base, hosts=hosts), where)
    yield where / "lab.toml"
    runtime.stop()


def test_one_vcenter_reaches_every_host_with_ssh_stopped(
    no_ssh_lab: Path, capsys: Any, tmp_path: Path
) -> None:
    code, rows, err = run_cli(no_ssh_lab, "lab-vcenter", ["lacp", "--json"], capsys, tmp_path / "s")
    hosts = {r["host"] for r in rows}
    assert hosts == {f"esx{i:04d}" for i in range(1, 21)}
    down = [r for r in rows if r["host"] == "esx0003"]
    assert down and "notResponding; not probed" in down[0]["error"]
    ok = [r for r in rows if not r.get("error")]
    assert {r["host"] for r in ok} == hosts - {"esx0003"}  # lockdown: the API still answers
    assert all(r["via"] == "api" and r["state"] == "Bundled" for r in ok)


def _profile_with(config: Path, hosts: dict[str, Any], tmp_path: Path) -> Path:
    import tomli_w

    from vconsole import _toml

    data = _toml.loads(config.read_text())
    data["profiles"]["lab-vcenter"]["hosts"] = hosts
    out = tmp_path / "lab.toml"
    out.write_text(tomli_w.dumps(data))
    return out


def test_bad_input_names_the_target_and_the_others_go_on(
    no_ssh_lab: Path, capsys: Any, tmp_path: Path
) -> None:
    config = _profile_with(
        no_ssh_lab, {"via": "ssh", "include": ["esx000[1-2]", "nothing-*"]}, tmp_path
    )
    code, rows, err = run_cli(config, "lab-vcenter", ["lacp", "--json"], capsys, tmp_path / "s")
    assert "hosts.include pattern 'nothing-*' matches no host" in err
    by_host = {r["host"]: r for r in rows}
    assert set(by_host) == {"esx0001", "esx0002"}
    assert "in lockdown mode (lockdownNormal)" in by_host["esx0002"]["error"]
    assert 'via = "api"' in by_host["esx0002"]["error"]
    assert by_host["esx0001"]["error"]  # SSH stopped: refused, said on its own row


def test_triage_reads_every_pane_of_hosts_only_vcenter_names(
    no_ssh_lab: Path, capsys: Any, tmp_path: Path
) -> None:
    """A profile of one vCenter: triage's LACP and checks read the hosts vCenter lists (they
    had said "no esxi targets" and left their findings out)."""
    code, data, err = run_cli(
        no_ssh_lab,
        "lab-vcenter",
        ["triage", "--json", "--all", "--source", "lacp", "--source", "checks"],
        capsys,
        tmp_path / "s",
    )
    assert not any("no esxi targets" in note for note in data["notes"]), data["notes"]
    by_source: dict[str, set[str]] = {}
    for finding in data["findings"]:
        by_source.setdefault(finding["source"], set()).add(finding["host"])
    # esx0003 is down; esx0020 may have left vCenter in an earlier test of this lab
    reachable = {f"esx{i:04d}" for i in range(1, 20)} - {"esx0003"}
    assert reachable <= by_source.get("checks", set()), by_source  # every host's checks read
    assert not by_source.get("lacp", set()) & reachable  # every LAG bundled: nothing to report
    (down,) = [u for u in data["unreadable"] if u["target"] == "esx0003"]
    assert {"lacp", "checks"} <= set(down["sources"])  # asked of, and said unreadable


async def test_a_host_that_leaves_vcenter_is_followed_live_and_not_probed(
    no_ssh_lab: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    """The last test on this lab: it removes esx0020 from vCenter (vcsim 0.24 implements no
    DisconnectHost, so leaving the inventory is the state change the lab can make; a host it
    adds never shows in its container views, so a joining host is tested without the lab)."""
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    from vconsole.config import load_config
    from vconsole.esx.lacp import status_command
    from vconsole.sessions.discovery import discover_profile
    from vconsole.sessions.esxcli_api import HostNotProbed
    from vconsole.sessions.host_watch import GONE, watch_hosts
    from vconsole.sessions.manager import SessionManager

    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "s"))
    manager = SessionManager(load_config(no_ssh_lab).profile("lab-vcenter"))
    seen: list[str] = []

    def changed(profile: Any) -> None:
        seen.append(profile.discovered_host("esx0020").connection_state)

    watch = None
    try:
        await discover_profile(manager)
        watch = asyncio.ensure_future(watch_hosts(manager, changed, max_wait_s=2))
        assert (await manager.run("esx0020", status_command())).exit == 0
        await asyncio.sleep(1.0)  # let the watch read the full state first (pacing, no assert)
        conn = await manager.vim("vcsa01")
        view = conn.content.viewManager.CreateContainerView(
            conn.content.rootFolder, [vim.HostSystem], True
        )
        host = next(h for h in view.view if h.name == "esx0020")
        await asyncio.to_thread(WaitForTask, host.Destroy_Task())
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.05)
        assert seen == [GONE]
        with pytest.raises(HostNotProbed, match="vCenter vcsa01 shows this host removed"):
            await manager.run("esx0020", status_command())
        assert (await manager.run("esx0019", status_command())).exit == 0
    finally:
        if watch is not None:
            watch.cancel()
            await asyncio.gather(watch, return_exceptions=True)
        await manager.close()
