"""Check 6: cross-host drift of the settings the other panes rely on. Source of truth: each
host's own answers (advanced options, `ip interface list`, `vswitch dvs vmware list`); clusters
from vCenter, or all captured hosts as one group when there is no vCenter.

One row per (cluster, setting): ok when every host agrees, else a warning listing the hosts
that differ from the cluster majority (or every value when there is no majority).
"""

from __future__ import annotations

from collections import Counter

from vconsole.models.checks import CheckRow
from vconsole.models.common import Verdict
from vconsole.models.findings import Subject, SubjectKind
from vconsole.services.checks_catalog import DRIFT, row
from vconsole.services.checks_host import HostFacts, readable
from vconsole.services.checks_vcenter import VcenterFacts

CAPTURED = "captured hosts"


def host_settings(
    facts: HostFacts, services: dict[str, tuple[str, ...]] | None = None
) -> dict[str, str]:
    """Setting name -> value as text, for the settings this host answered. A vmk's MTU is keyed
    by the services vCenter selects it for (`vsan vmk MTU`), else by its name and netstack."""
    out: dict[str, str] = {}
    if readable(facts.psp_latency) and facts.psp_latency is not None:
        out["EnablePSPLatencyPolicy"] = str(facts.psp_latency.value)
    if readable(facts.up_delay) and facts.up_delay is not None:
        out["TeamPolicyUpDelay"] = f"{facts.up_delay.value} ms"
    dvs_mtu = {s.name: s.mtu for s in facts.switches or ()}
    for vmk in facts.vmks or ():
        kinds = (services or {}).get(vmk.name)
        key = f"{'+'.join(kinds)} vmk MTU" if kinds else f"{vmk.name} MTU ({vmk.netstack})"
        out[key] = str(vmk.mtu)
        if vmk.vds_name:
            out[f"{vmk.name} MTU vs DVS MTU"] = f"vmk {vmk.mtu} / dvs {dvs_mtu.get(vmk.vds_name)}"
    return out


def drift_rows(
    hosts: dict[str, HostFacts], vc: VcenterFacts | None, site: str, now: float
) -> list[CheckRow]:
    groups: dict[str, dict[str, dict[str, str]]] = {}
    rows: list[CheckRow] = []
    for name, facts in sorted(hosts.items()):
        cluster = (vc.cluster_of(name) if vc else CAPTURED) or "(no cluster)"
        settings = host_settings(facts, vc.vmk_services.get(name) if vc else None)
        groups.setdefault(cluster, {})[name] = settings
        rows.extend(_above_dvs(name, cluster, facts, site, now))
    for cluster, by_host in sorted(groups.items()):
        keys = sorted({k for s in by_host.values() for k in s})
        for key in keys:
            values = {h: s[key] for h, s in by_host.items() if key in s}
            if len(values) < 2:
                continue
            rows.append(_setting_row(cluster, key, values, site, now))
    return rows


def _setting_row(cluster: str, key: str, values: dict[str, str], site: str, now: float) -> CheckRow:
    subject = Subject.of(
        SubjectKind.CLUSTER,
        cluster,
        cluster=cluster if cluster != CAPTURED else "",
        site=site,
        setting=key,
    )
    counts = Counter(values.values()).most_common()
    shown = ", ".join(f"{h}: {v}" for h, v in sorted(values.items()))
    if len(counts) == 1:
        return row(
            DRIFT,
            subject,
            "no-drift",
            Verdict.OK,
            f"{key} is {counts[0][0]} on all {len(values)} hosts",
            shown,
            value=f"{key} = {counts[0][0]}",
            seen_at=now,
        )
    if counts[0][1] > counts[1][1]:
        majority = counts[0][0]
        odd = sorted(h for h, v in values.items() if v != majority)
        text = (
            f"{key} differs from the cluster majority ({majority}) on "
            f"{', '.join(f'{h} ({values[h]})' for h in odd)}"
        )
    else:
        majority = ""
        text = f"{key} has no majority value in {cluster}: {shown}"
    return row(
        DRIFT,
        subject,
        "drift",
        Verdict.WARNING,
        text,
        shown,
        fix=_fix(key, majority),
        value=f"{key}: majority {majority or 'none'}",
        seen_at=now,
    )


def _fix(key: str, majority: str) -> str:
    target = majority.split()[0] if majority else "<value>"
    if key == "EnablePSPLatencyPolicy":
        return f"esxcli system settings advanced set -o /Misc/EnablePSPLatencyPolicy -i {target}"
    if key == "TeamPolicyUpDelay":
        return f"esxcli system settings advanced set -o /Net/TeamPolicyUpDelay -i {target}"
    if "vs DVS" in key:
        return "Give the vmk and its distributed switch the MTU the cluster uses (switch MTU >= vmk MTU)"
    vmk = key.split()[0] if key.startswith("vmk") else "<the vmk>"
    return f"esxcli network ip interface set -i {vmk} -m {target}"


def _above_dvs(host: str, cluster: str, facts: HostFacts, site: str, now: float) -> list[CheckRow]:
    dvs_mtu = {s.name: s.mtu for s in facts.switches or ()}
    rows = []
    for vmk in facts.vmks or ():
        switch_mtu = dvs_mtu.get(vmk.vds_name) if vmk.vds_name else None
        if vmk.mtu is not None and switch_mtu is not None and vmk.mtu > switch_mtu:
            subject = Subject.of(SubjectKind.VMK, vmk.name, host=host, cluster=cluster, site=site)
            rows.append(
                row(
                    DRIFT,
                    subject,
                    "vmk-above-dvs-mtu",
                    Verdict.WARNING,
                    f"MTU {vmk.mtu} is above its switch "
                    f"{vmk.vds_name}'s {switch_mtu}: large frames are dropped",
                    f"vmk {vmk.mtu}, dvs {switch_mtu}",
                    fix=f"Raise {vmk.vds_name}'s MTU to {vmk.mtu} or lower {vmk.name}'s",
                    value=f"vmk {vmk.mtu} / dvs {switch_mtu}",
                    seen_at=now,
                )
            )
    return rows
