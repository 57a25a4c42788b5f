"""Small HDF5 helpers shared by the HDF5 readers: safe opening, dataset listing, finding values by usual names.

Datasets that live in other files (external links, virtual datasets) are followed only when the user
names them: a file could otherwise make txmalign read any file on the machine.  `linked_files` lists
what such a dataset really reads, so that the provenance can checksum it.  Compressed datasets
(Bitshuffle/LZ4, Blosc, Zstd) are read through the `hdf5plugin` filters when it is installed.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import h5py
import numpy as np

try:  # registers the Bitshuffle, Blosc and Zstd decompression filters with HDF5
    import hdf5plugin  # noqa: F401
except (ImportError, OSError):  # pragma: no cover - a dependency; without it such files get a clear message
    pass

from ..engine.errors import InputError
from . import memory
from .units import length_to_nm

EXTENSIONS = (".h5", ".hdf5", ".hdf", ".he5", ".nxs", ".cxi")
Convert = Callable[[np.ndarray, Any], np.ndarray]  # (values, unit) -> values in the engine's unit


@contextlib.contextmanager
def open_h5(path: str) -> Iterator[h5py.File]:
    """`h5py.File(path, "r")`, with unreadable or non-HDF5 files turned into `InputError`."""
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise InputError(_open_failure(path, error)) from error
    with handle:
        yield handle


def _open_failure(path: str, error: OSError) -> str:
    """Why `path` cannot be opened as HDF5, in a few words: empty, not HDF5, or damaged."""
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        return f"{path} is empty (0 bytes)"
    if os.path.isfile(path) and not is_hdf5(path):
        return f"{path} is not a valid HDF5 file"
    reason = " ".join(str(error).split())
    return f"cannot open {path} as HDF5 (damaged or truncated?): {reason[:160]}"


def is_hdf5(path: str) -> bool:
    try:
        return bool(h5py.is_hdf5(path))
    except OSError:
        return False


def is_linked(group: h5py.Group, name: str) -> bool:
    """True when `group[name]` (or a group on its path) is an external link or a virtual dataset."""
    current = group
    for part in [p for p in name.split("/") if p]:
        try:
            link = current.get(part, getlink=True)
        except (KeyError, OSError, RuntimeError):
            return False
        if isinstance(link, h5py.ExternalLink):
            return True
        try:
            current = current[part]
        except (KeyError, OSError, RuntimeError):
            return False
    return isinstance(current, h5py.Dataset) and current.is_virtual


def linked_files(item: h5py.Dataset, path: str) -> List[str]:
    """The other files dataset `item` (opened from `path`) reads: its external file or virtual sources."""
    files = []
    if item.file.filename and os.path.abspath(item.file.filename) != os.path.abspath(path):
        files.append(item.file.filename)
    if item.is_virtual:
        folder = os.path.dirname(os.path.abspath(item.file.filename))
        for source in item.virtual_sources():
            name = source.file_name
            files.append(os.path.join(folder, name) if name != "." and not os.path.isabs(name) else
                         (item.file.filename if name == "." else name))
    return sorted(set(files))


def check_virtual_sources(item: h5py.Dataset, spec: str) -> None:
    """Refuse a virtual dataset whose source files are missing: HDF5 would read fill values (zeros)."""
    if not item.is_virtual:
        return
    for name in linked_files(item, item.file.filename):
        if not os.path.isfile(name):
            raise InputError(f"{spec} is a virtual dataset whose source file {name} is missing; its pixels "
                             "would read as zeros")


def _is_image_type(dtype: np.dtype) -> bool:
    return dtype.kind in "biuf"


def list_datasets(h5_path: str) -> List[Tuple[str, Tuple[int, ...], np.dtype]]:
    """(path, shape, dtype) of every numeric 3-D dataset in the file: the candidates for an image stack.

    Virtual datasets (which read other files) are left out; name one explicitly to use it.
    """
    found: List[Tuple[str, Tuple[int, ...], np.dtype]] = []

    def visit(name: str, item: Any) -> None:
        if isinstance(item, h5py.Dataset) and item.ndim == 3 and _is_image_type(item.dtype) \
                and not item.is_virtual:
            found.append(("/" + name, tuple(item.shape), item.dtype))

    with open_h5(h5_path) as handle:
        handle.visititems(visit)
    return found


def first_dataset(group: h5py.Group, names: Iterable[str]) -> Optional[h5py.Dataset]:
    """The first of `names` that is a dataset stored in `group`'s own file (links to other files are not
    followed unless named by the user), or None."""
    for name in names:
        try:
            if name not in group or is_linked(group, name):
                continue
            item = group.get(name)
        except (OSError, RuntimeError, KeyError):
            continue
        if isinstance(item, h5py.Dataset):
            return item
    return None


def _warn(metadata: Optional[Dict[str, Any]], text: str) -> None:
    if metadata is not None:
        metadata.setdefault("warnings", []).append(text)


def read_references(group: h5py.Group, names: Iterable[str], frame_shape: Sequence[int],
                    metadata: Optional[Dict[str, Any]] = None,
                    what: str = "references") -> Optional[np.ndarray]:
    """Flats or darks stored under one of `names`, if they exist and match the image size (else a warning)."""
    item = first_dataset(group, names)
    if item is None:
        return None
    if item.ndim not in (2, 3) or tuple(item.shape[-2:]) != tuple(frame_shape) or not _is_image_type(item.dtype):
        _warn(metadata, f"{item.name} ({what}) is {'x'.join(map(str, item.shape))} {item.dtype} but the images "
                        f"are {'x'.join(map(str, frame_shape))}; not used, no {what} correction")
        return None
    references: np.ndarray = item[()]
    return references


def per_image_values(group: h5py.Group, names: Iterable[str], count: int, convert: Convert, unit: Any = None,
                     metadata: Optional[Dict[str, Any]] = None,
                     kind: str = "values") -> Optional[np.ndarray]:
    """One value per image from a dataset under one of `names`, converted with `unit` or its `units` attribute.

    A dataset with another count is not used: a warning says so and `metadata["axis_sources"]` keeps
    it for `StackData.skipping_axis_values`.
    """
    item = first_dataset(group, names)
    if item is None:
        return None
    if not np.issubdtype(item.dtype, np.number):
        _warn(metadata, f"{item.name} ({kind}) is not numeric; not used")
        return None
    if metadata is not None and item.size > 1:
        metadata.setdefault("axis_sources", {})[kind] = f"{item.file.filename}:{item.name}"
    if item.size != count:
        if item.size > 1:
            _warn(metadata, f"{item.name} holds {item.size} {kind} for {count} images; not used "
                            "(--skip-axis-values N drops leading entries of dark/flat frames)")
        return None
    return convert(np.ravel(item[()]), unit or item.attrs.get("units"))


def per_image_attribute(item: Any, names: Iterable[str], count: int, convert: Convert) -> Optional[np.ndarray]:
    """One value per image from an attribute of `item` under one of `names` (unit in `<name>_units`)."""
    for name in names:
        values = np.ravel(np.asarray(item.attrs.get(name, [])))
        if values.size == count and np.issubdtype(values.dtype, np.number):
            return convert(values, item.attrs.get(f"{name}_units"))
    return None


def scalar_value(group: h5py.Group, name: str) -> Optional[float]:
    """A single number stored as dataset `name`, or None."""
    item = group.get(name)
    if isinstance(item, h5py.Dataset) and item.size == 1 and np.issubdtype(item.dtype, np.number):
        return float(np.ravel(item[()])[0])
    return None


def pixel_size_nm(group: h5py.Group, names: Iterable[str]) -> Optional[float]:
    """A pixel size stored as an attribute or a dataset under one of `names`, in nm."""
    for name in names:
        if name in group.attrs:
            return length_to_nm(group.attrs[name])
        item = group.get(name)
        if isinstance(item, h5py.Dataset) and item.size == 1:
            return length_to_nm(np.ravel(item[()])[0], _text(item.attrs.get("units", "nm")))
    return None


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def plain(value: Any) -> Any:
    """An HDF5 attribute as a plain Python value (for metadata shown to the user or saved as JSON)."""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()] if value.dtype.kind in "OS" else value.tolist()
    return value.item() if isinstance(value, np.generic) else value


# Files expected to be larger than this are written to disk directly rather than built in memory first.
_IN_MEMORY_BYTES = 64 * 1024 ** 2


@contextlib.contextmanager
def new_h5(path: str, expected_bytes: int = 0) -> Iterator[h5py.File]:
    """A new HDF5 file for the temporary output `path`, written so that a full disk is one clean OSError.

    HDF5 crashes the process (exit 139) when a write fails half way through a compressed dataset, so the
    file is built in memory (the `core` driver) and its bytes are written with plain Python I/O when the
    block ends.  A large file (`expected_bytes` over `_IN_MEMORY_BYTES`, e.g. an aligned stack, which is
    stored uncompressed) or one that would not fit in memory twice is written to disk directly, after
    checking that the disk has room for it, so writing never holds a second copy of the data.
    """
    if expected_bytes <= _IN_MEMORY_BYTES and memory.fits(2 * expected_bytes):
        handle = h5py.File(path, "w", driver="core", backing_store=False)
    else:
        memory.check_disk_space(path, expected_bytes)
        handle = h5py.File(path, "w")
    with handle:
        yield handle
        if handle.driver == "core":
            handle.flush()
            image = handle.id.get_file_image()
        else:
            image = None
    if image is not None:
        with open(path, "wb") as out:
            out.write(image)
