"""The app's log file in the user's data folder: warnings, unexpected errors with their traceback, and the
Python stack of a hard crash (faulthandler), so a windowed app without a terminal still leaves a trace.

`start_logging()` is called once at start-up; `log_path()` is what the error bar and Help > Open log folder
point to. The file is rotated at 1 MB (three old copies kept).
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import sys
import traceback
from pathlib import Path
from typing import Optional

from .. import __version__
from ..io.user_data import user_data_dir

LOG_NAME = "txmalign-gui.log"
_state: dict = {}


def log_folder() -> Path:
    folder = user_data_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_path() -> Path:
    return log_folder() / LOG_NAME


def start_logging() -> Optional[Path]:
    """Send the `txmalign` loggers and Python warnings to the log file and arm faulthandler on a companion
    file; returns the log path, or None when the folder cannot be written (the app still runs)."""
    if "handler" in _state:
        return log_path()
    try:
        handler = logging.handlers.RotatingFileHandler(log_path(), maxBytes=1_000_000, backupCount=3,
                                                       encoding="utf-8")
        crash_file = open(log_folder() / "txmalign-gui-crash.log", "a", encoding="utf-8")  # noqa: SIM115
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("txmalign")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").addHandler(handler)
    faulthandler.enable(crash_file)
    _state.update(handler=handler, crash_file=crash_file)
    logger.info("txmalign-gui %s started (Python %s, %s)", __version__, sys.version.split()[0], sys.platform)
    return log_path()


def stop_logging() -> None:
    """Close the log file and the crash file (at exit, and between tests)."""
    handler = _state.pop("handler", None)
    if handler is None:
        return
    faulthandler.disable()
    logging.captureWarnings(False)
    logging.getLogger("txmalign").removeHandler(handler)
    logging.getLogger("py.warnings").removeHandler(handler)
    handler.close()
    _state.pop("crash_file").close()


def log_exception(kind, value, trace) -> None:
    """Write an unexpected error with its traceback to the log (and to stderr when there is one)."""
    text = "".join(traceback.format_exception(kind, value, trace))
    logging.getLogger("txmalign.gui").error("unexpected error\n%s", text)
    if sys.stderr is not None:
        sys.stderr.write(text)
