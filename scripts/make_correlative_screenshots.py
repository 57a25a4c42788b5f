"""Render the correlative-mode screenshots in docs/images/ by driving the real windows.

Run from the repository root: `QT_QPA_PLATFORM=offscreen python scripts/make_correlative_screenshots.py`.
A synthetic X-ray / EM pair (the project's two-modality generator on skimage's coins, with a known similarity)
is saved as TIFF files and opened as a user would; five landmark pairs are placed near the true positions (as
clicks are, about a pixel off), then the refinement runs for real.  At 1366 x 768 and 1920 x 1080: the
landmarks with their residual table, and the overlay (blend, and checkerboard at 1366 x 768).
Settings go to a temporary folder so the user's own are untouched.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import tifffile
from PyQt6.QtCore import QSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from make_screenshots import OUT, settle, wait_for  # noqa: E402  (shared helpers, same folder)

from txmalign_gui.engine.correlative import PointMap  # noqa: E402
from txmalign_gui.engine.correlative.synthetic import correlative_pair, natural_image  # noqa: E402
from txmalign_gui.engine.transform import Similarity  # noqa: E402
from txmalign_gui.gui.app import create_app  # noqa: E402
from txmalign_gui.gui.main_window import MainWindow  # noqa: E402
from txmalign_gui.gui.settings import AppSettings  # noqa: E402

SIZES = ((1366, 768), (1920, 1080))
CLICKS = ((50, 70), (80, 250), (170, 140), (260, 50), (250, 270))  # X-ray (row, col)


def write_pair(folder: Path) -> PointMap:
    """X-ray (float32) and EM (8-bit, as SEM images come) TIFFs; returns the true EM -> X-ray map."""
    pair = correlative_pair(np.random.default_rng(7), size=320, image=natural_image("coins"), source="natural",
                            transform=(6.0, -9.0, 17.0, 0.88), noise=(0.04, 0.08))
    em = pair.em - np.percentile(pair.em, 0.5)
    em = np.clip(255 * em / np.percentile(em, 99.5), 0, 255).astype(np.uint8)
    tifffile.imwrite(folder / "xray.tif", pair.xray.astype(np.float32))
    tifffile.imwrite(folder / "sem.tif", em)
    return PointMap.from_transform(Similarity(*pair.transform), em.shape, pair.xray.shape)


def shoot(widget, name: str) -> None:
    settle(400)
    widget.grab().save(str(OUT / name))
    print(f"  {name}")


def run(scratch: Path, size: tuple, truth: PointMap) -> None:
    settings = AppSettings(QSettings(str(scratch / f"settings{size[0]}.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings, autosave_path=str(scratch / "autosave.txmas"))
    window.resize(*size)
    window.show()
    mode = window.correlative
    mode.show()
    mode.view.resize(*size)
    mode.open_xray(str(scratch / "xray.tif"))
    mode.open_em(str(scratch / "sem.tif"))
    rng = np.random.default_rng(1)
    for point in CLICKS:
        mode.model.add_point("xray", np.asarray(point) + rng.normal(0, 0.8, 2))
        mode.model.add_point("em", truth.inverse().apply(point)[0] + rng.normal(0, 0.8, 2))
    mode.view.panel.table.selectRow(2)
    suffix = f"{size[0]}x{size[1]}"
    shoot(mode.view, f"correlative_landmarks_{suffix}.png")
    mode.view.panel.refine_button.click()
    wait_for(window.runs.finished)
    mode.view.tabs.setCurrentWidget(mode.view.overlay)
    mode.view.overlay.opacity.setValue(45)
    shoot(mode.view, f"correlative_overlay_{suffix}.png")
    if size == SIZES[0]:
        mode.view.overlay.checker.setChecked(True)
        shoot(mode.view, f"correlative_checkerboard_{suffix}.png")
    result = mode.model.output.result
    print(f"  refined: {result.status} {result.message} scale {result.point_map.scale:.4f} "
          f"(true {truth.scale:.4f}), angle {result.point_map.angle_deg:+.3f} (true {truth.angle_deg:+.3f})")
    mode.view.close()
    window.close()


def main() -> None:
    app = create_app([])
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        truth = write_pair(scratch)
        for size in SIZES:
            run(scratch, size, truth)
    del app


if __name__ == "__main__":
    main()
