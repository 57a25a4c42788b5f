"""Reader plugins and the registry that picks one for a file or folder (as MANTiS does).

A reader declares a name, the file extensions it handles and an `identify(path)` check (for
example HDF5 layout sniffing); the first registered reader whose extensions match and whose
check passes reads the file.  Readers are tried by `priority` (lowest first), so specific layouts
(FXI, Data Exchange) are recognised before the generic HDF5 reader.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from ..engine.errors import InputError
from .paths import split_source
from .stack_data import StackData


@dataclass(frozen=True)
class Reader:
    """One file format: `read(path, dataset)` returns a StackData.

    `folder` readers take a directory whose files end with `extensions`.  `main_dataset` is the
    image dataset of a fixed HDF5 layout: asking for any other dataset of such a file falls
    through to the next reader (the generic HDF5 one).
    """

    name: str
    description: str
    extensions: Tuple[str, ...]
    identify: Callable[[str], bool]
    read: Callable[[str, Optional[str]], StackData]
    folder: bool = False
    main_dataset: Optional[str] = None
    priority: int = 50


_READERS: List[Reader] = []


def register_reader(reader: Reader) -> Reader:
    """Add `reader`, replacing one of the same name; readers of equal priority keep registration order."""
    _READERS[:] = sorted([r for r in _READERS if r.name != reader.name] + [reader], key=lambda r: r.priority)
    return reader


def readers() -> List[Reader]:
    """The registered readers in the order they are tried."""
    return list(_READERS)


def _accepts(reader: Reader, path: str, dataset: Optional[str]) -> bool:
    if reader.folder != os.path.isdir(path):
        return False
    if not reader.folder and not path.lower().endswith(reader.extensions):
        return False
    if dataset and reader.main_dataset and dataset.strip("/") != reader.main_dataset.strip("/"):
        return False
    return reader.identify(path)


def find_reader(path: str, dataset: Optional[str] = None) -> Reader:
    """The first reader that handles `path` (and `dataset`), or `InputError` naming what is supported."""
    for reader in _READERS:
        if _accepts(reader, path, dataset):
            return reader
    raise InputError(_unrecognised(path))


def _unrecognised(path: str) -> str:
    """A short reason why no reader took `path`: empty, not the format its name says, or unknown."""
    if os.path.isdir(path):
        return f"the folder {path} holds no images txmalign reads (TIFF, .xrm, .xim with a .hdr)"
    if not os.path.isfile(path):
        return f"{path} is not a regular file"
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as error:
        return f"cannot read {path}: {error.strerror or error}"
    if size == 0:
        return f"{path} is empty (0 bytes)"
    extension = os.path.splitext(path)[1].lower()
    names = [r for r in _READERS if not r.folder and extension and path.lower().endswith(r.extensions)]
    if names:
        return f"{path} is not a valid {names[-1].description.split(' (')[0]} file (its first bytes are {head!r})"
    known = sorted({e for r in _READERS for e in r.extensions})
    return f"{path}: unknown file type {extension or '(no extension)'}; txmalign reads {' '.join(known)} and folders"


def read_stack(source: str, dataset: Optional[str] = None, skip_axis_values: int = 0) -> StackData:
    """Read an image stack from a file, a folder or `file.h5:/path/to/dataset`.

    `skip_axis_values` drops that many leading values of the energies/angles file or dataset (entries
    recorded for dark and flat frames), see `StackData.skipping_axis_values`.
    """
    path, embedded, _ = split_source(source)
    dataset = dataset or embedded
    data = find_reader(path, dataset).read(path, dataset)
    return data.skipping_axis_values(skip_axis_values) if skip_axis_values else data


def file_dialog_groups() -> List[Tuple[str, Tuple[str, ...]]]:
    """(label, extensions) per file format family for open dialogs, in registry order: readers that share
    extensions (the HDF5 layouts) form one group named after the most generic of them."""
    groups: Dict[Tuple[str, ...], str] = {}
    for reader in _READERS:
        if not reader.folder:
            groups[reader.extensions] = reader.description.split(" (")[0]  # later = more generic
    return [(label, extensions) for extensions, label in groups.items()]


def supported_formats() -> List[str]:
    """One "description (*.ext ...)" line per reader, for messages and file dialogs."""
    return [f"{r.description} ({' '.join('*' + e for e in r.extensions)}{', a folder' if r.folder else ''})"
            for r in _READERS]
