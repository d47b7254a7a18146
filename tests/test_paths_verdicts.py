"""Verdicts on hand-built rows: outliers among sibling paths and hosts, thresholds, fall-backs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.esx.storage import parse_core_path_list, parse_nmp_device_list
from vconsole.models.paths import (
    DeviceInfo,
    HostPaths,
    LatencyWindow,
    PathRow,
    PathsReport,
    RoundRobin,
    Thresholds,
    Verdict,
    percentile,
)
from vconsole.services.paths_join import HostInputs, SshHostData, join_host
from vconsole.services.paths_verdicts import judge

DEV = "naa.600a098038304437415d4b6a59684a52"


def window(*values: float) -> LatencyWindow:
    w = LatencyWindow.of(values)
    assert w is not None
    return w


def row(host: str, path: str, read: float | None = 1.0, **kw) -> PathRow:  # type: ignore[no-untyped-def]
    return PathRow(
        host=host,
        device=kw.pop("device", DEV),
        psp=kw.pop("psp", "VMW_PSP_RR"),
        path=path,
        state=kw.pop("state", "active"),
        working=kw.pop("working", True),
        read=None if read is None else window(*([read] * 14 + [read * 1.1])),
        **kw,
    )


def device(host: str, paths: int = 4, **kw) -> DeviceInfo:  # type: ignore[no-untyped-def]
    return DeviceInfo(
        host=host,
        device=kw.pop("device", DEV),
        psp=kw.pop("psp", "VMW_PSP_RR"),
        satp="VMW_SATP_ALUA",
        paths=paths,
        **kw,
    )


def codes(rows, host: str, path: str = "") -> set[str]:  # type: ignore[no-untyped-def]
    """Codes a path row shows: its own and, as context, its device's and host's."""
    return {
        p.code
        for r in rows
        if r.host == host and (not path or r.path == path)
        for p in (*r.problems, *r.device_problems)
    }


def test_percentiles_ignore_one_slow_sample_and_missing_samples() -> None:
    w = LatencyWindow.of([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 500, -1])
    assert w is not None and len(w.samples) == 15
    assert (w.p50, w.p95, w.max) == (1.0, 500.0, 500.0)
    assert percentile([3, 1, 2], 50) == 2
    assert LatencyWindow.of([-1, -1]) is None


def test_one_slow_path_is_an_outlier_among_its_siblings() -> None:
    rows = [row("h1", f"vmhba64:C{i}:T0:L1", 38.0 if i == 2 else 1.0) for i in range(4)]
    judged, _ = judge(rows, [device("h1")], [HostPaths("h1", True)], Thresholds())
    assert codes(judged, "h1", "vmhba64:C2:T0:L1") == {"path-slow"}
    assert codes(judged, "h1", "vmhba64:C0:T0:L1") == set()
    slow = next(r for r in judged if r.path == "vmhba64:C2:T0:L1")
    assert slow.verdict == Verdict.WARNING and "38 ms vs 1 ms" in slow.summary
    # a looser ratio keeps it quiet
    quiet, _ = judge(rows, [device("h1")], [HostPaths("h1", True)], Thresholds(slow_path_ratio=50))
    assert codes(quiet, "h1") == set()


def test_idle_non_working_siblings_are_no_baseline() -> None:
    rows = [row("h1", "vmhba64:C0:T0:L2", 9.0)] + [
        row("h1", f"vmhba64:C{i}:T0:L2", 0.0, working=False) for i in (1, 2, 3)
    ]
    judged, _ = judge(
        rows, [device("h1", psp="VMW_PSP_MRU")], [HostPaths("h1", True)], Thresholds()
    )
    assert "path-slow" not in codes(judged, "h1")


def test_dead_and_missing_paths_compared_with_sibling_hosts() -> None:
    rows = [row("h1", f"p{i}") for i in range(4)]
    rows[3] = row("h1", "p3", None, state="dead", working=False)
    rows += [row("h2", f"p{i}") for i in range(2)]
    devices = [device("h1", 4, dead_paths=1), device("h2", 2)]
    judged, judged_devices = judge(
        rows, devices, [HostPaths("h1", True), HostPaths("h2", True)], Thresholds()
    )
    assert codes(judged, "h1", "p3") == {"path-dead"}
    assert next(r for r in judged if r.path == "p3").verdict == Verdict.CRITICAL
    assert codes(judged, "h2") == {"paths-missing"}
    h2 = next(d for d in judged_devices if d.host == "h2")
    assert "2 path(s) here, 4 on h1" in h2.problems[0].text


def test_psp_rr_type_iops_1000_and_latency_switch_across_hosts() -> None:
    latency = RoundRobin("latency", latency_eval_ms=180000, sampling_ios=16)
    iops = RoundRobin("iops", iops=1000)
    devices = [
        device("h1", rr=latency),
        device("h2", rr=latency),
        device("h3", rr=iops),
        device("h4", psp="VMW_PSP_MRU"),
    ]
    rows = [row(d.host, "p0", psp=d.psp, rr=d.rr) for d in devices]
    hosts = [
        HostPaths("h1", True, psp_latency_policy_enabled=True),
        HostPaths("h2", True, psp_latency_policy_enabled=False),
        HostPaths("h3", True, psp_latency_policy_enabled=True),
        HostPaths("h4", True, psp_latency_policy_enabled=True),
    ]
    judged, _ = judge(rows, devices, hosts, Thresholds())
    assert codes(judged, "h1") == set()
    assert codes(judged, "h2") == {"latency-policy-disabled", "latency-policy-off"}
    assert codes(judged, "h3") == {"rr-iops-1000", "rr-type-differs"}
    assert codes(judged, "h4") == {"psp-not-rr"}
    h3 = next(r for r in judged if r.host == "h3")
    assert "by iops here, by latency on 2 other host(s)" in " ".join(
        p.text for p in h3.device_problems
    )


def test_device_latency_thresholds_use_p95_and_are_configurable() -> None:
    spiky = window(*([2.0] * 13 + [30.0, 31.0]))
    dev = device("h1", device_latency=spiky, kernel_latency=window(*([0.0] * 13 + [3.0, 3.0])))
    judged, judged_devices = judge([row("h1", "p0")], [dev], [HostPaths("h1", True)], Thresholds())
    assert codes(judged, "h1") == {"davg-high", "kavg-high"}
    text = " ".join(p.text for p in judged_devices[0].problems)
    assert "device latency (DAVG) p95 31 ms over 20 ms" in text
    relaxed, _ = judge(
        [row("h1", "p0")], [dev], [HostPaths("h1", True)], Thresholds(davg_ms=40, kavg_ms=5)
    )
    assert codes(relaxed, "h1") == set()


NMP = """\
naa.600a098038304437415d4b6a59684a52
   Device Display Name: NETAPP iSCSI Disk (naa.600a098038304437415d4b6a59684a52)
   Storage Array Type: VMW_SATP_ALUA
   Path Selection Policy: VMW_PSP_RR
   Path Selection Policy Device Config: {policy=iops,iops=1,bytes=10485760,useANO=0; lastPathIndex=0: NumIOsPending=0,numBytesPending=0}
   Working Paths: vmhba64:C0:T0:L0
"""
CORE = """\
iqn.x-00023d000001,iqn.t,t,1-naa.600a098038304437415d4b6a59684a52
   UID: iqn.x-00023d000001,iqn.t,t,1-naa.600a098038304437415d4b6a59684a52
   Runtime Name: vmhba64:C0:T0:L0
   Device: naa.600a098038304437415d4b6a59684a52
   Adapter: vmhba64
   Target: 0
   LUN: 0
   State: active
   Target Identifier: 00023d000001,iqn.t,t,1
"""


def test_without_perf_the_rows_come_from_ssh_and_say_why_latency_is_missing() -> None:
    ssh = SshHostData(parse_nmp_device_list(NMP), parse_core_path_list(CORE))
    joined = join_host(
        HostInputs("h1", ssh=ssh, perf_note="vCenter returned no storagePath samples")
    )
    (only,) = joined.rows
    assert (only.path, only.rr_type, only.target, only.read_ms) == (
        "vmhba64:C0:T0:L0",
        "iops",
        "iqn.t",
        None,
    )
    judged, devices = judge(joined.rows, joined.devices, [joined.outcome], Thresholds())
    assert judged[0].verdict == Verdict.OK and devices[0].verdict == Verdict.INFO
    assert "no latency: vCenter returned no storagePath samples" in judged[0].summary


def test_host_nobody_can_read_gets_one_row_saying_why() -> None:
    joined = join_host(HostInputs("h9", ssh_error="esx down: connection refused"))
    (only,) = joined.rows
    assert only.verdict == Verdict.ERROR and "connection refused" in only.error
    assert not joined.outcome.ok


def test_latency_window_merges_new_samples_and_drops_the_oldest() -> None:
    from vconsole.services.paths_perf import _Window
    from vconsole.services.paths_vcenter import PATH_READ, HostLatency

    window = _Window(3)
    window.merge(HostLatency({PATH_READ: {"p": (1.0, 2.0, 3.0)}}, 3, (20.0, 40.0, 60.0)))
    window.merge(HostLatency({PATH_READ: {"p": (3.0, 9.0)}}, 2, (60.0, 80.0)))
    merged = window.latency()
    assert merged.timestamps == (40.0, 60.0, 80.0)
    assert merged.get(PATH_READ, "p") == (2.0, 3.0, 9.0)
    window.merge(HostLatency({PATH_READ: {"q": (5.0,)}}, 1, (100.0,)))
    assert window.latency().get(PATH_READ, "p") == (3.0, 9.0, -1.0)  # no sample: -1, dropped later


def test_a_device_finding_sits_on_the_device_so_the_one_slow_path_stands_out() -> None:
    iops = RoundRobin("iops", iops=1000)
    rows = [row("h1", f"p{i}", rr=iops) for i in range(3)] + [row("h1", "p3", read=9.0, rr=iops)]
    judged, devices = judge(rows, [device("h1", rr=iops)], [HostPaths("h1", True)], Thresholds())
    verdicts = {r.path: r.verdict for r in judged}
    assert verdicts == {
        "p0": Verdict.OK,
        "p1": Verdict.OK,
        "p2": Verdict.OK,
        "p3": Verdict.WARNING,
    }
    assert [p.code for p in devices[0].problems] == ["rr-iops-1000"]
    assert devices[0].verdict == Verdict.WARNING
    report = PathsReport(tuple(judged), devices, (HostPaths("h1", True),), taken_at=100.0)
    placed = {(f.code, f.subject.kind.value, f.subject.name) for f in report.findings()}
    assert placed == {("rr-iops-1000", "device", DEV), ("path-slow", "path", "p3")}
    row_json = next(r for r in judged if r.path == "p0").as_json()
    assert row_json["problems"] == [] and row_json["device_verdict"] == "warning"
    assert [p["code"] for p in row_json["device_problems"]] == ["rr-iops-1000"]


STATES = ("active", "standby", "disabled", "dead")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(STATES), min_size=1, max_size=6))
def test_a_device_with_no_active_path_is_critical_and_only_then(states: list[str]) -> None:
    rows = [
        row("h1", f"p{i}", None if s != "active" else 1.0, state=s, working=s == "active")
        for i, s in enumerate(states)
    ]
    judged, devices = judge(rows, [device("h1", len(rows))], [HostPaths("h1", True)], Thresholds())
    (dev,) = devices
    stranded = [p for p in dev.problems if p.code == "no-active-path"]
    if "active" in states:
        assert stranded == []
    else:
        assert [p.severity for p in stranded] == [Verdict.CRITICAL]
        assert dev.verdict == Verdict.CRITICAL
        assert ("all" in stranded[0].text) == all(s == "dead" for s in states)
        assert all("no-active-path" in codes(judged, "h1", r.path) for r in rows)


def test_paths_whose_state_was_not_read_do_not_make_a_device_cut_off() -> None:
    rows = [row("h1", "p0", None, state="dead", working=False), row("h1", "p1", None, state="")]
    _, (dev,) = judge(rows, [device("h1", 2)], [HostPaths("h1", True)], Thresholds())
    assert "no-active-path" not in {p.code for p in dev.problems}


def test_the_text_output_lists_a_device_finding_once_beside_its_paths_findings() -> None:
    from types import SimpleNamespace

    from vconsole.commands.paths_cmd import render_text

    rows = [row("h1", f"p{i}", None, state="dead", working=False) for i in range(3)]
    judged, _ = judge(rows, [device("h1", 3)], [HostPaths("h1", True)], Thresholds())
    out = render_text(SimpleNamespace(hosts=(), notes=()), list(judged))
    assert out.count("all 3 path(s) dead: the device is unreachable from this host") == 1
    assert f"CRITICAL h1 {DEV}: all 3 path(s) dead" in out
    assert out.count(": path p") == 3  # and each path once
