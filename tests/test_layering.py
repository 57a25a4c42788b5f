"""The engine, io and CLI must import no Qt: checked in a fresh interpreter and by import-linter."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_engine_io_and_cli_load_without_qt():
    code = ("import sys, txmalign_gui.engine, txmalign_gui.io, txmalign_gui.cli;"
            "bad=[m for m in sys.modules if m.split('.')[0] in "
            "('PyQt6','PyQt5','PySide6','PySide2','pyqtgraph','qtpy')];"
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, f"Qt modules imported by the engine: {done.stdout} {done.stderr}"


def test_import_linter_contracts_hold():
    """import-linter is part of the test extra: a missing one fails here rather than skipping the check."""
    from importlinter.cli import lint_imports_command  # noqa: F401 (ImportError = not installed = failure)

    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    done = subprocess.run([sys.executable, "-c", code, "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_cli_parser_loads_no_heavy_library():
    """`txmalign --version` and `--help` stay fast: building the parser imports no numpy, scipy, scikit-image
    or h5py (they load when a subcommand runs), nor Dask (only `batch --dask-*` loads it)."""
    code = ("import sys; from txmalign_gui.cli import build_parser; build_parser();"
            "heavy=[m for m in ('numpy','scipy','skimage','h5py','tifffile','dask','distributed') "
            "if m in sys.modules];"
            "print(','.join(heavy)); sys.exit(1 if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, f"heavy modules loaded by the CLI parser: {done.stdout} {done.stderr}"


def test_aligning_loads_no_tomography_code():
    """`txmalign align` imports what it runs: the batch package's jobs load on first use."""
    code = ("import sys; from txmalign_gui.batch import run_align;"
            "tomo=[m for m in sys.modules if m.startswith(('txmalign_gui.batch.tomo', 'txmalign_gui.engine.tomo'))];"
            "print(','.join(tomo)); sys.exit(1 if tomo else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, f"tomography modules loaded to align: {done.stdout} {done.stderr}"
