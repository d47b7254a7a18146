"""Suite-wide rules.

In CI (`CI` set, as the CI runner does) a skipped test fails: CI installs every part of the lab
(scripts/bootstrap.sh), so a skip there means a part went missing, not that a test may pass
without it. On a developer's machine a skip stays a skip, with its reason.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if not os.environ.get("CI") or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped in CI, where every lab part must be present: {reason}"
