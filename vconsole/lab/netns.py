"""Real network paths for the lab (Linux, root): namespaces, veth pairs and a real `ping -M do`.

Every address of the scenario exists only inside namespaces made here; none of them is linked
to the root namespace, so no probe can leave the lab. `netns_plan` holds the layout,
`netns_build` the commands, `netns_ping` how Linux ping output becomes vmkping output.

MTU behaviour, as a vmkping user meets it:
- payload + 28 above the vmk's MTU: the kernel refuses to send (`Message too long`).
- above a branch's `wan_mtu`: the router answers ICMP "fragmentation needed"; the host learns
  the path MTU (kept for the kernel's usual 10 minutes), so later probes fail locally.
- above `wan_mtu` on an `icmp_blackhole` site: the router's "fragmentation needed" is dropped
  on its way out (tc: an HTB class with a zero-length pfifo, chosen by a u32 match on ICMP
  type 3 code 4; neither nft nor iptables is assumed), so the probe vanishes.
- routed into a LAN whose members all have a smaller MTU: that LAN's gateway answers
  "fragmentation needed" like a WAN router.
- above a receiver's own MTU on its LAN: the veth drops it silently (Linux lets frames up to
  MTU + 4 through, the VLAN allowance).
Site latency is not applied: the kernels here have no netem.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import subprocess
import sys
import time

from vconsole.lab.netns_build import (
    ENV,
    blackhole_drops,
    build,
    cleanup_stale,
    delete_namespaces,
    list_namespaces,
    run,
)
from vconsole.lab.netns_ping import PingEvidence, parse_linux_ping, render_vmkping
from vconsole.lab.netns_plan import NetnsError, NetnsPlan, check_prefix, plan_network
from vconsole.lab.scenario import Scenario

__all__ = ["NetnsError", "RealNetwork", "UnsupportedProbe", "cleanup_stale", "list_namespaces"]


class UnsupportedProbe(NetnsError):
    """A probe the namespaces do not model (IPv6); the caller falls back to the scenario model."""


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


class RealNetwork:
    """A scenario's hosts, routers and targets as namespaces, with real MTUs on every link.

    `prefix` (1-16 letters/digits) starts every namespace name, so parallel labs never clash
    and teardown removes exactly this lab's namespaces.
    """

    cleanup_stale = staticmethod(cleanup_stale)

    def __init__(self, scenario: Scenario, prefix: str) -> None:
        self.scenario = scenario
        self.prefix = check_prefix(prefix)
        self.plan: NetnsPlan = plan_network(scenario, prefix)
        self.timings: dict[str, float] = {}
        self._up = False

    @staticmethod
    def available() -> tuple[bool, str]:
        """Whether namespaces can be built here; when not, the reason for a skip or an error."""
        if not sys.platform.startswith("linux"):
            return False, f"network namespaces need Linux (this is {sys.platform})"
        if os.geteuid() != 0:
            return False, "network namespaces need root"
        for tool in ("ip", "ping", "tc"):
            if shutil.which(tool, path=ENV["PATH"]) is None:
                return False, f"`{tool}` is not installed (iproute2 / iputils-ping)"
        probe = f"vcprobe{os.getpid()}-check"
        try:
            run(["ip", "netns", "add", probe], timeout=10)
        except NetnsError as exc:
            return False, f"`ip netns add` is refused here: {exc}"
        try:
            delete_namespaces([probe])
        except (NetnsError, subprocess.TimeoutExpired) as exc:
            return False, f"`ip netns delete` failed: {exc}"
        return True, ""

    def setup(self) -> None:
        """Build every namespace, link, address, route and black hole; all or nothing.

        Leftovers with this prefix (a lab that died) are removed first.
        """
        started = time.monotonic()
        cleanup_stale(self.prefix)
        self._up = True
        try:
            build(self.plan)
        except BaseException:
            self.teardown()
            raise
        self.timings["setup_s"] = time.monotonic() - started

    def teardown(self) -> None:
        """Remove every namespace of this prefix (and with them every veth); safe to repeat."""
        started = time.monotonic()
        ours = set(self.plan.namespaces)
        present = [n for n in list_namespaces() if n in ours or n.startswith(f"{self.prefix}-")]
        delete_namespaces(present)
        self._up = False
        self.timings["teardown_s"] = time.monotonic() - started

    def __enter__(self) -> RealNetwork:
        self.setup()
        return self

    def __exit__(self, *exc: object) -> None:
        self.teardown()

    def namespace_of(self, host: str) -> str:
        try:
            return self.plan.host_ns[host]
        except KeyError:
            raise NetnsError(f"host {host!r} is not in scenario {self.scenario.name!r}") from None

    def flush_pmtu(self, host: str) -> None:
        """Forget the path MTUs `host` learned from routers (as if their 10 minutes ran out)."""
        run(["ip", "-n", self.namespace_of(host), "route", "flush", "cache"])

    def frag_needed_drops(self) -> dict[str, int]:
        """Router namespace -> ICMP frag-needed errors its black hole has swallowed so far."""
        return blackhole_drops(self.plan)

    # -- probes -------------------------------------------------------------------------------

    def probe(
        self,
        host: str,
        vmk: str,
        target_ip: str,
        payload: int,
        df: bool = True,
        count: int = 3,
        wait_s: float = 1.0,
        *,
        interval_s: float | None = None,
        family: int = 4,
    ) -> PingEvidence:
        """One real ping from `host`'s vmk, read back (replies, frag-needed, local errors)."""
        if self._unknown_vmk(host, vmk):
            raise NetnsError(f"host {host} has no {vmk}")
        argv, bound = self._ping_argv(
            host, vmk, target_ip, payload, df, count, wait_s, interval_s, family
        )
        try:
            proc = subprocess.run(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=bound,
                env=ENV,
                check=False,
            )
            output = proc.stdout
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout
            output = out.decode(errors="replace") if isinstance(out, bytes) else (out or "")
        return parse_linux_ping(output, target_ip, payload)

    def ping(
        self,
        host: str,
        vmk: str,
        target_ip: str,
        payload: int,
        df: bool = True,
        count: int = 3,
        wait_s: float = 1.0,
        *,
        interval_s: float | None = None,
        family: int = 4,
    ) -> tuple[str, str, int]:
        """vmkping's (stdout, stderr, exit status) for `vmkping [-d] -s payload -I vmk target`."""
        if self._unknown_vmk(host, vmk):
            return "", f"Unknown interface '{vmk}': Invalid argument\n", 1
        evidence = self.probe(
            host, vmk, target_ip, payload, df, count, wait_s, interval_s=interval_s, family=family
        )
        return render_vmkping(evidence)

    async def ping_async(
        self,
        host: str,
        vmk: str,
        target_ip: str,
        payload: int,
        df: bool = True,
        count: int = 3,
        wait_s: float = 1.0,
        *,
        interval_s: float | None = None,
        family: int = 4,
    ) -> tuple[str, str, int]:
        """`ping` without blocking the event loop (the ping runs as a child process)."""
        if self._unknown_vmk(host, vmk):
            return "", f"Unknown interface '{vmk}': Invalid argument\n", 1
        argv, bound = self._ping_argv(
            host, vmk, target_ip, payload, df, count, wait_s, interval_s, family
        )
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=ENV
        )
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), bound)
        except asyncio.TimeoutError:
            proc.kill()
            out, _ = await proc.communicate()
        return render_vmkping(parse_linux_ping(out.decode(errors="replace"), target_ip, payload))

    def _unknown_vmk(self, host: str, vmk: str) -> bool:
        self.namespace_of(host)
        return self.scenario.host(host).vmk(vmk) is None

    def _ping_argv(
        self,
        host: str,
        vmk: str,
        target_ip: str,
        payload: int,
        df: bool,
        count: int,
        wait_s: float,
        interval_s: float | None,
        family: int,
    ) -> tuple[list[str], float]:
        """`ip netns exec NS ping -M do ... -I vmkN target`, and how long it may take at most.

        `-I vmkN` binds to the interface, so the probe leaves through that vmk whatever the
        routing table prefers, as ESXi's `-I` does ("bypasses routing lookup").
        """
        if not self._up:
            raise NetnsError("the lab network is not set up (call setup() first)")
        ns = self.namespace_of(host)
        try:
            target = ipaddress.ip_address(target_ip)
        except ValueError:
            raise NetnsError(f"target_ip {target_ip!r} is not an IP address") from None
        if family != 4 or target.version != 4:
            raise UnsupportedProbe("IPv6 paths are not built in the namespaces; use the model")
        if not 0 <= payload <= 65507:
            raise NetnsError(f"payload {payload} is outside 0..65507 bytes")
        if not 1 <= count <= 100:
            raise NetnsError(f"count {count} is outside 1..100")
        if not 0.01 <= wait_s <= 60:
            raise NetnsError(f"wait_s {wait_s} is outside 0.01..60 seconds")
        if interval_s is not None and not 0 <= interval_s <= 60:
            raise NetnsError(f"interval_s {interval_s} is outside 0..60 seconds")
        argv = ["ip", "netns", "exec", ns, "ping", "-n", "-M", "do" if df else "dont"]
        argv += ["-s", str(payload), "-c", str(count), "-W", _seconds(wait_s)]
        if interval_s is not None:
            argv += ["-i", _seconds(interval_s)]
        argv += ["-I", vmk, str(target)]
        bound = count * (interval_s if interval_s is not None else 1.0) + wait_s + 5.0
        return argv, bound
