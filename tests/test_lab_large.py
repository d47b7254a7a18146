"""A generated estate of 200 hosts and 5,000 VMs starts as one lab and answers on every side."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vconsole.lab.vcsim import vcsim_unavailable

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(
        bool(vcsim_unavailable()), reason=f"lab vCenter unavailable: {vcsim_unavailable()}"
    ),
]


@pytest.fixture(scope="module")
def large_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from vconsole.lab.runtime import LabRuntime
    from vconsole.lab.scenario import generate_scenario

    runtime = LabRuntime(generate_scenario(hosts=200, vms=5000), tmp_path_factory.mktemp("big"))
    runtime.start()
    yield runtime
    runtime.stop()


def _count(content: Any, kind: Any) -> int:
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
    try:
        return len(view.view)
    finally:
        view.Destroy()


def test_vcenter_holds_every_host_and_vm(large_lab: Any) -> None:
    from pyVim.connect import Disconnect, SmartConnect
    from pyVmomi import vim

    vc = large_lab.parts["vcsim"]
    si = SmartConnect(host=vc.host, port=vc.port, user=vc.user, pwd=vc.password, protocol="http")
    try:
        content = si.RetrieveContent()
        assert _count(content, vim.HostSystem) == 200
        assert _count(content, vim.VirtualMachine) == 5000
    finally:
        Disconnect(si)


async def test_every_esxi_host_answers_over_ssh(large_lab: Any, tmp_path: Path) -> None:
    from vconsole.config import Profile, TargetConfig
    from vconsole.secrets import SecretStore
    from vconsole.sessions import SessionManager
    from vconsole.tokens import Command

    esxi = large_lab.parts["esxi"]
    targets = tuple(
        TargetConfig(
            name,
            "esxi",
            address=host,
            port=port,
            user=esxi.user,
            host_key=esxi.host_key_fingerprint,
        )
        for name, (host, port) in sorted(esxi.endpoints.items())
    )
    environ = {f"VCONSOLE_PASSWORD_{t.name.upper()}": esxi.password for t in targets}
    mgr = SessionManager(
        Profile("big", targets),
        secrets=SecretStore("big", use_keyring=False, environ=environ),
        known_hosts_path=tmp_path / "known_hosts",
    )
    try:
        command = Command.of("esxcli", "network", "ip", "interface", "list")
        results = await mgr.fan_out(lambda t: mgr.run(t, command), [t.name for t in targets])
    finally:
        await mgr.close()
    assert len(results) == 200
    assert [r.target for r in results if not r.ok] == []
    assert all("Name: vmk1" in r.value.stdout for r in results)


async def test_one_vcenter_reaches_all_200_hosts_with_no_host_listed(
    large_lab: Any, tmp_path: Path
) -> None:
    from vconsole.config import Profile, TargetConfig
    from vconsole.hosts_config import HostsPolicy
    from vconsole.secrets import SecretStore
    from vconsole.services.lacp import LacpService
    from vconsole.sessions import SessionManager
    from vconsole.sessions.discovery import discover_profile

    vc = large_lab.parts["vcsim"]
    target = TargetConfig("vc", "vcenter", vc.host, port=vc.port, user=vc.user, protocol="http")
    mgr = SessionManager(
        Profile("vc-only", (target,), hosts=HostsPolicy(via="api")),
        secrets=SecretStore(
            "vc-only", use_keyring=False, environ={"VCONSOLE_PASSWORD_VC": vc.password}
        ),
    )
    try:
        found = await discover_profile(mgr)
        hosts = mgr.profile.names("esxi")
        report = await LacpService(mgr, hosts).refresh()
    finally:
        await mgr.close()
    assert found.problems == () and len(hosts) == 200
    assert [h.host for h in report.hosts if not h.ok] == []
    assert {r.host for r in report.rows if r.state == "Bundled"} == set(hosts)
