"""Whether a stack's frames are all in memory: what lets forked workers read them from inherited memory."""

from __future__ import annotations

from typing import Any

import numpy as np


def holds_in_memory(stack: Any, threads: int = 1) -> bool:
    """True for an in-memory array; for a lazy stack, its `hold_in_memory(threads)` (which may read every
    frame into memory first, see `io.lazy`) when it has one, else False."""
    if isinstance(stack, np.ndarray):
        return True
    hold = getattr(stack, "hold_in_memory", None)
    return bool(hold(threads)) if hold is not None else False
