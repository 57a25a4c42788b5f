"""Hostile endings that need a process of their own: SIGTERM and Ctrl-C mid-run, and a full disk.

A full disk is imitated with RLIMIT_FSIZE (writes beyond the limit fail with EFBIG, as ENOSPC would);
HDF5 used to crash the process (exit 139) when that happened half way through a compressed dataset.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from hostile_support import shifted_stack, snapshot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
from txmalign_gui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _env():
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _full_disk(tmp_path, argv, limit):
    code = _FULL_DISK.format(limit=limit)
    return subprocess.run([sys.executable, "-c", code, *map(str, argv)], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=120)


def _assert_clean(tmp_path, before, result, code):
    assert result.returncode == code, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr[-2000:]
    after = snapshot(tmp_path)
    assert {p: d for p, d in after.items() if p in before} == before
    assert sorted(after) == sorted(before), "a partial or half-written output was left"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")
@pytest.mark.parametrize("limit", [50_000])
def test_full_disk_during_example_is_one_clear_line(tmp_path, limit):
    before = snapshot(tmp_path)
    result = _full_disk(tmp_path, ["example", "--out", "ex.h5"], limit)
    _assert_clean(tmp_path, before, result, 2)
    assert result.stderr.startswith("txmalign: error: not enough disk space to write"), result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")
@pytest.mark.parametrize("extra", [[], ["--tiff", "a.tif"]])
def test_full_disk_during_align_is_one_clear_line(tmp_path, extra):
    np.save(tmp_path / "s.npy", shifted_stack(20, 64))
    before = snapshot(tmp_path)
    result = _full_disk(tmp_path, ["align", "s.npy", "--out", "a.h5", "--method", "phasecorr", "--jobs", "1",
                                   *extra], limit=200_000)
    _assert_clean(tmp_path, before, result, 2)
    assert result.stderr.startswith("txmalign: error: not enough disk space"), result.stderr


def _start(tmp_path, argv):
    """The command, started with Ctrl-C's default meaning even when this test run ignores SIGINT (as a
    shell's background job does, and its children inherit): an ignored SIGINT would never reach it."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        return subprocess.Popen([sys.executable, "-m", "txmalign_gui.cli", *argv], cwd=tmp_path, env=_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_a_run_removes_the_temporary_file(tmp_path, signum):
    np.save(tmp_path / "s.npy", shifted_stack(400, 160))  # long enough to be mid-run after 4 s
    before = snapshot(tmp_path)
    process = _start(tmp_path, ["align", "s.npy", "--out", "a.h5", "--method", "tvdm", "--jobs", "1"])
    time.sleep(4.0)  # past the imports, inside the registration
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[0] == "txmalign: interrupted; no output was written", err
    assert "Traceback" not in err
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_while_the_libraries_load(tmp_path):
    process = _start(tmp_path, ["methods"])
    time.sleep(0.4)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert "Traceback" not in err, err
    assert process.returncode in (0, 130), err  # 0 when the command had already finished


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_an_interrupt_that_numpy_reports_as_an_import_error_ends_with_130(tmp_path):
    interrupted_code = "exec('raise ImportError(\"C-extensions failed\") from KeyboardInterrupt()')"
    (tmp_path / "interrupted.py").write_text("import sys\nfrom txmalign_gui.cli_errors import guarded\n"
                                             f"sys.exit(guarded(lambda: {interrupted_code}))\n")
    result = subprocess.run([sys.executable, "-m", "interrupted"], cwd=tmp_path, env=_env(), capture_output=True,
                            text=True, timeout=60)  # run as a module, as `python -m txmalign_gui.cli` is
    assert result.returncode == 130, (result.returncode, result.stderr)
    assert result.stderr.strip() == "txmalign: interrupted; no output was written"
