"""Shared parts for the inventory tests: lab vCenters started once per run, managers, a proxy.

`shared_lab()` keeps one simulator per scenario name for the whole pytest process (there is no
conftest to hold a session fixture), so every inventory test file reuses the same vCenter.
`DroppingProxy` is a real TCP forwarder that can cut the connection after N response bytes:
the network fault "vCenter drops mid-load", made deterministic.
"""

from __future__ import annotations

import atexit
import dataclasses
import socket
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from vcsim_helpers import DOWN_HOST, lab_scenario  # noqa: F401 (the inventory tests' scenario)

from vconsole.lab.scenario import Scenario, default_scenario
from vconsole.lab.vcsim import VcsimLab, go_toolchain_missing, lab_vms

_MISSING = go_toolchain_missing()
needs_vcsim = pytest.mark.skipif(_MISSING is not None, reason=f"lab vCenter: {_MISSING}")
_LABS: dict[str, VcsimLab] = {}


def second_scenario() -> Scenario:
    """A second, different vCenter for the merge tests: only the branch sites, renamed."""
    base = default_scenario()
    hosts = tuple(h for h in base.hosts if h.site != "HQ")
    sites = tuple(s for s in base.sites if s.name != "HQ")
    return dataclasses.replace(base, hosts=hosts, sites=sites, vcenter_name="vcsa02")


def shared_lab(name: str, scenario: Callable[[], Scenario]) -> VcsimLab:
    """One running simulator per `name` for the whole test process (stopped at exit)."""
    lab = _LABS.get(name)
    if lab is None or not lab.running:
        state = Path(tempfile.mkdtemp(prefix=f"vconsole-inv-{name}-"))
        lab = VcsimLab(scenario(), state).start()
        _LABS[name] = lab
        atexit.register(lab.stop)
    return lab


def default_lab_fixture() -> Any:
    """A module fixture `lab`: the shared lab vCenter on the default scenario, one host down."""

    @pytest.fixture(scope="module", name="lab")
    def lab() -> VcsimLab:
        return shared_lab("default", lab_scenario)

    return lab


VM_TOTAL = len(lab_vms(lab_scenario()))


def vc_target(lab: VcsimLab, name: str, port: int | None = None) -> Any:
    from vconsole.config import TargetConfig

    return TargetConfig(
        name,
        "vcenter",
        address=lab.host,
        port=port or lab.port,
        user=lab.user,
        protocol="http",
        timeout=10.0,
    )


def manager_for(tmp: Path, labs: dict[str, VcsimLab], ports: dict[str, int] | None = None) -> Any:
    """A real SessionManager on lab vCenters; passwords in memory only, audit under `tmp`."""
    from vconsole.audit import AuditLog
    from vconsole.config import Profile
    from vconsole.secrets import SecretStore
    from vconsole.sessions import SessionManager

    targets = tuple(vc_target(lab, name, (ports or {}).get(name)) for name, lab in labs.items())
    secrets = SecretStore("inventory-test", use_keyring=False)
    for name, lab in labs.items():
        secrets.remember(name, lab.password)
    return SessionManager(
        Profile("inventory-test", targets),
        secrets=secrets,
        audit=AuditLog(tmp / "audit.jsonl", redact=secrets.redact),
        known_hosts_path=tmp / "known_hosts",
    )


def pyvmomi_content(lab: VcsimLab) -> tuple[Any, Any]:
    """An independent pyVmomi session (the admin's other tool) for changes and cross-checks."""
    from pyVim.connect import SmartConnect

    si = SmartConnect(
        host=lab.host, port=lab.port, user=lab.user, pwd=lab.password, protocol="http"
    )
    return si, si.RetrieveContent()


class DroppingProxy:
    """Forwards 127.0.0.1:port to the lab; `drop_after(n)` cuts the next big answer after n bytes.

    Only answers larger than `n` are cut (logins and small calls pass), and only once per arm.
    `requests` holds every request it forwarded, whole, in the order answers began.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(32)
        self.port = int(self._server.getsockname()[1])
        self._cut_after: int | None = None
        self._cut_when: tuple[bytes, ...] = ()
        self.cuts = 0
        self.requests: list[bytes] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def drop_after(self, n: int | None, request_has: tuple[bytes, ...] = ()) -> None:
        """Cut the next answer after `n` bytes; with `request_has`, the next answer to a
        request holding all those bytes (one VM read among several, say)."""
        with self._lock:
            self._cut_after = n
            self._cut_when = request_has

    def close(self) -> None:
        self._closed = True
        self._server.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            request = bytearray()  # the last request on this connection
            for args in ((client, upstream, False, request), (upstream, client, True, request)):
                threading.Thread(target=self._pipe, args=args, daemon=True).start()

    def _pipe(
        self, src: socket.socket, dst: socket.socket, answers: bool, request: bytearray
    ) -> None:
        sent = 0
        chosen = True
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if not answers:
                    if data.startswith(b"POST"):
                        request.clear()
                    request.extend(data)
                else:
                    if data.startswith(b"HTTP/1.1"):
                        sent = 0
                        with self._lock:
                            chosen = all(m in request for m in self._cut_when)
                            self.requests.append(bytes(request))
                    # Test and disarm in one step: answers on two connections may cross
                    # the limit at the same moment, and only one of them is cut per arm.
                    with self._lock:
                        limit = self._cut_after if chosen else None
                        cut = limit is not None and sent + len(data) > limit
                        if cut:
                            self._cut_after = None
                            self.cuts += 1
                    if cut and limit is not None:
                        dst.sendall(data[: max(0, limit - sent)])
                        break
                    sent += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


def vm_answer_bytes(lab: VcsimLab) -> int:
    """Size of the full VM answer (RetrievePropertiesEx over all VMs), to cut it part-way."""
    return len(vm_answer(lab))


def vm_answer(lab: VcsimLab) -> bytes:
    """The full VM answer (RetrievePropertiesEx over all VMs) as the lab vCenter writes it."""
    from vconsole.services.inventory_specs import VM_SPECS, VM_TYPES
    from vconsole.vim import soap, transport

    si, content = pyvmomi_content(lab)
    stub = si._stub
    collector = soap.MoRef("PropertyCollector", content.propertyCollector._moId)
    views = soap.MoRef("ViewManager", content.viewManager._moId)
    root = soap.MoRef("Folder", content.rootFolder._moId)
    view = transport.post(stub, soap.create_container_view(views, root, VM_TYPES)).returned
    assert view is not None
    conn = stub.GetConnection()
    body = soap.retrieve_properties_ex(collector, view, VM_SPECS, None)
    conn.request("POST", stub.path, body, {"Cookie": transport.session_cookie(stub)})
    data = conn.getresponse().read()
    conn.close()
    return data
