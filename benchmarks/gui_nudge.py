"""Time one arrow-key nudge in the Manual correction tab on a 1024 x 1024 stack with spectrum probes and a
profile line, through the real window (offscreen).

A nudge re-samples the one frame on screen and every view updates that frame only: the main image, the
comparison picture, the results table row, the spectra at that frame and the profile row.  Target: under
50 ms per press.  The baseline is the unavoidable part, re-sampling one 1024 x 1024 frame with
`apply_transforms`, timed in the same process; the ratio says how much the views add.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_nudge.py [--frames 20] [--size 1024] [--presses 30]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt6.QtCore import QSettings, Qt  # noqa: E402
from PyQt6.QtTest import QTest  # noqa: E402
from PyQt6.QtWidgets import QApplication  # noqa: E402

from txmalign_gui.engine.stack import apply_transforms  # noqa: E402
from txmalign_gui.gui.alignment import Alignment  # noqa: E402
from txmalign_gui.gui.app import create_app  # noqa: E402
from txmalign_gui.gui.main_window import MainWindow  # noqa: E402
from txmalign_gui.gui.settings import AppSettings  # noqa: E402


def texture(frames: int, size: int) -> np.ndarray:
    from scipy import ndimage

    rng = np.random.default_rng(0)
    base = ndimage.gaussian_filter(rng.random((size, size)), 4).astype(np.float32) + 1.0
    return np.stack([np.roll(base, (i, -i), axis=(0, 1)) for i in range(frames)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--presses", type=int, default=30)
    args = parser.parse_args()

    app = create_app()
    scratch = tempfile.mkdtemp(prefix="txmalign-bench-")
    stack = texture(args.frames, args.size)
    path = os.path.join(scratch, "stack.npy")
    np.save(path, stack)
    window = MainWindow(AppSettings(QSettings(os.path.join(scratch, "s.ini"), QSettings.Format.IniFormat)),
                        autosave_path=os.path.join(scratch, "autosave.txmas"))
    window.resize(1366, 768)
    window.show()
    window.open_path(path)
    transforms = np.column_stack([-np.arange(args.frames), np.arange(args.frames), np.zeros(args.frames)])
    alignment = Alignment(transforms=transforms.astype(float), costs=np.zeros(args.frames),
                          confidences=np.ones(args.frames), statuses=("ok",) * args.frames, method="phasecorr",
                          params={}, stack_options={}, anchor=args.frames // 2, seconds=0.0)
    window.model.set(alignment=alignment, aligned=apply_transforms(stack, transforms))
    spectra, profiles, manual = window.checks.spectra, window.checks.profiles, window.checks.manual
    for row, col in ((100, 100), (500, 600), (900, 300)):
        spectra.add_point(row, col)
    spectra.add_region((200, 260, 200, 280))
    profiles.set_line((512, 100), (512, 900), width=5)
    window.view.set_index(3)
    window.tools.setCurrentWidget(manual)
    manual.setFocus()
    QApplication.processEvents()

    prof = cProfile.Profile()
    if os.environ.get("PROFILE"):
        prof.enable()
    times = []
    for press in range(args.presses):
        key = Qt.Key.Key_Right if press % 2 == 0 else Qt.Key.Key_Left
        start = time.perf_counter()
        QTest.keyClick(manual, key)
        QApplication.processEvents()
        times.append(time.perf_counter() - start)
    expected = transforms[3, 1] + (0.1 if args.presses % 2 else 0.0)
    assert abs(window.alignment.transforms[3, 1] - expected) < 1e-9, "the presses did not nudge the frame"

    if os.environ.get("PROFILE"):
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    frame = stack[3:4]
    baseline = []
    for _ in range(10):
        start = time.perf_counter()
        apply_transforms(frame, transforms[3:4] + [0.37, 0.1, 0])
        baseline.append(time.perf_counter() - start)

    times_ms, base_ms = np.array(times) * 1000, min(baseline) * 1000
    print(f"{args.frames} frames of {args.size} x {args.size} px, 3 points + 1 rectangle + a profile line, "
          f"Manual correction tab shown")
    print(f"nudge per press: median {np.median(times_ms):.1f} ms, min {times_ms.min():.1f} ms, "
          f"max {times_ms.max():.1f} ms over {args.presses} presses (target < 50 ms)")
    print(f"baseline (re-sample one frame): {base_ms:.1f} ms; median nudge / baseline = "
          f"{np.median(times_ms) / base_ms:.1f}")
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
