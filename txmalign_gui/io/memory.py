"""How much memory and disk space there is, so that a run is refused before it starts rather than failing
half way (MemoryError, a full disk) with a clear statement of how much it needs."""

from __future__ import annotations

import os
import shutil

from ..engine.errors import InputError

_GIB = 1024 ** 3


def available_bytes() -> int:
    """Memory the system can give this process now (MemAvailable on Linux, else physical memory)."""
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
