"""Turns a `NetnsPlan` into `ip`/`tc` commands, and the few system calls around them.

Commands go in batches (`ip -batch`, `ip -n NS -batch`, `tc -n NS -batch`) so a whole lab costs
a few dozen process starts, not hundreds. Links are created straight inside their namespaces
(`ip link add ... netns A type veth peer ... netns B`): nothing ever appears in the root one.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable

from vconsole.lab.netns_plan import NetnsError, NetnsPlan, check_prefix

CMD_TIMEOUT_S = 60.0
_PARALLEL = 16  # namespaces configured at once
ENV = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "LC_ALL": "C"}

# Every namespace: no IPv6 chatter, no reverse-path filter (each vmk has its own default route,
# so a reply may arrive on a vmk that is not the best route back). Routers forward, others not.
_SYSCTLS = (
    "net/ipv6/conf/all/disable_ipv6=1",
    "net/ipv6/conf/default/disable_ipv6=1",
    "net/ipv4/conf/all/rp_filter=0",
    "net/ipv4/conf/default/rp_filter=0",
)
_ICMP_FRAG_NEEDED = (
    "match u8 0x45 0xff at 0 match u8 1 0xff at 9 match u8 3 0xff at 20 match u8 4 0xff at 21"
)


def run(argv: list[str], stdin: str = "", timeout: float = CMD_TIMEOUT_S) -> str:
    try:
        proc = subprocess.run(
            argv, input=stdin, capture_output=True, text=True, timeout=timeout, env=ENV,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise NetnsError(f"{' '.join(argv[:4])} did not finish in {timeout:.0f} s") from exc
    except OSError as exc:
        raise NetnsError(f"cannot run {argv[0]}: {exc.strerror}") from exc
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[:3]
        raise NetnsError(f"{' '.join(argv[:5])} failed: {' | '.join(detail)}")
    return proc.stdout


def batch(argv: list[str], lines: Iterable[str]) -> None:
    text = "".join(f"{line}\n" for line in lines)
    if text:
        run([*argv, "-batch", "-"], stdin=text)


NETNS_DIR = "/run/netns"  # where `ip netns add` pins named namespaces (what `ip netns list` reads)


def list_namespaces() -> list[str]:
    """Named namespaces; read from the directory, since `ip netns list` prints errors (and may
    fail) while the kernel is still tearing a deleted namespace down."""
    try:
        return sorted(os.listdir(NETNS_DIR))
    except FileNotFoundError:
        return []


def delete_namespaces(names: Iterable[str]) -> None:
    names = list(names)
    if not names:
        return
    proc = subprocess.run(
        ["ip", "-force", "-batch", "-"], input="".join(f"netns delete {n}\n" for n in names),
        capture_output=True, text=True, timeout=CMD_TIMEOUT_S, env=ENV, check=False,
    )  # fmt: skip
    left = set(names) & set(list_namespaces())
    if left:
        raise NetnsError(f"could not delete namespaces {sorted(left)}: {proc.stderr.strip()}")


def cleanup_stale(prefix: str) -> list[str]:
    """Delete every namespace named `<prefix>-...` (leftovers of a lab that did not stop)."""
    check_prefix(prefix)
    stale = [n for n in list_namespaces() if n.startswith(f"{prefix}-")]
    delete_namespaces(stale)
    return stale


def build(plan: NetnsPlan) -> None:
    """Create the namespaces, then their settings, links, addresses, routes and black holes."""
    batch(["ip"], (f"netns add {ns}" for ns in plan.namespaces))
    _sysctls(plan)
    links = [
        f"link add {p.ifname} netns {p.ns} type veth peer name {p.router_ifname} netns {p.router_ns}"
        for p in plan.ports
    ] + [
        f"link add {w.site_ifname} netns {w.site_ns} type veth peer name {w.core_ifname} netns {w.core_ns}"
        for w in plan.wans
    ]  # fmt: skip
    batch(["ip"], links)
    for ns, lines in ip_lines(plan).items():
        batch(["ip", "-n", ns], lines)
    for ns, lines in blackhole_lines(plan).items():
        batch(["tc", "-n", ns], lines)


def _sysctls(plan: NetnsPlan) -> None:
    """Before any link exists, so `default` values reach every interface made afterwards."""
    routers = set(plan.router_ns.values()) | {plan.core_ns}
    failed: list[str] = []
    names = list(plan.namespaces)
    for start in range(0, len(names), _PARALLEL):
        procs = []
        for ns in names[start : start + _PARALLEL]:
            writes = [*_SYSCTLS, f"net/ipv4/ip_forward={1 if ns in routers else 0}"]
            script = "; ".join(
                f"echo {w.split('=')[1]} > /proc/sys/{w.split('=')[0]}" for w in writes
            )
            proc = subprocess.Popen(
                ["ip", "netns", "exec", ns, "sh", "-ec", script], env=ENV,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            procs.append((ns, proc))
        for ns, proc in procs:
            try:
                _, err = proc.communicate(timeout=CMD_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                err = "timed out"
            if proc.returncode != 0:
                failed.append(f"{ns}: {err.strip()}")
    if failed:
        raise NetnsError(f"sysctl failed in {'; '.join(failed)}")


def ip_lines(plan: NetnsPlan) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {ns: ["link set lo up"] for ns in plan.namespaces}
    for s in plan.segments:
        r = out[plan.router_ns[s.site]]
        r.append(f"link add {s.bridge} type bridge mcast_snooping 0")
        r.append(f"link set {s.bridge} mtu {s.mtu} up")
        r += [f"addr add {gw}/{s.network.prefixlen} dev {s.bridge}" for gw in s.gateways]
    for p in plan.ports:
        out[p.router_ns].append(
            f"link set {p.router_ifname} mtu {p.switch_mtu} master {p.bridge} up"
        )
        h = out[p.ns]
        h.append(f"link set {p.ifname} mtu {p.mtu} {'up' if p.up else 'down'}")
        h.append(f"addr add {p.address.with_prefixlen} dev {p.ifname}")
        if p.up:
            h.append(f"route add default via {p.gateway} dev {p.ifname} metric {p.metric}")
    for w in plan.wans:
        for ns, ifname, ip in (
            (w.site_ns, w.site_ifname, w.site_ip),
            (w.core_ns, w.core_ifname, w.core_ip),
        ):
            out[ns].append(f"link set {ifname} mtu {w.mtu} up")
            out[ns].append(f"addr add {ip.with_prefixlen} dev {ifname}")
        out[w.site_ns].append(f"route add default via {w.core_ip.ip}")
        out[w.core_ns] += [f"route add {net} via {w.site_ip.ip}" for net in w.networks]
    return out


def router_interfaces(plan: NetnsPlan, ns: str) -> list[str]:
    names = [s.bridge for s in plan.segments if plan.router_ns[s.site] == ns]
    names += [w.site_ifname for w in plan.wans if w.site_ns == ns]
    names += [w.core_ifname for w in plan.wans if w.core_ns == ns]
    return names


def blackhole_lines(plan: NetnsPlan) -> dict[str, list[str]]:
    """Drop the ICMP frag-needed a black-hole WAN's routers send: the branch router all of
    them; the core those about packets bound for the branch (the quoted destination, byte 44).

    On every egress interface of that router: an HTB root (unclassified traffic passes
    unshaped), one class whose pfifo has room for nothing, and u32 filters steering ICMP
    type 3 code 4 into it. Needs only sch_htb, cls_u32 and pfifo; no nft/iptables.
    """
    rules: dict[str, list[str]] = {}
    for w in plan.wans:
        if not w.blackhole:
            continue
        rules.setdefault(w.site_ns, []).append("")
        rules.setdefault(w.core_ns, []).extend(
            f" match u32 0x{int(n.network_address):08x} 0x{int(n.netmask):08x} at 44"
            for n in w.networks
        )
    out: dict[str, list[str]] = {}
    for ns, matches in rules.items():
        for ifname in router_interfaces(plan, ns):
            out.setdefault(ns, []).extend([
                f"qdisc add dev {ifname} root handle 1: htb",
                f"class add dev {ifname} parent 1: classid 1:9 htb rate 10gbit",
                f"qdisc add dev {ifname} parent 1:9 handle 9: pfifo limit 0",
                *(
                    f"filter add dev {ifname} parent 1: protocol ip prio 1 u32 "
                    f"{_ICMP_FRAG_NEEDED}{m} flowid 1:9"
                    for m in matches
                ),
            ])  # fmt: skip
    return out


def blackhole_drops(plan: NetnsPlan) -> dict[str, int]:
    """Router namespace -> frag-needed errors its black hole has swallowed so far."""
    out: dict[str, int] = {}
    for ns in blackhole_lines(plan):
        text = run(["tc", "-n", ns, "-s", "qdisc", "show"])
        out[ns] = sum(
            int(m[1])
            for block in text.split("qdisc ")[1:]
            if block.startswith("pfifo 9:") and (m := re.search(r"dropped (\d+)", block))
        )
    return out
