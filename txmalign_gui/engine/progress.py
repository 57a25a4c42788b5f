"""A Qt-free progress and cancellation object shared by the engine, CLI, GUI and batch jobs.

The engine calls `progress.update(fraction, message)` at every step of a long
loop.  Cancelling sets a flag; the next `update` (or `check`) raises
`Cancelled`, so every loop that reports progress is cancellable without any
knowledge of the caller's threading or toolkit.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional, Union

from .errors import Cancelled

ProgressCallback = Callable[[float, str], None]


class Progress:
    """Reports fractional progress in [0, 1] and carries a cancellation flag.

    `callback(fraction, message)` is called on every update (from whatever
    thread the engine runs in: GUI callers must forward it with a signal).
    `sub(start, stop)` makes a child whose [0, 1] maps onto [start, stop] of
    this one and shares its cancellation flag.
    """

    def __init__(self, callback: Optional[ProgressCallback] = None,
                 cancel_event: Optional[threading.Event] = None):
        self._callback = callback
        self._cancel_event = cancel_event if cancel_event is not None else threading.Event()
        self._start = 0.0
        self._stop = 1.0
        self._parent: Optional[Progress] = None
        self.fraction = 0.0
        self.message = ""

    # -- cancellation -------------------------------------------------------
    def cancel(self) -> None:
        """Ask the running job to stop at its next progress update."""
        self._cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel_event.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        return self._cancel_event

    def check(self) -> None:
        """Raise `Cancelled` if cancellation was requested."""
        if self._cancel_event.is_set():
            raise Cancelled()

    # -- reporting ----------------------------------------------------------
    def update(self, fraction: float, message: str = "") -> None:
        """Report that `fraction` (0..1) of this task is done, then honour a pending cancel."""
        fraction = min(max(float(fraction), 0.0), 1.0)
        self.fraction = fraction
        if message:
            self.message = message
        overall = self._start + (self._stop - self._start) * fraction
        if self._parent is not None:
            self._parent._report(overall, message)
        elif self._callback is not None:
            self._callback(overall, message)
        self.check()

    def _report(self, fraction: float, message: str) -> None:
        # A child's position is already mapped into this object's [0, 1] range.
        self.update(fraction, message or self.message)

    def sub(self, start: float, stop: float) -> "Progress":
        """A child progress covering [start, stop] of this one, sharing the cancel flag."""
        child = Progress(cancel_event=self._cancel_event)
        child._parent = self
        child._start = float(start)
        child._stop = float(stop)
        return child


def as_progress(progress: Union[Progress, ProgressCallback, None] = None, cancel: Any = None) -> Progress:
    """Normalise the `progress`/`cancel` arguments of engine entry points into one `Progress`.

    `progress` may be a `Progress`, a callable `(fraction, message)` or None;
    `cancel` may be a `threading.Event`, anything with `is_set()`, or None.
    """
    if isinstance(progress, Progress):
        if cancel is not None and cancel is not progress.cancel_event:
            return _linked(progress, cancel)
        return progress
    event = cancel if cancel is not None else None
    if event is not None and not isinstance(event, threading.Event):
        event = _EventAdapter(event)
    return Progress(callback=progress, cancel_event=event)


def _linked(progress: Progress, cancel: Any) -> Progress:
    """A child of `progress` that also stops when the separate `cancel` object is set."""
    child = progress.sub(0.0, 1.0)
    child._cancel_event = _EitherEvent(progress.cancel_event, cancel)
    return child


class _EventAdapter(threading.Event):
    """Wraps any object with `is_set()` (or a zero-argument callable) as an Event."""

    def __init__(self, source: Any) -> None:
        super().__init__()
        self._source = source

    def is_set(self) -> bool:  # noqa: D401 - mirrors threading.Event
        if super().is_set():
            return True
        source = self._source
        return bool(source() if callable(source) and not hasattr(source, "is_set") else source.is_set())


class _EitherEvent(_EventAdapter):
    """Set when either of two events is set."""

    def __init__(self, first: threading.Event, second: Any) -> None:
        super().__init__(second)
        self._first = first

    def is_set(self) -> bool:
        return self._first.is_set() or super().is_set()

    def set(self) -> None:
        self._first.set()
