"""Whether a run fits in memory: a rough estimate of what it needs against what the machine has free."""

from __future__ import annotations

import os
from typing import Optional

# The loaded float32 stack, the aligned float32 copy and the engine's working arrays.
_COPIES = 3


def available_bytes() -> Optional[int]:
    """Memory the system can still give this process (MemAvailable on Linux), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def run_needs_bytes(shape) -> int:
    count, height, width = (int(v) for v in shape)
    return _COPIES * count * height * width * 4


def memory_warning(shape) -> Optional[str]:
    """A sentence for the user when aligning a stack of `shape` would not fit in free memory, else None."""
    free = available_bytes()
    need = run_needs_bytes(shape)
    if free is None or need <= free:
        return None
    return (f"Aligning this {' x '.join(map(str, shape))} stack needs about {need / 2**30:.1f} GiB of memory "
            f"but only {free / 2**30:.1f} GiB is free. Crop or bin the stack, or close other programs.")
