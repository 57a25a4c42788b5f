"""Render the XANES-check, help and tour screenshots in docs/images/ by driving the real main window.

Run from the repository root: `QT_QPA_PLATFORM=offscreen python scripts/make_xanes_screenshots.py`.
The real STXM Fe screenshot is made when `../shared/data/real/` (or $TXMALIGN_REAL_DATA) holds that stack.
Opens the bundled example, aligns it with the default settings (a real run), then shows the Spectra tab
(OD, normalised, raw vs aligned), the Maps tab, the help window and the guided tour, each at 1366 x 768
and 1920 x 1080.  Settings go to a temporary folder so the user's own are untouched.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PyQt6.QtCore import QSettings, Qt
from PyQt6.QtGui import QColor, QPainter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from make_screenshots import OUT, REAL, settle, wait_for  # noqa: E402  (shared helpers, same folder)

from txmalign_gui.engine.synthetic import synthetic_xanes  # noqa: E402
from txmalign_gui.gui.app import create_app, save_screenshot  # noqa: E402
from txmalign_gui.gui.help_viewer import context_page  # noqa: E402
from txmalign_gui.gui.main_window import MainWindow  # noqa: E402
from txmalign_gui.gui.settings import AppSettings  # noqa: E402

SIZES = ((1366, 768), (1920, 1080))


def save_with_dialog(window, dialog, path: str) -> None:
    """The window with `dialog` over its middle, as the user sees it (offscreen, each is grabbed alone):
    the dialog as wide as the help text reads well and as tall as its page."""
    width = min(1100, window.width() - 120)
    dialog.resize(width, 200)
    settle(300)
    text = dialog.browser.document()
    text.setTextWidth(dialog.browser.viewport().width())
    dialog.resize(width, min(int(text.size().height()) + 40, window.height() - 80))
    settle(300)
    shot = window.grab()
    painter = QPainter(shot)
    left, top = (window.width() - dialog.width()) // 2, (window.height() - dialog.height()) // 2
    painter.fillRect(left + 6, top + 6, dialog.width(), dialog.height(), QColor(0, 0, 0, 60))  # shadow
    painter.drawPixmap(left, top, dialog.grab())
    painter.setPen(QColor("#888"))
    painter.drawRect(left, top, dialog.width() - 1, dialog.height() - 1)
    painter.end()
    shot.save(path)


def particle_rects() -> list:
    """4 x 4 rectangles where phase A and phase B are thickest in the example (from its known phases)."""
    import numpy as np
    from scipy import ndimage

    phases = synthetic_xanes(n_images=101, size=128, seed=0).phases
    rects = []
    for score in (phases[0] - phases[1], phases[1] - phases[0]):
        y, x = np.unravel_index(np.argmax(ndimage.uniform_filter(score, 4)), score.shape)
        rects.append((int(y) - 2, int(y) + 2, int(x) - 2, int(x) + 2))
    return rects


def real_stxm(settings) -> None:
    """The real ALS STXM Fe L-edge stack (not shipped) with its measured I0 spectrum, when it is present."""
    folder = REAL / "stxm_fe_L3_als_71214098"
    if not folder.exists():
        print(f"skipped the STXM screenshot: no {folder} (set TXMALIGN_REAL_DATA)")
        return
    window = MainWindow(settings, autosave_path=str(Path(tempfile.mkdtemp()) / "autosave.txmas"))
    window.resize(*SIZES[0])
    window.show()
    window.open_path(str(folder / "71214098_stack_float32.tif"))
    spectra = window.checks.spectra
    spectra.source_combo.setCurrentIndex(spectra.source_combo.findText("Raw"))  # the file is already aligned
    spectra.add_region((10, 30, 30, 60), name="Fe particle")
    spectra.xanes.load_i0_file(str(folder / "i0.xsp"))
    spectra.absorbance_check.setChecked(True)
    spectra.xanes.normalize_check.setChecked(True)
    spectra.xanes.set_ranges((700.0, 704.5), (725.8, 730.4))
    energies, _ = window.checks.context.axis()
    window.view.set_index(int(abs(energies - 708.05).argmin()))  # the Fe L3 white line
    settle(300)
    window.resizeDocks([window.tools_dock], [int(SIZES[0][1] * 0.5)], Qt.Orientation.Vertical)
    window.tools.setCurrentWidget(spectra)
    window.statusBar().clearMessage()  # it names the local data path
    save_screenshot(window, str(OUT / "xanes_stxm_fe_i0_file_1366x768.png"))
    window.close()


def main() -> int:
    app = create_app()
    scratch = Path(tempfile.mkdtemp(prefix="txmalign-shots-"))
    settings = AppSettings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings, autosave_path=str(scratch / "autosave.txmas"))
    window.resize(*SIZES[0])
    window.show()
    OUT.mkdir(parents=True, exist_ok=True)
    window.open_example()
    window.panel.run_button.click()
    wait_for(window.runs.finished, timeout_ms=600_000)
    spectra = window.checks.spectra
    for rect, name in zip(particle_rects(), ("phase A", "phase B")):
        spectra.add_region(rect, name=name)
    spectra.absorbance_check.setChecked(True)
    spectra.xanes.normalize_check.setChecked(True)
    spectra.xanes.set_ranges((7690, 7703), (7770, 7790))
    window.checks.maps.compute()
    spectra.source_combo.setCurrentIndex(spectra.source_combo.findText("Aligned"))
    for width, height in SIZES:
        window.resize(width, height)
        settle(300)
        window.resizeDocks([window.tools_dock], [int(height * 0.5)], Qt.Orientation.Vertical)
        settle(300)
        tag = f"{width}x{height}"
        window.tools.setCurrentWidget(spectra)
        save_screenshot(window, str(OUT / f"xanes_spectra_od_normalised_{tag}.png"))
        window.tools.setCurrentWidget(window.checks.maps)
        save_screenshot(window, str(OUT / f"xanes_maps_raw_vs_aligned_{tag}.png"))
        window.tools.setCurrentWidget(spectra)
        spectra.table.setFocus()
        viewer = window.help.show(context_page(window))  # F1 on the Spectra tab
        save_with_dialog(window, viewer, str(OUT / f"xanes_help_{tag}.png"))
        viewer.hide()
        window.tour.start()
        window.tour.go(4)  # 'Read the results': the tour brings the results tab forward and highlights it
        settle(600)
        save_screenshot(window, str(OUT / f"xanes_tour_{tag}.png"))
        window.tour.leave()
    window.close()
    real_stxm(settings)
    app.processEvents()
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
