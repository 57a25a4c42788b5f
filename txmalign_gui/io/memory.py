"""How much memory and disk space there is, so that a run is refused before it starts rather than failing
half way (MemoryError, a full disk) with a clear statement of how much it needs."""

from __future__ import annotations

import os
import shutil

from ..engine.errors import InputError

_GIB = 1024 ** 3
# How many runs (e.g. the stacks of a batch, side by side in a pool) share this machine's memory at once.
_sharing = 1


def share_between(runs: int) -> None:
    """Count on 1/`runs` of the memory from now on in this process: a batch's pool worker, one of `runs`
    stacks aligned at once, must not plan with memory its neighbours are about to take."""
    global _sharing
    _sharing = max(1, int(runs))


def sharing() -> int:
    """How many runs this process shares the memory with (itself included); 1 unless `share_between`."""
    return _sharing


def available_bytes() -> int:
    """This process's share (see `share_between`) of the memory the system can give now (MemAvailable on
    Linux, else physical memory)."""
    return _machine_available() // _sharing


def _machine_available() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 1 << 62  # unknown: do not refuse


def describe(nbytes: float) -> str:
    """A size a person reads: 3.2 GiB, 512 MiB, 12 KiB."""
    for unit, size in (("TiB", 1024 ** 4), ("GiB", _GIB), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if nbytes >= size:
            return f"{nbytes / size:.1f} {unit}"
    return f"{int(nbytes)} bytes"


def fits(nbytes: float) -> bool:
    return nbytes <= available_bytes()


def check_memory(nbytes: float, what: str) -> None:
    """Refuse with the needed and available sizes when `nbytes` does not fit in memory."""
    available = available_bytes()
    if nbytes > available:
        if _sharing > 1:
            raise InputError(f"not enough memory for {what}: it needs {describe(nbytes)}, {describe(available)} "
                             f"is its share with {_sharing} stacks aligned at once; run fewer at once (--jobs), "
                             "or crop or bin the data first")
        raise InputError(f"not enough memory for {what}: it needs {describe(nbytes)}, "
                         f"{describe(available)} is available; crop or bin the data first")


def check_disk_space(path: str, nbytes: float) -> None:
    """Refuse when the folder of `path` has less free space than `nbytes`."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if nbytes > free:
        raise InputError(f"not enough disk space to write {path}: it needs about {describe(nbytes)}, "
                         f"{describe(free)} is free; nothing was saved")
