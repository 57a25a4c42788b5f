#!/usr/bin/env bash
# Install txmalign with its test extras into ./.venv (created if missing) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/install_venv.sh test
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
lint-imports
ruff check .  # style, imports and likely bugs (pyproject.toml [tool.ruff])
mypy  # engine and io, as configured in pyproject.toml; a type error fails the run
python -m pytest -q -ra --durations=15 "$@"
