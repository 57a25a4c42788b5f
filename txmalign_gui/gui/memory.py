"""Whether a run fits in memory: a rough estimate of what it needs against what the machine has free."""

from __future__ import annotations

from typing import Optional

from ..io.memory import available_bytes, describe

# The loaded float32 stack, the aligned float32 copy and the engine's working arrays.
_COPIES = 3


def run_needs_bytes(shape) -> int:
    count, height, width = (int(v) for v in shape)
    return _COPIES * count * height * width * 4


def memory_warning(shape) -> Optional[str]:
    """A sentence for the user when aligning a stack of `shape` would not fit in free memory, else None."""
    free = available_bytes()
    need = run_needs_bytes(shape)
    if need <= free:
        return None
    return (f"Aligning this {' x '.join(map(str, shape))} stack needs about {describe(need)} of memory "
            f"but only {describe(free)} is free. Crop or bin the stack, or close other programs.")
