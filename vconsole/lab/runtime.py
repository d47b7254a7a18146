"""Starts and stops every part of the lab in one process: vcsim, ESXi hosts, Bitfusion, vCD.

The lab daemon (`vconsole lab start`) and the test fixtures both use this; each part is a real
server on loopback. A part that fails to start stops the ones already running.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vconsole.lab.scenario import Scenario

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabService:
    """One lab server as `lab status --json` shows it (lab credentials are throwaway)."""

    kind: str
    name: str
    user: str
    password: str
    url: str = ""
    host: str = ""
    port: int = 0
    thumbprint: str = ""
    host_key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name}
        if self.url:
            out["url"] = self.url
        else:
            out["host"] = self.host
            out["port"] = self.port
        out["user"] = self.user
        out["password"] = self.password
        out.update(self.pins())
        out.update(self.extra)
        return out

    def pins(self) -> dict[str, str]:
        """What a client pins to trust this server: its TLS thumbprint, its SSH host key."""
        pins = {"thumbprint": self.thumbprint, "host_key": self.host_key}
        return {key: value for key, value in pins.items() if value}


class LabRuntime:
    def __init__(
        self,
        scenario: Scenario,
        state_dir: Path,
        *,
        real_network: bool = False,
        with_vcsim: bool = True,
        with_vcd: bool = True,
        with_bitfusion: bool = True,
        vcenter_tls: bool = False,
    ):
        """`vcenter_tls`: the lab vCenter serves HTTPS with a self-signed certificate, pinned in
        the lab's config (plain HTTP by default, as the lab's other clients expect)."""
        self.scenario = scenario
        self.vcenter_tls = vcenter_tls
        self.state_dir = Path(state_dir)
        self.real_network = real_network
        self.with_vcsim = with_vcsim
        self.with_vcd = with_vcd
        self.with_bitfusion = with_bitfusion
        self.services: list[LabService] = []
        self.parts: dict[str, Any] = {}
        self.network: Any = None

    def start(self) -> list[LabService]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start_parts()
        except BaseException:
            self.stop()
            raise
        return self.services

    def _start_parts(self) -> None:
        if self.real_network:
            from vconsole.lab.netns import RealNetwork

            ok, why = RealNetwork.available()
            if not ok:
                raise RuntimeError(f"--real-network needs network namespaces: {why}")
            self.network = RealNetwork(
                self.scenario, prefix=f"vc{zlib.crc32(str(self.state_dir).encode()) % 10**6}"
            )
            self.network.setup()
        from vconsole.lab.esxi import EsxiLab

        esxi = EsxiLab(self.scenario, self.state_dir, real_network=self.network)
        esxi.start()
        self.parts["esxi"] = esxi
        for name, (host, port) in sorted(esxi.endpoints.items()):
            self.services.append(
                LabService(
                    kind="esxi",
                    name=name,
                    host=host,
                    port=port,
                    user=esxi.user,
                    password=esxi.password,
                    host_key=esxi.host_key_fingerprint,
                )
            )
        if self.with_vcsim:
            from vconsole.lab.vcsim import VcsimLab

            vc = VcsimLab(
                self.scenario,
                self.state_dir,
                agents=esxi.agents.urls(),
                agent_token=esxi.agents.token,
                tls=self.vcenter_tls,
            )
            vc.start()
            self.parts["vcsim"] = vc
            self.services.insert(
                0,
                LabService(
                    kind="vcenter",
                    name=self.scenario.vcenter_name,
                    url=vc.url,
                    user=vc.user,
                    password=vc.password,
                    thumbprint=vc.thumbprint,
                ),
            )
        if self.with_bitfusion and self.scenario.bitfusion.servers:
            try:
                from vconsole.lab.bitfusion_vm import BitfusionLab
            except ModuleNotFoundError:
                log.info("Bitfusion client VM is not part of this build")
            else:
                bf = BitfusionLab(self.scenario, self.state_dir)
                bf.start()
                self.parts["bitfusion"] = bf
                host, port = bf.endpoint
                self.services.append(
                    LabService(
                        kind="bitfusion",
                        name=self.scenario.bitfusion.client_vm,
                        host=host,
                        port=port,
                        user=bf.user,
                        password=bf.password,
                        host_key=bf.host_key_fingerprint,
                    )
                )
        if self.with_vcd and self.scenario.vcd.orgs:
            from vconsole.lab.vcd_server import VcdLab

            vcd = VcdLab(self.scenario, self.state_dir)
            vcd.start()
            self.parts["vcd"] = vcd
            self.services.append(vcd_service(vcd))

    def stop(self) -> None:
        for name in ("vcd", "bitfusion", "esxi", "vcsim"):
            part = self.parts.pop(name, None)
            if part is not None:
                try:
                    part.stop()
                except Exception:  # keep stopping the rest
                    log.exception("stopping lab part %s failed", name)
        if self.network is not None:
            self.network.teardown()
            self.network = None


def vcd_service(vcd: Any) -> LabService:
    """The `vcd01` entry of `lab.json`: the provider login and its API token (both throwaway)."""
    user, password = _system_admin(vcd.users)
    api_token = vcd.api_tokens.get(user)
    return LabService(
        kind="vcd",
        name="vcd01",
        url=vcd.url,
        user=user,
        password=password,
        thumbprint=vcd.thumbprint or "",
        extra={"api_token": api_token} if api_token else {},
    )


def _system_admin(users: Any) -> tuple[str, str]:
    """The provider login from the vCD lab's user table (`user@System` -> password)."""
    if isinstance(users, dict):
        for user, password in users.items():
            if str(user).lower().endswith("@system"):
                return str(user), str(password)
        user, password = next(iter(users.items()))
        return str(user), str(password)
    raise TypeError("VcdLab.users must map 'user@org' to a password")
