"""Render the user-guide screenshots in docs/images/ by driving the real main window.

Run from the repository root: `QT_QPA_PLATFORM=offscreen python scripts/make_screenshots.py`.
At 1366 x 768 (a small beamline screen) it opens the bundled example, aligns it, then shows the spectra,
line-profile, comparison (zoomed with the main image) and manual-correction checks; at 1920 x 1080 it shows
the results and the spectra; the tomography mode is shown on the Diamond I13 projection folder when
`../shared/data/real/` (or $TXMALIGN_REAL_DATA) holds it, else on a synthetic phantom series.  A synthetic
XANES stack with a 2 % magnification ramp, aligned as similarities, shows the scale in the results table and
the corrections plot at both sizes (`--only similarity` renders just those).
Settings go to a temporary folder so the user's own are untouched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QEventLoop, QSettings, QTimer
from PyQt6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from txmalign_gui.gui.app import create_app, save_screenshot  # noqa: E402
from txmalign_gui.gui.main_window import MainWindow  # noqa: E402
from txmalign_gui.gui.settings import AppSettings  # noqa: E402

OUT = ROOT / "docs" / "images"
REAL = Path(os.environ.get("TXMALIGN_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
SMALL, LARGE = (1366, 768), (1920, 1080)


def wait_for(signal, timeout_ms: int = 180_000) -> None:
    """Spin the event loop until `signal` fires (or the timeout passes)."""
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def settle(ms: int = 200) -> None:
    """Let queued drawing and deferred work run for `ms` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    QApplication.processEvents()


def new_window(scratch: Path, size: tuple) -> MainWindow:
    settings = AppSettings(QSettings(str(scratch / f"settings{size[0]}.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings, autosave_path=str(scratch / "autosave.txmas"))
    window.resize(*size)
    window.show()
    settle()
    return window


def shoot(window: MainWindow, name: str) -> None:
    settle()
    save_screenshot(window, str(OUT / name))
    print(f"  {name}")


def align_example(window: MainWindow) -> None:
    window.open_example()
    window.panel.run_button.click()
    wait_for(window.runs.finished)


def add_checks(window: MainWindow) -> None:
    spectra = window.checks.spectra
    for row, col in ((40, 40), (64, 64), (90, 30)):
        spectra.add_point(row, col)


def small_screen(scratch: Path) -> None:
    window = new_window(scratch, SMALL)
    shoot(window, "1_empty.png")
    window.open_example()
    shoot(window, "2_example_loaded.png")
    window.panel.run_button.click()
    wait_for(window.runs.finished)
    shoot(window, "3_aligned_results.png")
    add_checks(window)
    window.tools.setCurrentWidget(window.checks.spectra)
    shoot(window, "4_spectra.png")
    window.tools.setCurrentWidget(window.checks.profiles)
    window.checks.profiles.set_line((40, 10), (40, 118), width=3)  # the band starts around one particle
    shoot(window, "5_profiles.png")
    window.view.set_index(30)
    window.view.viewbox.setRange(xRange=(30, 80), yRange=(30, 80), padding=0)
    window.tools.setCurrentWidget(window.checks.compare)
    shoot(window, "6_compare_zoomed.png")
    window.tools.setCurrentWidget(window.checks.manual)
    window.checks.manual.nudge(0.0, 1.0, 0.1)
    shoot(window, "7_manual.png")
    window.close()


def large_screen(scratch: Path) -> None:
    window = new_window(scratch, LARGE)
    align_example(window)
    add_checks(window)
    window.tools.setCurrentWidget(window.checks.spectra)
    shoot(window, "8_spectra_1920.png")
    window.close()


def tomography(scratch: Path) -> None:
    window = new_window(scratch, SMALL)
    folder = REAL / "tomo_i13_diamond_savu"
    if folder.is_dir():
        window.open_path(str(folder))
    else:
        from txmalign_gui.engine.tomo.phantom import default_phantom, project

        angles = np.linspace(0, 180, 60, endpoint=False)
        jitter = np.random.default_rng(0).uniform(-3, 3, (60, 2))
        lines = project(default_phantom(48, 64), angles, 48, 64, shifts=jitter)
        path = scratch / "phantom.h5"
        import h5py

        with h5py.File(path, "w") as h5:
            h5["exchange/data"] = np.exp(-lines / lines.max() * 2).astype(np.float32)
            h5["exchange/theta"] = angles
        window.open_path(str(path))
    shoot(window, "9_tomography_opened.png")
    window.tomo.panel.run_button.click()
    wait_for(window.runs.finished)
    shoot(window, "10_tomography_aligned.png")
    window.close()


def similarity(scratch: Path) -> None:
    """A magnification ramp (zone plate refocused at every energy) aligned with scale: table and plots."""
    from txmalign_gui.engine.synthetic import synthetic_xanes

    ramp = synthetic_xanes(n_images=25, size=128, jitter=4.0, magnification=0.02, seed=2)
    path = scratch / "magnification_ramp.npy"
    np.save(path, ramp.images.astype(np.float32))
    for size, suffix in ((SMALL, "1366"), (LARGE, "1920")):
        window = new_window(scratch, size)
        window.open_path(str(path))
        window.set_stack(window.stack.with_energies(ramp.energies))
        panel = window.panel
        panel.method_combo.setCurrentIndex(panel.method_combo.findData("tvdm"))
        transform = panel.stack_form.editor("transform")
        transform.setCurrentIndex(transform.findText("similarity"))
        panel.run_button.click()
        wait_for(window.runs.finished)
        shoot(window, f"11_similarity_results_{suffix}.png")
        window.tools.setCurrentWidget(window.checks.corrections)
        shoot(window, f"12_similarity_corrections_{suffix}.png")
        window.close()


def main() -> int:
    app = create_app()
    scratch = Path(tempfile.mkdtemp(prefix="txmalign-shots-"))
    OUT.mkdir(parents=True, exist_ok=True)
    if sys.argv[1:] == ["--only", "similarity"]:
        similarity(scratch)
        return 0
    small_screen(scratch)
    large_screen(scratch)
    tomography(scratch)
    similarity(scratch)
    app.processEvents()
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
