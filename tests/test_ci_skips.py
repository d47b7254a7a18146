"""In CI every kind of skip a lab-dependent test can take fails; elsewhere it stays a skip.

Runs pytest in a subprocess on sample tests that skip the ways the suite does (a `skipif` mark
naming a missing lab part, `pytest.skip` in a module-scoped lab fixture, a module skipped at
collection), with this suite's own conftest.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).with_name("conftest.py")
SAMPLES = {
    "test_marked.py": (
        "import pytest\n"
        "@pytest.mark.skipif(True, reason='lab vCenter unavailable: no go toolchain')\n"
        "def test_needs_vcsim():\n"
        "    pass\n"
    ),
    "test_fixture.py": (
        "import pytest\n"
        "@pytest.fixture(scope='module')\n"
        "def lab():\n"
        "    pytest.skip('lab vCenter unavailable: vcsim did not start')\n"
        "def test_first(lab):\n"
        "    pass\n"
        "def test_second(lab):\n"
        "    pass\n"
    ),
    "test_module.py": (
        "import pytest\n"
        "pytest.skip('needs root and network namespaces', allow_module_level=True)\n"
        "def test_never_collected():\n"
        "    pass\n"
    ),
    "test_fine.py": (
        "import pytest\n"
        "@pytest.mark.xfail(reason='known defect', strict=True)\n"
        "def test_expected_failure():\n"
        "    assert False\n"
        "def test_passes():\n"
        "    pass\n"
    ),
}


def _run(tmp_path: Path, ci: bool, samples: tuple[str, ...] = tuple(SAMPLES)) -> tuple[int, str]:
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    for name in samples:
        (tmp_path / name).write_text(SAMPLES[name])
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout


def _summary(out: str) -> str:
    return out.strip().splitlines()[-1]


def test_in_ci_a_skipped_lab_test_fails_with_its_reason(tmp_path: Path) -> None:
    code, out = _run(tmp_path, True, ("test_marked.py", "test_fixture.py", "test_fine.py"))
    assert code == 1  # a skip is taken in setup, so pytest counts it as an error there
    assert re.search(r"\b1 passed, 1 xfailed, 3 errors\b", _summary(out)), _summary(out)
    for reason in ("no go toolchain", "vcsim did not start"):
        reason = f"lab vCenter unavailable: {reason}"
        assert f"skipped in CI, where every lab part must be present: {reason}" in out


def test_in_ci_a_module_skipped_at_collection_fails_the_run(tmp_path: Path) -> None:
    code, out = _run(tmp_path, True, ("test_module.py", "test_fine.py"))
    assert code != 0
    assert "skipped" not in _summary(out) and re.search(r"\b1 error\b", _summary(out))
    needs = "needs root and network namespaces"
    assert f"skipped in CI, where every lab part must be present: {needs}" in out


def test_off_ci_a_skip_stays_a_skip(tmp_path: Path) -> None:
    code, out = _run(tmp_path, ci=False)
    assert code == 0
    assert re.search(r"\b1 passed, 4 skipped, 1 xfailed\b", _summary(out)), _summary(out)
