"""Exceptions the engine raises on purpose.

Callers (CLI, GUI, batch jobs) catch `TxmAlignError` and show its message;
anything else is a bug and may surface as a traceback.
"""


class TxmAlignError(Exception):
    """Base class: an expected failure with a message meant for the user."""


class InputError(TxmAlignError, ValueError):
    """The data or parameters given cannot be registered (empty, NaN, wrong shape...)."""


class Cancelled(TxmAlignError):
    """The user cancelled a running job; raised from inside the progress callback."""

    def __init__(self, message: str = "cancelled by the user"):
        super().__init__(message)
