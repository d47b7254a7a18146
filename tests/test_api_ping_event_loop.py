"""Pings through vCenter sent from the event loop: the same answers as the worker-thread path
on the lab's real vCenter, the session's pinned certificate enforced on every new connection,
and HTTP/1.1 answers read whole however the server frames them."""

from __future__ import annotations

import asyncio
import gzip
import os
import ssl
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mtu_helpers import WAN_TARGETS, wan_scenario
from vcsim_helpers import needs_go

from vconsole.errors import CertificateMismatch
from vconsole.esx.api_calls import API_VERSION, esxcli_call
from vconsole.esx.api_ping import map_ping
from vconsole.esx.vmkping import VmkpingOutput, vmkping_command
from vconsole.sessions.esxcli_api import answer_from
from vconsole.vim import esxcli as wire
from vconsole.vim.async_soap import AsyncSoapPool
from vconsole.vim.soap import MoRef

SCENARIO = wan_scenario(per_site=1)
HOSTS = [h.name for h in SCENARIO.hosts]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The lab with its vCenter on HTTPS, its self-signed certificate pinned in the config."""
    from vconsole.lab.labfiles import write_lab_files
    from vconsole.lab.runtime import LabRuntime

    where = tmp_path_factory.mktemp("ping-loop")
    runtime = LabRuntime(SCENARIO, where, with_vcd=False, with_bitfusion=False, vcenter_tls=True)
    services = runtime.start()
    try:
        write_lab_files(
            where, services, scenario_name=SCENARIO.name, pid=os.getpid(), real_network=False
        )
        yield where / "lab.toml"
    finally:
        runtime.stop()


async def _manager(config: Path) -> Any:
    from vconsole.commands.common import resolve_profile
    from vconsole.sessions import SessionManager
    from vconsole.sessions.clisupport import with_hosts

    profile = await asyncio.to_thread(with_hosts, resolve_profile(str(config), "lab-vcenter"))
    return SessionManager(profile)


def _untimed(out: VmkpingOutput) -> VmkpingOutput:
    """Round trip times differ from one ping to the next; everything else must not."""
    replies = tuple(replace(r, time_ms=None) for r in out.replies)
    return replace(out, replies=replies, rtt_ms=None)


async def _over_threads(manager: Any, host: str, command: Any) -> VmkpingOutput:
    """The same ping the way every other esxcli call goes: pyVmomi's connection, in a thread."""
    vim = await manager.vim("vcsa01")
    moid = manager.profile.discovered_host(host).moid
    stub = vim.si._stub
    executer = await vim.call(wire.retrieve_executer, stub, MoRef("HostSystem", moid), None)
    call = esxcli_call(command)
    answer = await vim.call(
        wire.execute_soap, stub, executer, call.moid, API_VERSION, call.method_name, call.args
    )
    result = answer_from(call, answer, 0.0)
    return map_ping(result.records or (), result.fault)


PING = st.tuples(
    st.sampled_from(HOSTS),
    st.sampled_from(["vmk0", "vmk1", "vmk7"]),  # vmk7 does not exist: an esxcli fault
    st.sampled_from(WAN_TARGETS),
    st.integers(1100, 1600) | st.sampled_from([8972, 8973]),
    st.booleans(),
)


@pytest.mark.lab
@pytest.mark.timeout(600)
@needs_go
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pings=st.lists(PING, min_size=1, max_size=6))
def test_a_ping_from_the_event_loop_reads_as_the_worker_thread_path(
    lab: Path, pings: list[tuple[str, str, str, int, bool]]
) -> None:
    async def both() -> None:
        manager = await _manager(lab)
        try:
            commands = [
                (host, vmkping_command(t, size=size, vmk=vmk, count=1, wait_s=0.2, df=df))
                for host, vmk, t, size, df in pings
            ]
            # a host learns a path MTU from a hop's "fragmentation needed" and refuses larger
            # probes from then on: each path is taught first, so both ways see the same host
            for host, command in commands:
                await _over_threads(manager, host, command)
            loop = await asyncio.gather(*(manager.run(h, c) for h, c in commands))
            for (host, command), result in zip(commands, loop, strict=True):
                assert result.via == "api"
                seen = map_ping(result.records or (), result.fault)
                assert seen.recognised
                assert _untimed(seen) == _untimed(await _over_threads(manager, host, command))
            vim = await manager.vim("vcsa01")
            assert vim._pool is not None and vim._pool.opened >= 1  # the loop's own connections
            kept = list(vim._pool._idle)
        finally:
            await manager.close()  # the session is closed in a worker thread
        await asyncio.sleep(0.05)
        assert kept and all(stream.writer.is_closing() for stream in kept)

    asyncio.run(both())


@pytest.mark.lab
@pytest.mark.timeout(300)
@needs_go
async def test_a_certificate_other_than_the_pinned_one_is_refused_before_the_ping(
    lab: Path,
) -> None:
    manager = await _manager(lab)
    host = HOSTS[0]
    command = vmkping_command(WAN_TARGETS[0], size=1200, vmk="vmk0", count=1, wait_s=0.2)
    try:
        await manager.run(host, command)  # the session and the loop's pool, as pinned
        vim = await manager.vim("vcsa01")
        served = manager.profile.target("vcsa01").thumbprint
        assert manager.profile.target("vcsa01").protocol == "https" and served
        # The lab vCenter's real certificate is no longer the one the session trusts (a
        # replaced certificate, or another server on its address): new connections must fail.
        vim._pool.close()
        assert vim._pool.tls.session is not None  # the next connection resumes the session:
        vim._thumbprint = ":".join(["AB"] * 32)  # its certificate is checked all the same
        with pytest.raises(CertificateMismatch) as refused:
            await manager.run(host, command)
        assert refused.value.presented == served
        assert refused.value.pinned == vim._thumbprint
        assert vim._pool._idle == []  # the refused connection was closed, not kept
    finally:
        await manager.close()


# -- the HTTP/1.1 reading, against a loopback server framing its answers each way ------------


@pytest.fixture(scope="module")
def server_tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, str]:
    """A self-signed certificate's server context and its thumbprint."""
    from vconsole.lab.vcd.certs import ensure_certificate, server_context, thumbprint

    cert, key = ensure_certificate(tmp_path_factory.mktemp("framing-cert"))
    return server_context(cert, key), thumbprint(cert)


async def _serve(
    framing: str, encoding: str, answer: bytes, seen: list[bytes], tls: ssl.SSLContext | None
) -> Any:
    """A loopback HTTP/1.1 server answering every POST with `answer`, framed and encoded as
    asked; `close` framing ends each connection after its answer without saying so."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                size = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                seen.append(await reader.readexactly(size))
                body = answer
                extra = b""
                if encoding == "gzip":
                    body, extra = gzip.compress(answer), b"Content-Encoding: gzip\r\n"
                elif encoding == "deflate":
                    body, extra = zlib.compress(answer), b"Content-Encoding: deflate\r\n"
                if framing == "chunked":
                    parts = [body[i : i + 7] for i in range(0, len(body), 7)]
                    framed = b"".join(b"%x;x=1\r\n%s\r\n" % (len(p), p) for p in parts)
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n%s\r\n%s0\r\n\r\n"
                        % (extra, framed)
                    )
                elif framing == "eof":
                    writer.write(b"HTTP/1.0 500 Internal\r\n%s\r\n%s" % (extra, body))
                    await writer.drain()
                    break
                else:
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s"
                        % (len(body), extra, body)
                    )
                await writer.drain()
                if framing == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    framing=st.sampled_from(["length", "chunked", "eof", "close"]),
    encoding=st.sampled_from(["identity", "gzip", "deflate"]),
    answer=st.binary(max_size=300_000),
    request=st.binary(max_size=500),
    tls=st.booleans(),
)
def test_answers_are_read_whole_however_they_are_framed(
    server_tls: tuple[ssl.SSLContext, str],
    framing: str,
    encoding: str,
    answer: bytes,
    request: bytes,
    tls: bool,
) -> None:
    from vconsole.sessions.trust import tls_thumbprint, unverified_context

    certificates: list[str] = []

    async def exchange() -> None:
        seen: list[bytes] = []
        server = await _serve(framing, encoding, answer, seen, server_tls[0] if tls else None)
        port = server.sockets[0].getsockname()[1]
        client = unverified_context() if tls else None
        check = lambda der: certificates.append(tls_thumbprint(der))  # noqa: E731
        pool = AsyncSoapPool("127.0.0.1", port, "/sdk", client, check)
        try:
            for _ in range(3):
                status, data = await pool.post(request, {"SOAPAction": "urn:vim25/8.0"})
                assert (status, data) == (500 if framing == "eof" else 200, answer)
                await asyncio.sleep(0.01)  # a server-closed connection is seen as closed
        finally:
            pool.close()
            server.close()
            await server.wait_closed()
        assert seen == [request] * 3
        # kept-alive answers reuse one connection; closed ones open a new one per request
        assert pool.opened == (1 if framing in ("length", "chunked") else 3)
        # over TLS every new connection's certificate was shown to the check, none without
        assert certificates == ([server_tls[1]] * pool.opened if tls else [])

    asyncio.run(exchange())
