"""The lab's real network paths: namespaces, real MTUs, a silent black hole, vmkping output.

The plan and the output translation are checked everywhere; the namespace tests need root and
`ip netns` (they skip with `RealNetwork.available()`'s reason). Every probe runs inside the
lab's own namespaces, with a few packets and a one-second wait.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess

import pytest

from vconsole.lab.netns import RealNetwork, UnsupportedProbe
from vconsole.lab.netns_ping import parse_linux_ping, render_vmkping
from vconsole.lab.netns_plan import NetnsError, plan_network
from vconsole.lab.scenario import ExtraTarget, default_scenario

PREFIX = f"vt{os.getpid()}"
VCENTER = "10.0.10.5"
FAST = {"count": 2, "wait_s": 1.0, "interval_s": 0.2}

# Reference §4 regexes (vmkping.md), the shapes ESXi prints.
HEADER = re.compile(r"^PING (\S+) \((\S+)\): (\d+) data bytes$")
REPLY = re.compile(r"^(\d+) bytes from ([\d.]+): icmp_seq=(\d+) ttl=(\d+) time=([\d.]+) ms$")
STATS = re.compile(r"^(\d+) packets transmitted, (\d+) packets received, (\d+)% packet loss$")
RTT = re.compile(r"^round-trip min/avg/max = [\d.]+/[\d.]+/[\d.]+ ms$")


def _ns_list() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10)
    return [line.split()[0] for line in out.stdout.splitlines() if line.strip()]


def _body(stdout: str) -> list[str]:
    """The lines between the header and the blank line before the statistics."""
    lines = stdout.split("\n")
    assert HEADER.match(lines[0]), lines[0]
    return lines[1 : lines.index("")]


def _stats(stdout: str) -> tuple[int, int, int]:
    m = next(STATS.match(line) for line in stdout.splitlines() if STATS.match(line))
    return int(m[1]), int(m[2]), int(m[3])


# -- plan and translation (no root needed) ---------------------------------------------------


def test_plan_for_default_scenario_names_and_links() -> None:
    plan = plan_network(default_scenario(), "vc1")
    assert all(ns.startswith("vc1-") for ns in plan.namespaces)
    assert len(plan.namespaces) == 13  # 8 hosts, 2 targets, HQ core + 2 branch routers
    wans = {w.site: (w.mtu, w.blackhole) for w in plan.wans}
    assert wans == {"AKL": (1400, False), "WLG": (1280, True)}
    akl01 = {p.ifname: p for p in plan.ports if p.ns == plan.host_ns["esx-akl-01"]}
    assert str(akl01["vmk0"].address) == "10.1.10.11/24" and akl01["vmk0"].mtu == 1500
    assert str(akl01["vmk1"].gateway) == "192.168.101.254" and akl01["vmk1"].mtu == 9000


@pytest.mark.parametrize("bad", ["vc-1", "", "a" * 17, "vc 1"])
def test_prefix_must_be_letters_and_digits(bad: str) -> None:
    with pytest.raises(NetnsError, match="prefix"):
        plan_network(default_scenario(), bad)


def test_overlapping_subnets_across_sites_are_refused() -> None:
    sc = default_scenario()
    clash = ExtraTarget(name="array", ip="10.1.10.200", site="HQ")
    with pytest.raises(NetnsError, match=r"10\.1\.10\.0/24.*overlaps"):
        plan_network(dataclasses.replace(sc, targets=(*sc.targets, clash)), "vc1")


def test_vmk_names_that_cannot_name_an_interface_are_refused() -> None:
    sc = default_scenario()
    host = sc.hosts[0]
    bad = dataclasses.replace(host.vmks[0], name="vmk0; reboot")
    broken = dataclasses.replace(host, vmks=(bad, *host.vmks[1:]))
    with pytest.raises(NetnsError, match="cannot name an interface"):
        plan_network(dataclasses.replace(sc, hosts=(broken, *sc.hosts[1:])), "vc1")


# Verbatim iputils 20221126 output from two namespaces (stdout, then stderr; a first ping
# while ARP was still resolving, hence the slow replies).
LINUX_OK = """PING 10.9.2.5 (10.9.2.5) from 10.9.1.11 vmk0: 1372(1400) bytes of data.
1380 bytes from 10.9.2.5: icmp_seq=1 ttl=63 time=1011 ms
1380 bytes from 10.9.2.5: icmp_seq=2 ttl=63 time=808 ms

--- 10.9.2.5 ping statistics ---
2 packets transmitted, 2 received, 0% packet loss, time 203ms
rtt min/avg/max/mdev = 807.779/909.140/1010.501/101.361 ms, pipe 2
"""
LINUX_FRAG = """PING 10.9.2.5 (10.9.2.5) from 10.9.1.11 vmk0: 1373(1401) bytes of data.
From 10.9.1.254 icmp_seq=1 Frag needed and DF set (mtu = 1400)

--- 10.9.2.5 ping statistics ---
3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 405ms

ping: local error: message too long, mtu=1400
ping: local error: message too long, mtu=1400
"""


def test_linux_replies_become_esxi_reply_lines() -> None:
    out, err, code = render_vmkping(parse_linux_ping(LINUX_OK, "10.9.2.5", 1372))
    assert out.split("\n") == [
        "PING 10.9.2.5 (10.9.2.5): 1372 data bytes",
        "1380 bytes from 10.9.2.5: icmp_seq=0 ttl=63 time=1011.000 ms",
        "1380 bytes from 10.9.2.5: icmp_seq=1 ttl=63 time=808.000 ms",
        "",
        "--- 10.9.2.5 ping statistics ---",
        "2 packets transmitted, 2 packets received, 0% packet loss",
        "round-trip min/avg/max = 807.779/909.140/1010.501 ms",
        "",
        "",
    ]
    assert (err, code) == ("", 0)


def test_frag_needed_prints_nothing_and_later_probes_fail_locally() -> None:
    ev = parse_linux_ping(LINUX_FRAG, "10.9.2.5", 1373)
    assert ev.frag_needed == (("10.9.1.254", 1400),) and ev.too_long == 2
    out, _, code = render_vmkping(ev)
    assert _body(out) == ["sendto() failed (Message too long)"] * 2
    assert _stats(out) == (3, 0, 100) and code == 1
    assert "Frag" not in out and "round-trip" not in out


# -- real namespaces -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def net():  # type: ignore[no-untyped-def]
    ok, why = RealNetwork.available()
    if not ok:
        pytest.skip(why)
    network = RealNetwork(default_scenario(), PREFIX)
    network.setup()
    try:
        yield network
    finally:
        network.teardown()
        assert not [n for n in _ns_list() if n.startswith(f"{PREFIX}-")]


@pytest.mark.netns
def test_wan_mtu_1400_passes_1372_and_refuses_1373(net: RealNetwork) -> None:
    out, _, code = net.ping("esx-akl-01", "vmk0", VCENTER, 1372, **FAST)
    body = _body(out)
    assert code == 0 and len(body) == 2
    m = REPLY.match(body[0])
    assert m and m[1] == "1380" and m[2] == VCENTER and m[3] == "0"
    assert _stats(out) == (2, 2, 0) and any(RTT.match(x) for x in out.splitlines())

    net.flush_pmtu("esx-akl-01")
    ev = net.probe("esx-akl-01", "vmk0", VCENTER, 1373, **FAST)
    assert ev.received == 0 and ev.frag_needed == (("10.1.10.254", 1400),)
    out, _, code = render_vmkping(ev)
    assert code == 1 and _body(out) == ["sendto() failed (Message too long)"]
    # The learned path MTU stays: the next run fails locally on every probe.
    out, _, _ = net.ping("esx-akl-01", "vmk0", VCENTER, 1373, **FAST)
    assert _body(out) == ["sendto() failed (Message too long)"] * 2


@pytest.mark.netns
def test_blackhole_wan_swallows_oversize_without_any_icmp_error(net: RealNetwork) -> None:
    before = net.frag_needed_drops()
    ev = net.probe("esx-wlg-01", "vmk0", VCENTER, 1253, **FAST)
    assert ev.received == 0 and ev.frag_needed == () and ev.too_long == 0
    assert "Frag needed" not in ev.linux_output
    out, _, code = render_vmkping(ev)
    assert _body(out) == [] and _stats(out) == (2, 0, 100) and code == 1
    after = net.frag_needed_drops()
    wlg = net.plan.router_ns["WLG"]
    assert after[wlg] > before[wlg], "the WLG router refused the packet and its error was dropped"
    out, _, code = net.ping("esx-wlg-01", "vmk0", VCENTER, 1252, **FAST)
    assert code == 0 and _stats(out) == (2, 2, 0)
    # Without -d the router fragments, so the same oversize probe comes back.
    out, _, code = net.ping("esx-wlg-01", "vmk0", VCENTER, 1472, df=False, **FAST)
    assert code == 0 and _stats(out) == (2, 2, 0)


@pytest.mark.netns
def test_blackhole_also_holds_towards_the_branch(net: RealNetwork) -> None:
    ev = net.probe("esx-hq-01", "vmk0", "10.2.10.11", 1253, **FAST)
    assert ev.received == 0 and ev.frag_needed == () and ev.too_long == 0
    out, _, _ = net.ping("esx-hq-01", "vmk0", "10.2.10.11", 1252, **FAST)
    assert _stats(out) == (2, 2, 0)


@pytest.mark.netns
def test_payload_over_the_vmk_mtu_is_message_too_long(net: RealNetwork) -> None:
    out, err, code = net.ping("esx-akl-01", "vmk0", "10.1.10.12", 1473, **FAST)
    assert _body(out) == ["sendto() failed (Message too long)"] * 2
    assert _stats(out) == (2, 0, 100) and (err, code) == ("", 1)
    out, _, code = net.ping("esx-akl-01", "vmk0", "10.1.10.12", 1472, **FAST)
    assert code == 0 and _stats(out) == (2, 2, 0)


@pytest.mark.netns
def test_same_site_jumbo_on_the_vsan_vmks(net: RealNetwork) -> None:
    out, _, code = net.ping("esx-akl-01", "vmk1", "192.168.101.12", 8972, **FAST)
    assert code == 0 and _stats(out) == (2, 2, 0)
    assert REPLY.match(_body(out)[0])[1] == "8980"  # type: ignore[index]
    out, _, _ = net.ping("esx-akl-01", "vmk1", "192.168.101.12", 8973, **FAST)
    assert _body(out) == ["sendto() failed (Message too long)"] * 2


@pytest.mark.netns
async def test_ping_async_and_refusals(net: RealNetwork) -> None:
    out, _, code = await net.ping_async("esx-hq-01", "vmk1", "10.0.20.12", 8972, **FAST)
    assert code == 0 and _stats(out) == (2, 2, 0)
    assert net.ping("esx-hq-01", "vmk9", VCENTER, 56) == (
        "",
        "Unknown interface 'vmk9': Invalid argument\n",
        1,
    )
    with pytest.raises(UnsupportedProbe):
        net.ping("esx-hq-01", "vmk0", "fe80::1", 56, family=6)
    with pytest.raises(NetnsError, match="host 'esx-nope'"):
        net.ping("esx-nope", "vmk0", VCENTER, 56)


@pytest.mark.netns
def test_teardown_removes_exactly_our_namespaces() -> None:
    ok, why = RealNetwork.available()
    if not ok:
        pytest.skip(why)
    prefix, other = f"{PREFIX}td", f"{PREFIX}tdx"
    subprocess.run(["ip", "netns", "add", f"{other}-h-keep"], check=True, timeout=10)
    subprocess.run(["ip", "netns", "add", f"{prefix}-h-stale"], check=True, timeout=10)
    try:
        network = RealNetwork(default_scenario(), prefix)
        network.setup()  # removes the stale leftover first
        ours = [n for n in _ns_list() if n.startswith(f"{prefix}-")]
        assert sorted(ours) == sorted(network.plan.namespaces)
        network.teardown()
        network.teardown()  # idempotent
        assert not [n for n in _ns_list() if n.startswith(f"{prefix}-")]
        assert f"{other}-h-keep" in _ns_list()
        with pytest.raises(NetnsError, match="not set up"):
            network.ping("esx-akl-01", "vmk0", VCENTER, 56)
    finally:
        RealNetwork.cleanup_stale(other)
        RealNetwork.cleanup_stale(prefix)
    assert not [n for n in _ns_list() if n.startswith((f"{prefix}-", f"{other}-"))]
