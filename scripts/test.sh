#!/usr/bin/env bash
# The test command: installs what is missing, then lint, types, layering and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
ruff check vconsole screens widgets tests bench
ruff format --check vconsole screens widgets tests bench
mypy vconsole screens widgets
lint-imports
deptry .
python -m pytest -q -p no:cacheprovider --timeout=600 "$@"
