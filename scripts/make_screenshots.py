"""Render the user-guide screenshots in docs/images/ by driving the real main window on the example.

Run from the repository root: `QT_QPA_PLATFORM=offscreen python scripts/make_screenshots.py`.
It opens the bundled example, aligns it with the default settings, then shows the spectrum and
line-profile checks; settings go to a temporary folder so the user's own are untouched.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PyQt6.QtCore import QEventLoop, QSettings, QTimer

from txmalign_gui.gui.app import SCREENSHOT_SIZE, create_app, save_screenshot
from txmalign_gui.gui.main_window import MainWindow
from txmalign_gui.gui.settings import AppSettings

OUT = Path(__file__).resolve().parents[1] / "docs" / "images"


def wait_for(signal, timeout_ms: int = 120_000) -> None:
    """Spin the event loop until `signal` fires (or the timeout passes)."""
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def main() -> int:
    app = create_app()
    scratch = Path(tempfile.mkdtemp(prefix="txmalign-shots-"))
    settings = AppSettings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings, autosave_path=str(scratch / "autosave.txmas"))
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    OUT.mkdir(parents=True, exist_ok=True)
    save_screenshot(window, str(OUT / "1_empty.png"))
    window.open_example()
    save_screenshot(window, str(OUT / "2_example_loaded.png"))
    window.panel.run_button.click()
    wait_for(window.runs.finished)
    save_screenshot(window, str(OUT / "3_aligned_results.png"))
    spectra = window.checks.spectra
    window.tools.setCurrentWidget(spectra)
    for row, col in ((40, 40), (64, 64), (90, 30)):
        spectra.add_point(row, col)
    save_screenshot(window, str(OUT / "4_spectra.png"))
    profiles = window.checks.profiles
    window.tools.setCurrentWidget(profiles)
    profiles.set_line((40, 10), (40, 118), width=3)
    profiles.set_search_window(45, 85)  # follow one particle's dark centre, not the darkest of several
    save_screenshot(window, str(OUT / "5_profiles.png"))
    window.close()
    app.processEvents()
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
