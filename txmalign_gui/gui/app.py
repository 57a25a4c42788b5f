"""Entry point of `txmalign-gui` and `python -m txmalign_gui`.

`--open FILE` opens a stack or session at start; `--screenshot PNG` additionally
renders the window to PNG and exits (for documentation and headless checks).
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from .. import __version__
from .app_log import log_exception, log_path, start_logging, stop_logging
from .resources import resource_path

SCREENSHOT_SIZE = (1366, 768)  # a small beamline screen: everything essential must fit


def parse_args(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="txmalign-gui", description="Align TXM image stacks (desktop app).")
    parser.add_argument("--open", metavar="FILE", help="stack, folder of TIFFs or .txmas session to open")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="save a picture of the window after opening FILE, then exit")
    parser.add_argument("--version", action="version", version=f"txmalign-gui {__version__}")
    return parser.parse_args(argv)


def create_app(argv=None):
    """The QApplication, created once, with the app's name, icon and style sheet."""
    from PyQt6.QtGui import QIcon
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setOrganizationName("txmalign")
    app.setApplicationName("txmalign-gui")
    app.setApplicationVersion(__version__)
    icon = resource_path("icons", "txmalign.svg")
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    style = resource_path("styles", "txmalign.qss")
    if style is not None:
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


def install_excepthook(window):
    """Show unexpected errors in the window's message bar (traceback in the log file) instead of aborting;
    returns the previous hook."""
    previous = sys.excepthook

    def hook(kind, value, trace):
        log_exception(kind, value, trace)
        window.show_error(f"Unexpected error: {kind.__name__}: {value}. The details are in {log_path()} "
                          "(Help > Open log folder); please report them.")
    sys.excepthook = hook
    return previous


def save_screenshot(window, path: str) -> bool:
    """Render `window` (after pending events and background work settle) to a PNG file."""
    from PyQt6.QtCore import QDeadlineTimer, QEventLoop
    from PyQt6.QtWidgets import QApplication

    deadline = QDeadlineTimer(30_000)
    while window.runs.running and not deadline.hasExpired():
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    QApplication.processEvents()
    return window.grab().save(path)


def main(argv: Optional[list] = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    start_logging()
    app = create_app()
    from PyQt6.QtCore import QEvent

    from .main_window import MainWindow

    window = MainWindow()
    previous_hook = install_excepthook(window)
    try:
        if args.screenshot:
            window.resize(*SCREENSHOT_SIZE)
        window.show()
        opened = window.open_path(args.open) if args.open else True
        if not args.screenshot:
            return app.exec()
        ok = save_screenshot(window, args.screenshot)
        window.close()
        window.deleteLater()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        if not ok:
            print(f"txmalign-gui: could not write {args.screenshot}", file=sys.stderr)
        return 0 if ok and opened else 1
    finally:
        sys.excepthook = previous_hook
        stop_logging()
