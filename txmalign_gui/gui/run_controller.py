"""Starts and stops background jobs and times them; the window listens to its signals.

Only one job runs at a time.  Signals arrive on the GUI thread (queued from the
worker thread), so slots connected to them may update widgets.
"""

from __future__ import annotations

import time
from typing import Optional

from PyQt6.QtCore import QObject, pyqtSignal

from .worker import AlignJob, start_worker


class RunController(QObject):
    """Owns the current AlignWorker and its QThread; re-emits the worker's news with the elapsed time."""

    started = pyqtSignal(object)
    progressed = pyqtSignal(float, str, float)
    frame_done = pyqtSignal(int, object)
    finished = pyqtSignal(object)
    failed = pyqtSignal(str)
    cancelled = pyqtSignal()
    idle = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._worker = None
        self._thread = None
        self._start = 0.0

    @property
    def running(self) -> bool:
        return self._worker is not None

    @property
    def job(self) -> Optional[AlignJob]:
        return None if self._worker is None else self._worker.job

    def elapsed(self) -> float:
        return time.monotonic() - self._start if self.running else 0.0

    def start(self, job: AlignJob) -> None:
        if self.running:
            raise RuntimeError("a job is already running")
        self._start = time.monotonic()
        worker, thread = start_worker(job, self)
        self._worker, self._thread = worker, thread
        worker.progressed.connect(lambda f, m: self.progressed.emit(f, m, self.elapsed()))
        worker.frame_done.connect(self._frame_done)
        worker.finished.connect(self._finished)
        worker.failed.connect(self._failed)
        worker.cancelled.connect(self._cancelled)
        thread.finished.connect(self._thread_finished)
        self.started.emit(job)

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Block until the running job's thread ends (used when the window closes)."""
        return self._thread.wait(timeout_ms) if self._thread is not None else True

    def _frame_done(self, index: int, result) -> None:
        if self._worker is not None and not self._worker.is_cancelled:
            self.frame_done.emit(index, result)

    def _finished(self, output) -> None:
        self._release()
        self.finished.emit(output)

    def _failed(self, message: str) -> None:
        self._release()
        self.failed.emit(message)

    def _cancelled(self) -> None:
        self._release()
        self.cancelled.emit()

    def _release(self) -> None:
        self._worker = None

    def _thread_finished(self) -> None:
        thread = self.sender()
        if thread is self._thread:
            self._thread = None
        thread.deleteLater()
        self.idle.emit()
