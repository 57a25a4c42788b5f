"""Safe output: write under a temporary name in the target folder and rename only once complete.

Ctrl-C, an error or a full disk therefore never leave a file that looks finished, and the
input file is never overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from typing import Iterable, Optional

from ..engine.errors import InputError

_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}
_NO_PERMISSION = {errno.EACCES, errno.EPERM, errno.EROFS}


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _write_error(path: str, error: OSError) -> InputError:
    text = str(error)
    if error.errno in _DISK_FULL or "No space left" in text or "Disk quota" in text:
        return InputError(f"not enough disk space to write {path}; nothing was saved "
                          "(free some space or choose another folder)")
    if error.errno in _NO_PERMISSION or "Permission denied" in text:
        return InputError(f"no permission to write {path}; choose another folder")
    return InputError(f"cannot write {path}: {error.strerror or text}")


@contextlib.contextmanager
def atomic_output(path: str, protect: Iterable[Optional[str]] = ()):
    """Yield a temporary path next to `path`; on success it replaces `path`, on any failure it is deleted.

    `protect` lists paths (the input) that must never be replaced; writing onto one raises `InputError`.
    """
    path = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise InputError(f"cannot write {path}: the folder {folder} does not exist")
    if os.path.isdir(path):
        raise InputError(f"cannot write {path}: it is a folder")
    for kept in protect:
        if kept and os.path.exists(path) and _same_file(path, kept):
            raise InputError(f"refusing to overwrite the input file {path}; choose another output name")
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{uuid.uuid4().hex[:8]}.partial")
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as error:
        _remove(temporary)
        raise _write_error(path, error) from error
    except BaseException:
        _remove(temporary)
        raise


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)
