#!/usr/bin/env bash
# Install txmalign with its test extras into ./.venv (created if missing) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/install_venv.sh test
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
lint-imports
python -m pytest -q -ra --durations=15 "$@"
