"""Safe output: write under a temporary name in the target folder and rename only once complete.

Ctrl-C, SIGTERM (the CLI turns it into KeyboardInterrupt), an error or a full disk therefore never
leave a file that looks finished, and the input file is never overwritten.  HDF5 reports a full
disk as RuntimeError or OSError from write, flush or close; both become one clear `InputError`.
The temporary name stays within the 255-byte limit of a file name however long the target is.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from typing import Iterable, Iterator, Optional

from ..engine.errors import InputError
from .output_paths import check_output_path

_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}
_NO_PERMISSION = {errno.EACCES, errno.EPERM, errno.EROFS}
# How HDF5 and the OS word a full disk (HDF5 errors carry the errno only inside their text).
_DISK_FULL_TEXT = ("No space left", "Disk quota", "File too large", "file write failed", "errno = 28",
                   "errno = 27", "errno = 122")


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _write_error(path: str, error: Exception) -> InputError:
    text = str(error)
    number = getattr(error, "errno", None)
    if number in _DISK_FULL or any(sign in text for sign in _DISK_FULL_TEXT):
        return InputError(f"not enough disk space to write {path}; nothing was saved "
                          "(free some space or choose another folder)")
    if number in _NO_PERMISSION or "No space left" in text or "Disk quota" in text:
        return InputError(f"not enough disk space to write {path}; nothing was saved "
                          "(free some space or choose another folder)")
        return InputError(f"no permission to write {path}; choose another folder")
    return InputError(f"cannot write {path}: {getattr(error, 'strerror', None) or text}; nothing was saved")


def temporary_name(path: str) -> str:
    """A hidden name next to `path`, unique, and no longer than a file name may be."""
    folder, name = os.path.split(path)
    suffix = f".{uuid.uuid4().hex[:8]}.partial"
    encoded = os.fsencode(name)[:255 - len(suffix) - 1]
    return os.path.join(folder, "." + encoded.decode(errors="ignore") + suffix)


@contextlib.contextmanager
def atomic_output(path: str, protect: Iterable[Optional[str]] = ()) -> Iterator[str]:
    """Yield a temporary path next to `path`; on success it replaces `path`, on any failure it is deleted.

    `protect` lists paths (the input) that must never be replaced; writing onto one raises `InputError`.
    """
    path = os.path.abspath(os.fspath(path))
    check_output_path(path, force=True)
    for kept in protect:
        if kept and os.path.exists(path) and _same_file(path, kept):
            raise InputError(f"refusing to overwrite the input file {path}; choose another output name")
    temporary = temporary_name(path)
    try:
        yield temporary
        os.replace(temporary, path)
    except (OSError, RuntimeError) as error:
        _remove(temporary)
        raise _write_error(path, error) from error
    except BaseException:
        _remove(temporary)
        raise


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)
