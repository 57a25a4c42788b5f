"""Checks on the paths a run will write, made before any work starts so that nothing is lost.

Refused: writing onto an input; two outputs of one run on the same path (the second would replace
the first); an existing file without `force`; a folder, device, FIFO, socket or symlink (even a
dangling one) at the output path, with or without `force`, because replacing it would destroy
something that is not a result; a file name longer than the file system allows.
"""

from __future__ import annotations

import os
import stat
from typing import Iterable, Optional

from ..engine.errors import InputError
from .paths import split_source

NAME_LIMIT = 255  # bytes in one file name on every common file system


def source_file(source: str) -> str:
    """The file or folder part of a source such as `scan.h5:/img_xanes[3]`."""
    return split_source(source)[0]


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_output_path(path: str, force: bool = False) -> None:
    """Refuse an output path that cannot or must not be written (see the module docstring)."""
    name = os.path.basename(os.fspath(path))
    if not name:
        raise InputError(f"cannot write {path!r}: it names a folder, not a file")
    if len(os.fsencode(name)) > NAME_LIMIT:
        raise InputError(f"the output file name is {len(os.fsencode(name))} bytes long, the limit is "
                         f"{NAME_LIMIT}: {path}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror or error}") from error
    if stat.S_ISLNK(info.st_mode):
        target = os.readlink(path)
        state = "" if os.path.exists(path) else " (dangling)"
        raise InputError(f"refusing to write {path}: it is a symbolic link{state} to {target}; "
                         "remove the link or choose another name")
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"cannot write {path}: it is a folder")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"refusing to write {path}: it is a special file (device, pipe or socket), "
                         "not a regular file")
    if not force:
        raise InputError(f"{path} already exists; choose another name or pass --force to replace it")


def check_output(path: str, inputs: Iterable[Optional[str]], force: bool) -> None:
    """`check_outputs` for a run with one output (the form other subcommands call)."""
    check_outputs([path], inputs, force)


def check_outputs(outputs: Iterable[Optional[str]], inputs: Iterable[Optional[str]], force: bool) -> None:
    """Check every output path of one run against the inputs, each other and the file system."""
    paths = [os.fspath(p) for p in outputs if p]
    sources = [source_file(s) for s in inputs if s]
    for index, path in enumerate(paths):
        for source in sources:
            if os.path.lexists(path) and _same(path, source) or \
                    os.path.abspath(path) == os.path.abspath(source):
                raise InputError(f"refusing to overwrite the input {path}; choose another output name")
        for other in paths[:index]:
            if os.path.abspath(path) == os.path.abspath(other) or (os.path.lexists(path) and _same(path, other)):
                raise InputError(f"two outputs would both be written to {path}; give each output its own name")
        check_output_path(path, force)
