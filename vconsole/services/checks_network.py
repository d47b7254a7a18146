"""Checks 1-3: multicast filtering per switch, port flapping exposure, the i40en LLDP agent.

Sources of truth: check 1 reads vCenter only (switch config); check 2 joins vCenter's port
group teaming and link-down events with each host's `Net.TeamPolicyUpDelay`; check 3 joins
each host's NIC drivers and i40en `LLDP` module parameter with the switch's discovery protocol.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Sequence

from vconsole.esx.hostchecks import (
    TEAM_UP_DELAY_DEFAULT_MS,
    lldp_values,
    module_parameters_command,
    team_up_delay_command,
)
from vconsole.esx.netinventory import NIC_LIST
from vconsole.models.checks import CheckInfo, CheckRow
from vconsole.models.common import Verdict
from vconsole.models.findings import Subject, SubjectKind
from vconsole.services.checks_catalog import FLAPPING, LLDP, MULTICAST, row
from vconsole.services.checks_host import HostFacts, each_host, readable
from vconsole.services.checks_vcenter import SwitchFacts, VcenterFacts

DEFAULT_NLB_PATTERNS = ("*nlb*",)
SNOOPING = "snooping"
LEGACY = "legacyFiltering"
REMEDIES = (
    "Three remedies: (1) link dampening on the physical switch port keeps a flapping port down "
    "until it is stable (switch-side, per port); (2) failback No on the port group "
    "(Teaming and failover > Failback: No; API rollingOrder = true) leaves a recovered uplink "
    "standby, at the cost of unbalanced uplinks until the next failure; (3) a longer up-delay, "
    "`esxcli system settings advanced set -o /Net/TeamPolicyUpDelay -i 30000`, waits 30 s "
    "before using a recovered uplink again (failback still happens, later)."
)


def mode_of(switch: SwitchFacts) -> str:
    """The API leaves the mode unset on switches that never had it (pre-6.0): that is basic."""
    return switch.multicast_mode or LEGACY


def multicast_rows(
    vc: VcenterFacts, site: str, nlb_patterns: Sequence[str] = DEFAULT_NLB_PATTERNS
) -> list[CheckRow]:
    rows: list[CheckRow] = []
    modes = Counter(mode_of(s) for s in vc.switches)
    top = modes.most_common()
    majority = top[0][0] if top and (len(top) == 1 or top[0][1] > top[1][1]) else ""
    for switch in vc.switches:
        mode = mode_of(switch)
        subject = Subject.of(SubjectKind.DVS, switch.name, site=site, version=switch.version)
        value = f"{mode}, {switch.version or 'version ?'}"
        evidence = "; ".join(f"{s.name}: {mode_of(s)} ({s.version or '?'})" for s in vc.switches)
        if len(modes) > 1 and mode != majority:
            others = ", ".join(s.name for s in vc.switches if mode_of(s) != mode)
            rows.append(
                row(
                    MULTICAST,
                    subject,
                    "multicast-mode-differs",
                    Verdict.WARNING,
                    f"uses {mode} while {others} use another mode: an app moved "
                    "between them (NLB, clustering, multicast feeds) behaves differently",
                    evidence,
                    fix="Pick one mode per vCenter: switch > Settings > Edit Settings > Advanced "
                    "> Multicast filtering mode (Basic = legacyFiltering, IGMP/MLD snooping)",
                    value=value,
                )
            )
        else:
            rows.append(
                row(
                    MULTICAST,
                    subject,
                    "multicast-mode",
                    Verdict.OK,
                    f"multicast filtering {mode}, version {switch.version or '?'}",
                    evidence,
                    value=value,
                )
            )
        if mode != SNOOPING:
            continue
        for pg in switch.portgroups:
            if any(fnmatch.fnmatch(pg.name.lower(), p.lower()) for p in nlb_patterns):
                rows.append(
                    row(
                        MULTICAST,
                        Subject.of(SubjectKind.PORTGROUP, pg.name, site=site, dvs=switch.name),
                        "nlb-on-snooping",
                        Verdict.WARNING,
                        f"matches the NLB patterns and sits on {switch.name}, "
                        "which uses IGMP/MLD snooping: multicast-mode NLB traffic is not flooded",
                        f"patterns {', '.join(nlb_patterns)}; {switch.name}: {mode}",
                        fix=f"Set {switch.name} to Basic multicast filtering (legacyFiltering), "
                        "or move the NLB cluster to unicast mode or to a Basic switch",
                        value=f"{pg.name} on {mode}",
                    )
                )
    return rows


def flapping_rows(
    hosts: dict[str, HostFacts], vc: VcenterFacts | None, site: str, now: float
) -> list[CheckRow]:
    rows: list[CheckRow] = []
    if vc is not None:
        for switch in vc.switches:
            for pg in switch.portgroups:
                shown = {True: "Yes", False: "No", None: "not set"}[pg.failback]
                rows.append(
                    row(
                        FLAPPING,
                        Subject.of(SubjectKind.PORTGROUP, pg.name, site=site, dvs=switch.name),
                        "portgroup-failback",
                        Verdict.OK,
                        f"failback {shown}",
                        "rollingOrder = "
                        + ("?" if pg.failback is None else str(not pg.failback).lower()),
                        value=f"failback {shown}",
                        seen_at=now,
                    )
                )
    delays: dict[str, int] = {}
    for name, facts, subject in each_host(hosts, vc, site):
        if not readable(facts.up_delay):
            why = facts.why_unread(team_up_delay_command(), facts.up_delay)
            rows.append(_unreadable(FLAPPING, subject, "Net.TeamPolicyUpDelay", why, now))
            continue
        assert facts.up_delay is not None and facts.up_delay.value is not None
        delay = facts.up_delay.value
        delays[name] = delay
        value = f"up-delay {delay} ms"
        failback_on = []
        if vc is not None:
            failback_on = [
                f"{s.name}/{p.name}"
                for s in vc.switches_of(name)
                for p in s.portgroups
                if p.failback is not False
            ]
        flaps = vc.link_down.get(name, {}) if vc else {}
        problems = False
        if flaps:
            problems = True
            counts = ", ".join(f"{nic}: {n}" for nic, n in sorted(flaps.items()))
            rows.append(
                row(
                    FLAPPING,
                    subject,
                    "link-flaps",
                    Verdict.WARNING,
                    f"link-down events in the last hour ({counts})"
                    + (
                        f"; failback is on for {len(failback_on)} port groups"
                        if failback_on
                        else ""
                    ),
                    f"vCenter events esx.problem.net.vmnic.linkstate.down; {value}",
                    fix=REMEDIES,
                    value=value,
                    seen_at=now,
                )
            )
        if delay == TEAM_UP_DELAY_DEFAULT_MS and failback_on:
            problems = True
            rows.append(
                row(
                    FLAPPING,
                    subject,
                    "failback-default-updelay",
                    Verdict.WARNING,
                    f"failback is on ({', '.join(failback_on)}) and Net.TeamPolicyUpDelay is "
                    f"the default {delay} ms: every flap of an uplink moves traffic back at once",
                    f"Net.TeamPolicyUpDelay = {delay}; failback Yes on {', '.join(failback_on)}",
                    fix=REMEDIES,
                    value=value,
                    seen_at=now,
                )
            )
        if not problems:
            how = (
                "failback not known (no vCenter)"
                if vc is None
                else (
                    f"failback on {len(failback_on)} port groups" if failback_on else "failback off"
                )
            )
            verdict = (
                Verdict.INFO if vc is None and delay == TEAM_UP_DELAY_DEFAULT_MS else Verdict.OK
            )
            rows.append(
                row(
                    FLAPPING,
                    subject,
                    "flapping-exposure",
                    verdict,
                    f"{value}, {how}, no link-down events",
                    value=value,
                    seen_at=now,
                )
            )
    rows.extend(_delay_differs(delays, vc, site, now))
    return rows


def _delay_differs(
    delays: dict[str, int], vc: VcenterFacts | None, site: str, now: float
) -> list[CheckRow]:
    groups: dict[str, dict[str, int]] = {}
    for host, delay in delays.items():
        groups.setdefault(vc.cluster_of(host) if vc else "", {})[host] = delay
    rows = []
    for cluster, values in sorted(groups.items()):
        if len(set(values.values())) <= 1:
            continue
        shown = ", ".join(f"{h}: {v} ms" for h, v in sorted(values.items()))
        rows.append(
            row(
                FLAPPING,
                Subject.of(
                    SubjectKind.CLUSTER, cluster or "captured hosts", site=site, cluster=cluster
                ),
                "updelay-differs",
                Verdict.WARNING,
                f"Net.TeamPolicyUpDelay differs between hosts of {cluster or 'the captured hosts'}: "
                "uplinks come back at different times on different hosts",
                shown,
                fix="Set one value on every host: esxcli system settings advanced set -o "
                "/Net/TeamPolicyUpDelay -i <ms>",
                value=shown,
                seen_at=now,
            )
        )
    return rows


def lldp_rows(
    hosts: dict[str, HostFacts], vc: VcenterFacts | None, site: str, now: float
) -> list[CheckRow]:
    rows: list[CheckRow] = []
    for name, facts, subject in each_host(hosts, vc, site):
        if facts.nics is None:
            rows.append(_unreadable(LLDP, subject, "the NIC list", facts.why_unread(NIC_LIST), now))
            continue
        ports = facts.i40en_nics()
        if not ports:
            rows.append(
                row(
                    LLDP,
                    subject,
                    "no-i40en",
                    Verdict.OK,
                    "no i40en NIC",
                    value="no i40en",
                    seen_at=now,
                )
            )
            continue
        params = facts.i40en
        if params is None or not readable(params):
            raw = facts.why_unread(module_parameters_command("i40en"), params)
            rows.append(
                row(
                    LLDP,
                    subject,
                    "unrecognised",
                    Verdict.ERROR,
                    "could not read the i40en module parameters",
                    f"raw: {raw}",
                    seen_at=now,
                )
            )
            continue
        values = lldp_values(params.get("LLDP"))
        on = values is None or any(v != 0 for v in values)
        shown = "not set: driver default 1" if values is None else ",".join(str(v) for v in values)
        lldp_switches = (
            [s.name for s in vc.switches_of(name) if s.discovery == "lldp"] if vc else []
        )
        evidence = f"i40en ports {', '.join(ports)}; LLDP={shown}"
        if vc is not None:
            on_switches = vc.switches_of(name)
            evidence += "; " + (
                ", ".join(f"{s.name}: {s.discovery or '?'}" for s in on_switches)
                if on_switches
                else "on no distributed switch (a standard vSwitch offers CDP only)"
            )
        count = max(len(ports), len(values or ()))
        fix = (
            f"esxcli system module parameters set -m i40en -p LLDP={','.join('0' * count)} "
            "(one 0 per i40en port; takes effect after a reboot of the host)"
        )
        if on and lldp_switches:
            rows.append(
                row(
                    LLDP,
                    subject,
                    "i40en-lldp-agent",
                    Verdict.WARNING,
                    f"the i40en firmware LLDP agent is on (LLDP {shown}) and "
                    f"{', '.join(lldp_switches)} uses LLDP: the switch sees no LLDP from "
                    f"{', '.join(ports)}",
                    evidence,
                    fix=fix,
                    value=f"LLDP {shown}",
                    seen_at=now,
                )
            )
        elif on:
            why = (
                "without vCenter the switch's discovery protocol is not known: it matters if the "
                "switch uses LLDP"
                if vc is None
                else "its switch uses CDP, so it does not matter until LLDP discovery is turned on"
            )
            rows.append(
                row(
                    LLDP,
                    subject,
                    "i40en-lldp-agent-idle",
                    Verdict.INFO,
                    f"the i40en LLDP agent is on (LLDP {shown}); {why}",
                    evidence,
                    fix=fix,
                    value=f"LLDP {shown}",
                    seen_at=now,
                )
            )
        else:
            rows.append(
                row(
                    LLDP,
                    subject,
                    "i40en-lldp-off",
                    Verdict.OK,
                    f"the i40en LLDP agent is off (LLDP {shown})",
                    evidence,
                    value=f"LLDP {shown}",
                    seen_at=now,
                )
            )
    return rows


def _unreadable(check: CheckInfo, subject: Subject, what: str, why: str, now: float) -> CheckRow:
    return row(
        check,
        subject,
        "unreadable",
        Verdict.ERROR,
        f"could not read {what}",
        f"raw: {why}"[:300],
        seen_at=now,
    )
