"""Each pane's findings land on the object they are about, once, with the common JSON keys."""

from __future__ import annotations

from vconsole.models.common import Verdict
from vconsole.models.gpus import GpuProblem, PoolReport
from vconsole.models.lacp import LacpProblem, LacpReport, LagHealth, LagPortRow

DRIFT = LacpProblem("config-drift", Verdict.WARNING, "LACP timeout differs", "vCenter fast")
SILENT = LacpProblem("partner-silent", Verdict.CRITICAL, "no LACPDU from the partner")


def test_a_lag_finding_sits_on_the_lag_and_a_vmnic_finding_on_the_vmnic() -> None:
    rows = (
        LagPortRow("esx01", "dvs-a", "lag1", "1", "vmnic0", problems=(DRIFT,)),
        LagPortRow("esx01", "dvs-a", "lag1", "1", "vmnic1", problems=(DRIFT, SILENT)),
    )
    lag = LagHealth("esx01", "dvs-a", "lag1", "1", "active", 2, 1, Verdict.WARNING, "", (DRIFT,))
    report = LacpReport(rows, (lag,), taken_at=1000.0)
    placed = sorted((f.code, f.subject.kind.value, f.subject.name) for f in report.findings())
    assert placed == [("config-drift", "lag", "lag1"), ("partner-silent", "lag_port", "vmnic1")]
    silent = next(f for f in report.findings() if f.code == "partner-silent")
    assert silent.subject.host == "esx01" and silent.source == "lacp"
    assert silent.to_json()["seen_at"] == "1970-01-01T00:16:40Z"
    # the row JSON keeps its keys and gains the common ones
    problem = rows[1].as_json()["problems"][1]
    assert problem["text"] == "no LACPDU from the partner" and problem["kind"] == "lag_port"
    assert problem["fields"]["lag"] == "lag1"


def test_gpu_problems_keep_their_subject_string_in_json() -> None:
    problem = GpuProblem("server-gone", Verdict.WARNING, "bf-srv02", "bf-srv02 is gone")
    report = PoolReport("bf-client", 50.0, problems=(problem,))
    (data,) = report.as_json()["problems"]
    assert data["subject"] == "bf-srv02" and data["kind"] == "server"
    assert data["site"] == "bf-client" and data["source"] == "gpus"
    pool = GpuProblem("pool-empty", Verdict.CRITICAL, "pool", "no GPU")
    assert pool.subject.kind.value == "site"
