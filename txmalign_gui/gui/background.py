"""Runs a slow function (writing a large file) on Qt's thread pool and reports back through signals."""

from __future__ import annotations

import traceback

from PyQt6.QtCore import QObject, QRunnable, pyqtSignal

from ..engine.errors import TxmAlignError


class _Signals(QObject):
    succeeded = pyqtSignal()
    failed = pyqtSignal(str)


class BackgroundCall(QRunnable):
    """One call of `function()` off the GUI thread; expected errors arrive as `signals.failed(message)`."""

    def __init__(self, function):
        super().__init__()
        self.function = function
        self.signals = _Signals()

    def run(self) -> None:
        try:
            self.function()
        except TxmAlignError as error:
            self.signals.failed.emit(str(error))
        except OSError as error:
            self.signals.failed.emit(error.strerror or str(error))
        except Exception as error:  # a bug: report it in the window instead of killing the app
            traceback.print_exc()
            self.signals.failed.emit(f"unexpected error ({type(error).__name__}: {error})")
        else:
            self.signals.succeeded.emit()
