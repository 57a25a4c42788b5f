"""The one error guard of the `txmalign` command line.

`guarded(run)` calls `run()` and turns every way a run can end badly into a one-line message that
names the problem on the first line of stderr and an exit status, never a traceback:
bad input, a full disk, too little memory -> 2; a run whose result is not trustworthy -> 1 (decided by
the subcommand; `result_exit` for a result with a status); Ctrl-C or SIGTERM -> 130, after the temporary
output has been removed (SIGTERM is turned into KeyboardInterrupt so the same clean-up runs).  Warnings
from numpy, h5py and tifffile are collected and printed after that line as `txmalign: note: ...`.  An
unexpected exception (a bug) is also one line; TXMALIGN_DEBUG=1 prints its traceback.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback
import warnings
from typing import Callable

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130
_LIBRARY_LOGGERS = ("tifffile", "h5py", "imagecodecs")
_MAX_NOTES = 3


class _Collect(logging.Handler):
    def __init__(self, notes: list):
        super().__init__(logging.WARNING)
        self.notes = notes

    def emit(self, record: logging.LogRecord) -> None:
        self.notes.append(record.getMessage())


def _terminate(signum, frame):
    raise KeyboardInterrupt


def _forget_unhandled_interrupt() -> None:
    """CPython marks a KeyboardInterrupt that escaped code run by `exec` of a string as unhandled for good,
    even once caught, and then ends the process by SIGINT (status -2, not 130) at exit; scipy runs such an
    `exec` while it loads, so Ctrl-C there hit it.  Every `exec` of a string first clears that mark."""
    exec("pass", {})  # noqa: S102 - a constant string, run only for the side effect above


def _message(error: BaseException) -> tuple:
    """(exit status, first line) for an exception that ended the run."""
    from concurrent.futures.process import BrokenProcessPool

    from .engine.errors import Cancelled, TxmAlignError

    if _interrupted(error):
        return EXIT_INTERRUPTED, "interrupted; no output was written"
    if isinstance(error, Cancelled):
        return EXIT_INTERRUPTED, f"{error}; no output was written"
    if isinstance(error, TxmAlignError):
        return EXIT_BAD_INPUT, f"error: {error}"
    if isinstance(error, MemoryError):
        return EXIT_BAD_INPUT, "error: not enough memory for this run; crop or bin the data, or use fewer --jobs"
    if isinstance(error, BrokenProcessPool):
        return EXIT_BAD_INPUT, ("error: a worker process died (killed, or out of memory); no output was written; "
                                "try fewer --jobs")
    if isinstance(error, OSError):
        where = f" ({error.filename})" if getattr(error, "filename", None) else ""
        return EXIT_BAD_INPUT, f"error: {error.strerror or error}{where}"
    if isinstance(error, RecursionError):
        return EXIT_BUG, "internal error: recursion too deep (please report the file that caused it)"
    return EXIT_BUG, (f"internal error: {type(error).__name__}: {str(error)[:200]} (please report it; "
                      "TXMALIGN_DEBUG=1 shows the details)")


def _interrupted(error: BaseException) -> bool:
    """A KeyboardInterrupt, also one that a library turned into another error (numpy reports an interrupted
    import of its C extensions as an ImportError)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def result_exit(status: str) -> int:
    """The exit status of a run that ended with a result of `status` (ok, low_confidence or failed): 1 only
    for failed; a low-confidence result is printed with its reason and exits 0."""
    return EXIT_FAILED if status == "failed" else 0


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:300]


def guarded(run: Callable[[], int], stream=None) -> int:
    """`run()`'s exit status, or the status of the exception that ended it (see the module docstring)."""
    stream = stream or sys.stderr
    notes: list = []
    collector = _Collect(notes)
    loggers = [logging.getLogger(name) for name in _LIBRARY_LOGGERS]
    saved = [(lg.propagate, list(lg.handlers)) for lg in loggers]
    for lg in loggers:
        lg.handlers = [collector]
        lg.propagate = False
    previous_term = None
    try:
        previous_term = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: leave signals alone
        pass
    status, line = 0, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            status = run()
        except SystemExit:
            raise
        except BaseException as error:  # noqa: BLE001 - every ending becomes one line
            if _interrupted(error):
                _forget_unhandled_interrupt()
            status, line = _message(error)
            if status == EXIT_BUG and os.environ.get("TXMALIGN_DEBUG"):
                traceback.print_exc(file=stream)
        finally:
            if previous_term is not None:
                signal.signal(signal.SIGTERM, previous_term)
            for lg, (propagate, handlers) in zip(loggers, saved):
                lg.handlers, lg.propagate = handlers, propagate
    notes.extend(str(w.message) for w in caught)
    if line is not None:
        print(f"txmalign: {_one_line(line)}", file=stream)
    shown = list(dict.fromkeys(_one_line(n) for n in notes if n))
    for note in shown[:_MAX_NOTES]:
        print(f"txmalign: note: {note}", file=stream)
    if len(shown) > _MAX_NOTES:
        print(f"txmalign: note: ({len(shown) - _MAX_NOTES} more warnings)", file=stream)
    return status
