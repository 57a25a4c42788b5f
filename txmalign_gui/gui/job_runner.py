"""Runs one background job at a time and reports on the GUI thread; it knows no job types.

A job is any Qt-free object with `run(progress) -> output` (progress: engine.progress.Progress,
whose `update` raises Cancelled after `cancel()`).  A job that has live news to tell (a frame
registered, a tomography round finished) calls the `news(item)` callable it was built with;
`JobRunner.post_news` is such a callable and turns each item into the `news` signal.
Whoever starts a job recognises its own results by the job object (`finished(job, output)`).
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any, Optional

from PyQt6.QtCore import QObject, QThread, pyqtSignal

from ..engine.errors import Cancelled, TxmAlignError
from ..engine.progress import Progress

_EMIT_INTERVAL_S = 0.05


class _Worker(QObject):
    """Executes one job in its own QThread; never touches a widget."""

    progressed = pyqtSignal(float, str)
    succeeded = pyqtSignal(object)
    failed = pyqtSignal(str)
    cancelled = pyqtSignal()
    done = pyqtSignal()

    def __init__(self, job):
        super().__init__()
        self.job = job
        self.cancel_event = threading.Event()
        self._last_emit = 0.0

    def run(self) -> None:
        try:
            output = self.job.run(Progress(callback=self._report, cancel_event=self.cancel_event))
        except Cancelled:
            self.cancelled.emit()
        except TxmAlignError as error:
            self.failed.emit(str(error))
        except MemoryError:
            self.failed.emit("not enough memory for this job; bin or crop the stack first")
        except Exception as error:  # a bug: report it in the window instead of killing the app
            traceback.print_exc()
            self.failed.emit(f"unexpected error ({type(error).__name__}: {error})")
        else:
            if self.cancel_event.is_set():
                self.cancelled.emit()
            else:
                self.succeeded.emit(output)
        self.done.emit()

    def _report(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self._last_emit >= _EMIT_INTERVAL_S or fraction >= 1.0:
            self._last_emit = now
            self.progressed.emit(fraction, message)


class JobRunner(QObject):
    """Start, cancel and follow one job at a time; every signal names the job it is about."""

    started = pyqtSignal(object)
    progressed = pyqtSignal(object, float, str, float)  # job, fraction, message, elapsed seconds
    news = pyqtSignal(object, object)  # job, item
    finished = pyqtSignal(object, object)  # job, output
    failed = pyqtSignal(object, str)
    cancelled = pyqtSignal(object)
    idle = pyqtSignal()
    _posted = pyqtSignal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._worker: Optional[_Worker] = None
        self._thread: Optional[QThread] = None
        # Each worker is kept until its thread has finished and then dropped here, in the GUI thread: a
        # worker deleted inside its own thread (deleteLater) disconnected from the Python-wrapped QThread
        # there, which needs the GIL while holding Qt's connection lock, and deadlocked a GUI thread that
        # held the GIL and wanted that lock (seen once, as a hung test).
        self._workers: dict = {}
        self._start = 0.0
        self._posted.connect(self._forward_news)

    @property
    def running(self) -> bool:
        return self._worker is not None

    @property
    def job(self) -> Any:
        return None if self._worker is None else self._worker.job

    def elapsed(self) -> float:
        return time.monotonic() - self._start if self.running else 0.0

    def post_news(self, item) -> None:
        """Thread-safe: hand `item` to the GUI thread as `news(job, item)` (dropped after a cancel)."""
        self._posted.emit(item)

    def start(self, job) -> None:
        if self.running:
            raise RuntimeError("a job is already running")
        self._start = time.monotonic()
        thread = QThread(self)
        worker = _Worker(job)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.done.connect(thread.quit)
        # the thread is named here, not found with sender(): PyQt's sender() for a slot called through a
        # queued connection came back None once (a failed test), when other signals were delivered between
        thread.finished.connect(lambda: self._thread_finished(thread))
        worker.progressed.connect(lambda f, m: self.progressed.emit(job, f, m, self.elapsed()))
        worker.succeeded.connect(lambda output: self._end(self.finished, job, output))
        worker.failed.connect(lambda message: self._end(self.failed, job, message))
        worker.cancelled.connect(lambda: self._end(self.cancelled, job))
        self._worker, self._thread = worker, thread
        self._workers[thread] = worker
        thread.start()
        self.started.emit(job)

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel_event.set()

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Block until the running job's thread ends (used when the window closes)."""
        return self._thread.wait(timeout_ms) if self._thread is not None else True

    def _forward_news(self, item) -> None:
        if self._worker is not None and not self._worker.cancel_event.is_set():
            self.news.emit(self._worker.job, item)

    def _end(self, signal, job, *args) -> None:
        self._worker = None
        signal.emit(job, *args)

    def _thread_finished(self, thread: QThread) -> None:
        if thread is self._thread:
            self._thread = None
        self._workers.pop(thread, None)  # the last reference: the worker is deleted here, in the GUI thread
        thread.deleteLater()
        self.idle.emit()
