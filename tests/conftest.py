"""Suite-wide rules.

In CI (`CI` set, as the CI runner does) a skipped test fails: CI installs every part of the lab
(scripts/bootstrap.sh), so a skip there means a part went missing, not that a test may pass
without it. That holds wherever the skip comes from: a `skipif` mark, `pytest.skip` in a
fixture or test, or a whole module skipped at collection. On a developer's machine a skip
stays a skip, with its reason. `tests/test_ci_skips.py` runs pytest on sample tests to prove it.

A test that runs the command line in-process configures the debug log; `_debug_log_per_test`
takes that configuration away afterwards, so later tests do not write into its state dir.

Hypothesis's per-example deadline is a wall-clock limit, and speed is measured in bench/, not
asserted in tests: on a loaded machine an example over 200 ms failed a test whose behaviour was
right. The suite's profile has no deadline; a test's own settings still apply otherwise.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Generator, Iterator
from typing import Any

import pytest
from hypothesis import settings

settings.register_profile("vconsole", deadline=None)
settings.load_profile("vconsole")


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


@pytest.fixture(autouse=True)
def _debug_log_per_test() -> Iterator[None]:
    from vconsole.debug_log import OWN_LOGGERS, StateDirLogHandler

    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *OWN_LOGGERS)}
    yield
    for handler in [h for h in root.handlers if isinstance(h, StateDirLogHandler)]:
        root.removeHandler(handler)
        handler.close()
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)
    logging.captureWarnings(False)


@pytest.fixture(autouse=True)
def _no_deferred_collection_left() -> Iterator[None]:
    """A paths refresh defers a full collection to the idle collector, which tests never run:
    each test ends with none pending, so the next finds the collector's thresholds as set."""
    yield
    from vconsole.vim import gc_pause

    gc_pause.collection_done()
