"""Small HDF5 helpers shared by the HDF5 readers: safe opening, dataset listing, finding values by usual names."""

from __future__ import annotations

import contextlib
from typing import Optional

import h5py
import numpy as np

from ..engine.errors import InputError
from .units import length_to_nm

EXTENSIONS = (".h5", ".hdf5", ".hdf", ".he5", ".nxs", ".cxi")


@contextlib.contextmanager
def open_h5(path: str):
    """`h5py.File(path, "r")`, with unreadable or non-HDF5 files turned into `InputError`."""
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise InputError(f"cannot open {path} as HDF5: {error}") from error
    with handle:
        yield handle


def is_hdf5(path: str) -> bool:
    try:
        return bool(h5py.is_hdf5(path))
    except OSError:
        return False


def list_datasets(h5_path: str) -> list:
    """(path, shape, dtype) of every 3-D dataset in the file: the candidates for an image stack."""
    found = []

    def visit(name, item):
        if isinstance(item, h5py.Dataset) and item.ndim == 3:
            found.append(("/" + name, tuple(item.shape), item.dtype))

    with open_h5(h5_path) as handle:
        handle.visititems(visit)
    return found


def first_dataset(group: h5py.Group, names) -> Optional[h5py.Dataset]:
    """The first of `names` that is a dataset in `group`, or None."""
    for name in names:
        item = group.get(name)
        if isinstance(item, h5py.Dataset):
            return item
    return None


def read_references(group: h5py.Group, names, frame_shape) -> Optional[np.ndarray]:
    """Flats or darks stored under one of `names`, if they exist and match the image size."""
    item = first_dataset(group, names)
    if item is None or item.ndim not in (2, 3) or tuple(item.shape[-2:]) != tuple(frame_shape):
        return None
    return item[()]


def per_image_values(group: h5py.Group, names, count: int, convert, unit=None) -> Optional[np.ndarray]:
    """One value per image from a dataset under one of `names`, converted with `unit` or its `units` attribute."""
    item = first_dataset(group, names)
    if item is None or item.size != count or not np.issubdtype(item.dtype, np.number):
        return None
    return convert(np.ravel(item[()]), unit or item.attrs.get("units"))


def per_image_attribute(item, names, count: int, convert) -> Optional[np.ndarray]:
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


def pixel_size_nm(group: h5py.Group, names) -> Optional[float]:
    """A pixel size stored as an attribute or a dataset under one of `names`, in nm."""
    for name in names:
        if name in group.attrs:
            return length_to_nm(group.attrs[name])
        item = group.get(name)
        if isinstance(item, h5py.Dataset) and item.size == 1:
            return length_to_nm(np.ravel(item[()])[0], _text(item.attrs.get("units", "nm")))
    return None


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def plain(value):
    """An HDF5 attribute as a plain Python value (for metadata shown to the user or saved as JSON)."""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()] if value.dtype.kind in "OS" else value.tolist()
    return value.item() if isinstance(value, np.generic) else value
