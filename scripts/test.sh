#!/usr/bin/env bash
# Install txmalign with its test extras into ./.venv (created if missing) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${TXMALIGN_VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
. "$VENV/bin/activate"
python -m pip install -q --upgrade pip
python -m pip install -q -e ".[test]"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
lint-imports
python -m pytest -q -ra "$@"
