"""Device verdicts over generated estates: each device is compared with the same LUN elsewhere.

Hosts see shared LUNs (and local disks of one SATP) with random path counts, PSPs and Round
Robin sub-policies; each verdict is checked against its plain definition, one device at a time.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.models.paths import DeviceInfo, HostPaths, RoundRobin, Thresholds
from vconsole.services.paths_verdicts import RR, judge

PSPS = st.sampled_from([RR, RR, "VMW_PSP_MRU", "VMW_PSP_FIXED", ""])
RR_TYPES = st.sampled_from(["", "iops", "latency", "bytes"])


@st.composite
def estates(draw: st.DrawFn) -> list[DeviceInfo]:
    hosts = [f"esx{i:02d}" for i in range(draw(st.integers(1, 6)))]
    luns = [f"naa.{i}" for i in range(draw(st.integers(1, 3)))]
    devices = []
    for host in hosts:
        for lun in luns + [f"mpx.{host}"]:
            if not draw(st.booleans()) and lun.startswith("naa"):
                continue
            psp = draw(PSPS)
            rr_type = draw(RR_TYPES) if psp == RR else ""
            devices.append(
                DeviceInfo(
                    host=host,
                    device=lun,
                    satp="VMW_SATP_LOCAL" if lun.startswith("mpx") else "VMW_SATP_ALUA",
                    psp=psp,
                    rr=RoundRobin(type=rr_type, iops=draw(st.sampled_from([1, 1000])))
                    if psp == RR
                    else None,
                    paths=draw(st.integers(1, 4)),
                )
            )
    return devices


def strict_majority(values: list[str]) -> tuple[str, int] | None:
    counted = Counter(v for v in values if v).most_common()
    if not counted or (len(counted) > 1 and counted[0][1] == counted[1][1]):
        return None
    return counted[0]


def expected(d: DeviceInfo, devices: list[DeviceInfo]) -> dict[str, str]:
    """code -> text, straight from each verdict's definition."""
    out = {}
    peers = [p for p in devices if p.device == d.device and p.host != d.host]
    most = max((p.paths for p in peers), default=0)
    if peers and d.paths < most:
        where = next(p.host for p in peers if p.paths == most)
        out["paths-missing"] = f"{d.paths} path(s) here, {most} on {where}"
    others = peers or [p for p in devices if p.satp == d.satp and p is not d]
    majority = strict_majority([p.psp for p in others])
    if d.psp and majority and majority[0] == RR and d.psp != RR:
        kind = "host(s)" if peers else "other device(s) of " + d.satp
        out["psp-not-rr"] = f"{d.psp} here while {majority[1]} {kind} use {RR}"
    if d.psp == RR and d.rr_type:
        same = [p for p in devices if p.device == d.device]
        counted = Counter(p.rr_type for p in same if p.psp == RR and p.rr_type).most_common()
        tie = len(counted) > 1 and counted[0][1] == counted[1][1]
        if len(counted) > 1 and (tie or counted[0][0] != d.rr_type):
            elsewhere = Counter(p.rr_type for p in peers if p.psp == RR and p.rr_type)
            said = ", ".join(
                f"by {t} on {n} other host(s)" for t, n in elsewhere.items() if t != d.rr_type
            )
            out["rr-type-differs"] = f"Round Robin by {d.rr_type} here, {said}"
    return out


@settings(max_examples=150, deadline=None)
@given(estates())
def test_each_device_is_judged_against_the_same_lun_on_the_other_hosts(devices) -> None:  # type: ignore[no-untyped-def]
    hosts = [HostPaths(h, True) for h in sorted({d.host for d in devices})]
    _, judged = judge((), devices, hosts, Thresholds())
    compared = {"paths-missing", "psp-not-rr", "rr-type-differs"}
    for before, after in zip(devices, judged, strict=True):
        found = {p.code: p.text for p in after.problems if p.code in compared}
        assert found == expected(before, devices), before
