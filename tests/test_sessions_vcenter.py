"""vCenter sessions against a real vcsim (govmomi simulator) on loopback."""

from __future__ import annotations

import pytest
from sessions_helpers import accept_all, make_manager, running_vcsim

from vconsole.config import TargetConfig
from vconsole.errors import (
    AuthFailed,
    CertificateMismatch,
    ReadOnlyRefused,
    TargetUnreachable,
    UnknownCertificate,
)
from vconsole.sessions import Health


def vc_target(server, name="vc01", **options):
    values = dict(
        name=name,
        kind="vcenter",
        address="127.0.0.1",
        port=server.port,
        user=server.user,
        protocol="http",
        timeout=10.0,
    )
    values.update(options)
    return TargetConfig(**values)


@pytest.fixture(scope="module")
def vcsim():
    with running_vcsim() as server:
        yield server


def about(content):
    return content.about.apiType


async def test_connect_and_call_in_executor(vcsim, tmp_path):
    mgr = make_manager(tmp_path, [vc_target(vcsim)], passwords={"vc01": vcsim.password})
    vim = await mgr.vim("vc01")
    assert await vim.call(about, vim.content) == "VirtualCenter"
    hosts = await vim.call(
        lambda: vim.content.viewManager.CreateContainerView(vim.content.rootFolder, [], True).view
    )
    assert len(hosts) > 0
    assert mgr.states()["vc01"].health == Health.OK
    assert await mgr.vim("vc01") is vim  # reused, not reconnected
    await mgr.close()


async def test_connections_of_a_wide_burst_stay_pooled_for_the_next(vcsim, tmp_path):
    """More calls in flight than pyVmomi's default pool of 5 (a round of an MTU matrix): each
    connection goes back to the pool, so the next round opens none, and a call still works."""
    mgr = make_manager(tmp_path, [vc_target(vcsim)], passwords={"vc01": vcsim.password})
    vim = await mgr.vim("vc01")
    stub = vim.si._stub
    held = [stub.GetConnection() for _ in range(40)]
    for conn in held:
        stub.ReturnConnection(conn)
    assert len(stub.pool) == 40
    again = [stub.GetConnection() for _ in range(40)]
    assert {id(c) for c in again} == {id(c) for c in held}
    for conn in again:
        stub.ReturnConnection(conn)
    assert await vim.call(about, vim.content) == "VirtualCenter"
    await mgr.close()


async def test_wrong_password_is_auth_failed_without_the_password(vcsim, tmp_path):
    mgr = make_manager(tmp_path, [vc_target(vcsim)], passwords={"vc01": "not-the-password-77"})
    with pytest.raises(AuthFailed) as info:
        await mgr.vim("vc01")
    assert "not-the-password-77" not in str(info.value)
    assert mgr.states()["vc01"].health == Health.DOWN
    await mgr.close()


async def test_read_only_refuses_mutating_vim_call_before_io(vcsim, tmp_path):
    mgr = make_manager(
        tmp_path, [vc_target(vcsim)], read_only=True, passwords={"vc01": vcsim.password}
    )
    vim = await mgr.vim("vc01")
    calls = []
    with pytest.raises(ReadOnlyRefused):
        await vim.call(lambda: calls.append(1), mutating=True, what="UpdateDVSLacpGroupConfig")
    assert calls == []
    assert mgr.audit.read()[-1].outcome.startswith("refused")
    await mgr.close()


async def test_vcenter_restart_is_survived_by_the_next_call(tmp_path):
    with running_vcsim() as server:
        mgr = make_manager(tmp_path, [vc_target(server)], passwords={"vc01": server.password})
        vim = await mgr.vim("vc01")
        root = vim.content.rootFolder
        assert await vim.call(lambda: root.name)  # a managed object obtained before the restart
        server.stop()
        with pytest.raises(TargetUnreachable):
            await vim.call(lambda: root.childEntity)
        assert mgr.states()["vc01"].health == Health.DOWN
        server.start()
        # The next call logs in again on the same stub; the old managed object still works.
        children = await vim.call(lambda: root.childEntity)
        assert len(children) >= 1
        assert mgr.states()["vc01"].health == Health.OK
        await mgr.close()


async def test_self_signed_vcenter_is_pinned_after_confirmation(tmp_path):
    with running_vcsim(tls=True) as server:
        refused = make_manager(
            tmp_path, [vc_target(server, protocol="https")], passwords={"vc01": server.password}
        )
        with pytest.raises(UnknownCertificate) as info:
            await refused.vim("vc01")
        thumbprint = info.value.thumbprint
        await refused.close()

        pins = []
        mgr = make_manager(
            tmp_path,
            [vc_target(server, protocol="https")],
            passwords={"vc01": server.password},
            confirm=accept_all,
            on_pin=lambda profile, name, tp: pins.append(tp),
        )
        vim = await mgr.vim("vc01")
        assert pins == [thumbprint]
        assert await vim.call(about, vim.content) == "VirtualCenter"
        await mgr.close()

        wrong = ":".join(["00"] * 32)
        pinned_wrong = make_manager(
            tmp_path,
            [vc_target(server, protocol="https", thumbprint=wrong)],
            passwords={"vc01": server.password},
        )
        with pytest.raises(CertificateMismatch):
            await pinned_wrong.vim("vc01")
        await pinned_wrong.close()
