"""Parsing of source strings (`file.h5:/dataset[3]`) and file-name ordering shared by the readers."""

from __future__ import annotations

import os
import re
from typing import Iterable, List, Optional, Tuple

from ..engine.errors import InputError

_INDEX = re.compile(r"^(.*)\[(-?\d+)\]$")
_DARK_WORDS = {"dark", "darks"}
_FLAT_WORDS = {"flat", "flats", "white", "bkg", "ref", "refs", "reference", "background"}


def split_source(source: str) -> Tuple[str, Optional[str], Optional[int]]:
    """Split `path[:dataset][[index]]` into (path, dataset, index).

    The path part is the longest prefix that exists on disk, so Windows drive letters and
    colons inside folder names are kept; a missing path raises `InputError`.
    """
    source = os.fspath(source)
    if os.path.exists(source):
        return source, None, None
    index = None
    match = _INDEX.match(source)
    if match and os.path.exists(match.group(1)):
        return match.group(1), None, int(match.group(2))
    for cut in [m.start() for m in re.finditer(":", source)][::-1]:
        path, rest = source[:cut], source[cut + 1:]
        if os.path.isfile(path) and rest:
            match = _INDEX.match(rest)
            if match:
                rest, index = match.group(1), int(match.group(2))
            return path, (rest or None), index
    raise InputError(f"file or folder not found: {source}")


def natural_key(name: str) -> List[Tuple[int, int, str]]:
    """Sort key that orders embedded numbers by value: img2 before img10."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.lower())
            for part in re.split(r"(\d+)", os.path.basename(name)) if part]


def files_with_extensions(folder: str, extensions: Iterable[str]) -> List[str]:
    """The files in `folder` (not recursive) whose names end with one of `extensions`, naturally sorted."""
    try:
        names = os.listdir(folder)
    except OSError as error:
        raise InputError(f"cannot list the folder {folder}: {error.strerror or error}") from error
    wanted = tuple(e.lower() for e in extensions)
    paths = [os.path.join(folder, n) for n in names
             if n.lower().endswith(wanted) and not n.startswith(".") and os.path.isfile(os.path.join(folder, n))]
    return sorted(paths, key=natural_key)


def name_role(path: str) -> str:
    """"dark", "flat" or "image", from the words of a file name (`dark_001.tif`, `ref_8250eV.xrm`)."""
    words = set(re.split(r"[^a-z]+", os.path.splitext(os.path.basename(path))[0].lower()))
    return "dark" if words & _DARK_WORDS else "flat" if words & _FLAT_WORDS else "image"
