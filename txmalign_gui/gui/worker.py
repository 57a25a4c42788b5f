"""Runs an alignment off the GUI thread and reports through Qt signals.

The job is a frozen copy of everything the engine needs, taken when Run was
pressed; the worker never touches a widget.  Cancelling sets a threading.Event
that the engine's Progress checks at every update, and a cancelled or failed run
delivers nothing but the signal saying so.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping, Optional

import numpy as np
from PyQt6.QtCore import QObject, QThread, pyqtSignal

from ..engine.errors import Cancelled, TxmAlignError
from ..engine.progress import Progress
from ..engine.stack import align_stack, apply_transforms
from .prepare import prepare_images

_EMIT_INTERVAL_S = 0.05


@dataclass(frozen=True)
class AlignJob:
    """Everything one run needs, copied from the widgets when Run was pressed.

    `stack` is a StackData; `prepare` holds the PREPARE_PARAMS values; `frames` (sorted
    indices) re-runs only those frames, each registered onto frame `anchor`.  With
    `transforms` given (N, 3) nothing is registered: the job only resamples the stack
    (restoring a session).
    """

    stack: Any
    method: str
    params: Mapping
    stack_options: Mapping
    reference: Optional[np.ndarray] = None
    roi: Optional[tuple] = None
    mask: Optional[np.ndarray] = None
    frames: Optional[tuple] = None
    anchor: Optional[int] = None
    transforms: Optional[np.ndarray] = None
    prepare: Mapping = field(default_factory=dict)

    def __post_init__(self):
        for name in ("params", "stack_options", "prepare"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))


@dataclass
class JobOutput:
    """What a finished job hands back: the engine's StackResult (None for a resampling-only job) and the
    aligned frames it covers."""

    job: AlignJob
    result: Any
    aligned: np.ndarray
    frames: Optional[tuple] = field(default=None)


class AlignWorker(QObject):
    """Executes one AlignJob, or any job with `execute(progress, report)` where `report(index, news)` becomes
    `frame_done`; lives in its own QThread (see `start_worker`)."""

    progressed = pyqtSignal(float, str)
    frame_done = pyqtSignal(int, object)
    finished = pyqtSignal(object)
    failed = pyqtSignal(str)
    cancelled = pyqtSignal()
    done = pyqtSignal()

    def __init__(self, job: AlignJob):
        super().__init__()
        self.job = job
        self._cancel = threading.Event()
        self._last_emit = 0.0

    def cancel(self) -> None:
        """Ask the engine to stop at its next progress update (thread-safe)."""
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            output = self._execute()
        except Cancelled:
            self.cancelled.emit()
        except TxmAlignError as error:
            self.failed.emit(str(error))
        except MemoryError:
            self.failed.emit("not enough memory for this alignment; bin or crop the stack first")
        except Exception as error:  # a bug: report it in the window instead of killing the app
            traceback.print_exc()
            self.failed.emit(f"unexpected error ({type(error).__name__}: {error})")
        else:
            if self._cancel.is_set():
                self.cancelled.emit()
            else:
                self.finished.emit(output)
        self.done.emit()

    def _report(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self._last_emit >= _EMIT_INTERVAL_S or fraction >= 1.0:
            self._last_emit = now
            self.progressed.emit(fraction, message)

    def _execute(self) -> JobOutput:
        job = self.job
        progress = Progress(callback=self._report, cancel_event=self._cancel)
        if not isinstance(job, AlignJob):  # another mode's job (tomography) runs itself
            return job.execute(progress, lambda index, news: self.frame_done.emit(int(index), news))
        progress.update(0.0, "reading the stack")
        images = prepare_images(job.stack, job.stack.load(), job.prepare)
        if job.transforms is not None:
            progress.update(0.1, "applying the saved transforms")
            aligned = apply_transforms(images, job.transforms, progress=progress.sub(0.1, 1.0))
            return JobOutput(job=job, result=None, aligned=aligned)
        if job.frames is not None:
            return self._rerun(images, progress)
        progress.update(0.05, "aligning")
        result = align_stack(images, method=job.method, params=dict(job.params), mask=job.mask, roi=job.roi,
                             reference=job.reference, progress=progress.sub(0.05, 0.9),
                             on_result=lambda i, r: self.frame_done.emit(int(i), r),
                             binning=int(job.prepare.get("binning", 1)), **job.stack_options)
        aligned = apply_transforms(images, result.transforms, progress=progress.sub(0.9, 1.0))
        progress.update(1.0, "done")
        return JobOutput(job=job, result=result, aligned=aligned)

    def _rerun(self, images: np.ndarray, progress: Progress) -> JobOutput:
        """Register the selected frames onto the anchor frame (or the separate reference) again.

        The anchor goes first in a small stack aligned with the anchor strategy, so even one
        selected frame makes a valid stack; only the selected frames' rows are returned.
        """
        job = self.job
        order = [job.anchor] + [f for f in job.frames if f != job.anchor]
        keep = [i for i, frame in enumerate(order) if frame in job.frames]
        reference = job.reference
        if reference is not None and np.ndim(reference) == 3:
            reference = reference[order]
        options = {**job.stack_options, "strategy": "anchor", "anchor": 0}
        progress.update(0.05, "aligning the selected frames")
        result = align_stack(images[order], method=job.method, params=dict(job.params), mask=job.mask,
                             roi=job.roi, reference=reference, progress=progress.sub(0.05, 0.9),
                             on_result=lambda i, r: self.frame_done.emit(int(order[i]), r),
                             binning=int(job.prepare.get("binning", 1)), **options)
        result = replace(result, transforms=np.asarray(result.transforms)[keep],
                         costs=np.asarray(result.costs)[keep], confidences=np.asarray(result.confidences)[keep],
                         statuses=[result.statuses[i] for i in keep],
                         check_differences=None if result.check_differences is None
                         else np.asarray(result.check_differences)[keep])
        frames = tuple(order[i] for i in keep)
        aligned = apply_transforms(images[list(frames)], result.transforms, progress=progress.sub(0.9, 1.0))
        progress.update(1.0, "done")
        return JobOutput(job=job, result=result, aligned=aligned, frames=frames)


def start_worker(job: AlignJob, parent: QObject) -> tuple:
    """Create an AlignWorker in a new QThread, start it and return (worker, thread)."""
    thread = QThread(parent)
    worker = AlignWorker(job)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.done.connect(thread.quit)
    thread.finished.connect(worker.deleteLater)
    thread.start()
    return worker, thread
