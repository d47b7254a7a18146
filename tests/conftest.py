"""Suite-wide rules.

In CI (`CI` set, as the CI runner does) a skipped test fails: CI installs every part of the lab
(scripts/bootstrap.sh), so a skip there means a part went missing, not that a test may pass
without it. That holds wherever the skip comes from: a `skipif` mark, `pytest.skip` in a
fixture or test, or a whole module skipped at collection. On a developer's machine a skip
stays a skip, with its reason. `tests/test_ci_skips.py` runs pytest on sample tests to prove it.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest


def _fail_skip_in_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    if not os.environ.get("CI") or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = f"skipped in CI, where every lab part must be present: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Generator[None, Any, None]:
    outcome = yield
    _fail_skip_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    outcome = yield
    _fail_skip_in_ci(outcome.get_result())
