"""The engine, io and CLI must import no Qt: checked in a fresh interpreter and by import-linter."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_engine_io_and_cli_load_without_qt():
    code = ("import sys, txmalign_gui.engine, txmalign_gui.io, txmalign_gui.cli;"
            "bad=[m for m in sys.modules if m.split('.')[0] in "
            "('PyQt6','PyQt5','PySide6','PySide2','pyqtgraph','qtpy')];"
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, f"Qt modules imported by the engine: {done.stdout} {done.stderr}"


@pytest.mark.skipif(shutil.which("lint-imports") is None, reason="import-linter not installed")
def test_import_linter_contracts_hold():
    done = subprocess.run(["lint-imports"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
