"""Fill in what a hand-written scenario leaves out, so every documented key alone gives a
consistent estate, and refuse only what cannot be true at once (two owners of one address).

Everything derived is a pure function of the scenario's order and names, so a lab started twice
from one file answers the same. docs/scenario.md lists, per key, what is derived.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from vconsole.lab.scenario_model import (
    BitfusionServer,
    Host,
    Lun,
    LunPath,
    Nic,
    Scenario,
    ScenarioError,
)

DERIVED_ADAPTER = "vmhba64"
DERIVED_TARGET = "iqn.1992-08.com.example:lab-array.port{n}"
BITFUSION_NET = "10.0.40.{n}"


def complete(scenario: Scenario) -> Scenario:
    """The scenario with omitted addresses, keys, paths, NICs and placements derived."""
    _refuse_duplicate_names(scenario)
    hosts = _with_vmk_addresses(scenario)
    hosts = tuple(_with_nics(_with_lag_nics(h)) for h in hosts)
    hosts = _with_lag_keys(hosts)
    hosts = tuple(_with_paths(h, i) for i, h in enumerate(hosts))
    done = replace(scenario, hosts=hosts)
    return replace(done, bitfusion=replace(done.bitfusion, servers=_servers(done)))


def _where_host(i: int, h: Host) -> str:
    return f"host[{i}] ({h.name})"


def _refuse_duplicate_names(scenario: Scenario) -> None:
    seen: dict[str, str] = {}
    for i, s in enumerate(scenario.sites):
        if s.name in seen:
            raise ScenarioError(f"site[{i}]: name {s.name!r} is already {seen[s.name]}")
        seen[s.name] = f"site[{i}]"
    for i, h in enumerate(scenario.hosts):
        for what, names in (
            ("vmk", [v.name for v in h.vmks]),
            ("nic", [n.name for n in h.nics]),
            ("lun", [lun.id for lun in h.luns]),
        ):
            dup = _first_duplicate(names)
            if dup:
                raise ScenarioError(f"{_where_host(i, h)}: two [[host.{what}]] named {dup!r}")


def _first_duplicate(values: list[str]) -> str:
    seen: set[str] = set()
    for v in values:
        if v and v in seen:
            return v
        seen.add(v)
    return ""


def _with_vmk_addresses(scenario: Scenario) -> tuple[Host, ...]:
    """Given vmk/target addresses must be unique; a vmk without `ip` gets a free one in
    10.<100 + site index>.<vmk number>.0/24, host part 11 upwards in host order."""
    owner: dict[str, str] = {}
    for i, h in enumerate(scenario.hosts):
        for v in h.vmks:
            for ip in (v.ip, v.ipv6):
                if ip:
                    _claim(owner, ip, f"{_where_host(i, h)}.vmk {v.name}")
    for i, t in enumerate(scenario.targets):
        _claim(owner, t.ip, f"target[{i}] ({t.name})")
    site_index = {s.name: n for n, s in enumerate(scenario.sites)}
    hosts = []
    for i, h in enumerate(scenario.hosts):
        vmks = []
        for j, v in enumerate(h.vmks):
            if not v.ip:
                number = int(v.name[3:]) if v.name[3:].isdigit() else j
                base = f"10.{100 + site_index[h.site]}.{number % 256}."
                ip = _free(owner, base + "{n}", start=11)
                owner[ip] = f"{_where_host(i, h)}.vmk {v.name}"
                v = replace(v, ip=ip)
            vmks.append(v)
        hosts.append(replace(h, vmks=tuple(vmks)))
    return tuple(hosts)


def _claim(owner: dict[str, str], ip: str, who: str) -> None:
    key = str(ipaddress.ip_address(ip)) if _is_ip(ip) else ip
    if key in owner:
        raise ScenarioError(f"{who}: address {ip} is already {owner[key]}'s")
    owner[key] = who


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _free(owner: dict[str, str], pattern: str, start: int) -> str:
    for n in range(start, 255):
        ip = pattern.format(n=n)
        if ip not in owner:
            return ip
    raise ScenarioError(f"no free address left in {pattern.format(n='0')}/24 to derive one")


def _with_lag_nics(h: Host) -> Host:
    """A LAG without `nics` gets two uplinks, the lowest vmnicN from vmnic2 up that nothing on
    the host uses yet, so it has the ports vCenter gives a LAG by default."""
    if all(lag.nics for lag in h.lags):
        return h
    used = {n.name for n in h.nics} | {n for lag in h.lags for n in lag.nics} | {"vmnic0", "vmnic1"}
    lags = []
    for lag in h.lags:
        if not lag.nics:
            free = (f"vmnic{i}" for i in range(2, 64) if f"vmnic{i}" not in used)
            nics = (next(free), next(free))
            used.update(nics)
            lag = replace(lag, nics=nics)
        lags.append(lag)
    return replace(h, lags=tuple(lags))


def _with_nics(h: Host) -> Host:
    """A host without [[host.nic]] gets vmnic0/vmnic1 plus every NIC its LAGs name."""
    if h.nics:
        return h
    names = ["vmnic0", "vmnic1", *(n for lag in h.lags for n in lag.nics)]
    return replace(h, nics=tuple(Nic(name=n) for n in dict.fromkeys(names)))


def _with_lag_keys(hosts: tuple[Host, ...]) -> tuple[Host, ...]:
    """One key per (DVS, LAG name), as vCenter keeps one LAG object per name on a switch.

    A given `lag_id` holds for every host's LAG of that name; the others get the lowest
    free number on their switch, in order of first appearance.
    """
    given: dict[tuple[str, str], tuple[int, str]] = {}
    for i, h in enumerate(hosts):
        for j, lag in enumerate(h.lags):
            if not lag.lag_id:
                continue
            where = f"{_where_host(i, h)}.lag[{j}]"
            known = given.get((lag.dvs, lag.name))
            if known and known[0] != lag.lag_id:
                raise ScenarioError(
                    f"{where}: lag_id {lag.lag_id} for {lag.name!r} on {lag.dvs}, but "
                    f"{known[1]} gives it lag_id {known[0]}; one LAG has one key"
                )
            given[(lag.dvs, lag.name)] = (lag.lag_id, where)
    used: dict[str, dict[int, str]] = {}
    for (dvs, name), (key, where) in given.items():
        other = used.setdefault(dvs, {}).get(key)
        if other is not None and other != name:
            raise ScenarioError(f"{where}: lag_id {key} on {dvs} is already LAG {other!r}'s")
        used[dvs][key] = name
    keys = {pair: key for pair, (key, _) in given.items()}
    out = []
    for h in hosts:
        lags = []
        for lag in h.lags:
            pair = (lag.dvs, lag.name)
            if pair not in keys:
                taken = used.setdefault(lag.dvs, {})
                keys[pair] = next(n for n in range(1, len(taken) + 2) if n not in taken)
                taken[keys[pair]] = lag.name
            lags.append(replace(lag, lag_id=keys[pair]) if not lag.lag_id else lag)
        out.append(replace(h, lags=tuple(lags)))
    return tuple(out)


def _runtime_name(name: str) -> tuple[str, int, int, int] | None:
    parts = name.split(":")
    if len(parts) != 4 or [p[:1] for p in parts[1:]] != ["C", "T", "L"]:
        return None
    try:
        return parts[0], int(parts[1][1:]), int(parts[2][1:]), int(parts[3][1:])
    except ValueError:
        return None


def _with_paths(h: Host, i: int) -> Host:
    """Path k of LUN j without a name is `<adapter>:C<k>:T0:L<j>`; without an adapter, the
    name's own (else vmhba64); without a target, array port k. Two paths that still share a
    name, or one path UID (an iSCSI channel or FC adapter, and a target), are refused."""
    luns: list[Lun] = []
    names: dict[str, str] = {}
    for j, lun in enumerate(h.luns):
        paths: list[LunPath] = []
        uids: dict[tuple[str, str], str] = {}
        for k, p in enumerate(lun.paths):
            where = f"{_where_host(i, h)}.lun[{j}].path[{k}]"
            parsed = _runtime_name(p.name)
            adapter = p.adapter or (parsed[0] if parsed else DERIVED_ADAPTER)
            name = p.name or f"{adapter}:C{k}:T0:L{j}"
            target = p.target or DERIVED_TARGET.format(n=k)
            p = replace(p, name=name, adapter=adapter, target=target)
            if name in names:
                raise ScenarioError(f"{where}: path name {name!r} is already {names[name]}'s")
            names[name] = where
            parsed = _runtime_name(name)
            # an iSCSI path is its session (the channel) to a target; an FC path, its HBA's
            channel = f"C{parsed[1] if parsed else 0}" if target.startswith("iqn.") else adapter
            if (channel, target) in uids:
                raise ScenarioError(
                    f"{where}: same {channel} and target {target!r} as "
                    f"{uids[(channel, target)]}, so both would be one path; give another target"
                )
            uids[(channel, target)] = where
            paths.append(p)
        luns.append(replace(lun, paths=tuple(paths)))
    return replace(h, luns=tuple(luns))


def _servers(scenario: Scenario) -> tuple[BitfusionServer, ...]:
    """Each server gets its own address (10.0.40.11 upwards, skipping any in use) and, without
    `host`, runs as a VM on the running hosts in turn, HQ first."""
    servers = scenario.bitfusion.servers
    owner: dict[str, str] = {}
    for host in scenario.hosts:
        for v in host.vmks:
            owner[v.ip] = f"host {host.name}.vmk {v.name}"
    for t in scenario.targets:
        owner[t.ip] = f"target {t.name}"
    names: dict[str, int] = {}
    for i, s in enumerate(servers):
        where = f"bitfusion.server[{i}] ({s.name})"
        if s.name in names:
            raise ScenarioError(f"{where}: name is already bitfusion.server[{names[s.name]}]'s")
        names[s.name] = i
        if s.address:
            _claim(owner, s.address, where)
        if s.host and s.host not in {h.name for h in scenario.hosts}:
            raise ScenarioError(f"{where}: host {s.host!r} is not a [[host]] name")
    hq = {s.name for s in scenario.sites if s.hq}
    running = [h for h in scenario.hosts if not h.down]
    order = sorted(running or scenario.hosts, key=lambda h: h.site not in hq)
    out = []
    for i, s in enumerate(servers):
        if not s.address:
            address = _free(owner, BITFUSION_NET, start=11)
            owner[address] = f"bitfusion.server[{i}]"
            s = replace(s, address=address)
        if not s.host and order:
            s = replace(s, host=order[i % len(order)].name)
        out.append(s)
    return tuple(out)
