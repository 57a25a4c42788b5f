"""Generic HDF5 reader: a chosen 3-D dataset (or the only one), read lazily.

Energies, angles, flats, darks and the pixel size are picked up when stored under a usual name
next to the image dataset or at the root (as in the files txmalign itself writes); energies and
angles also from an attribute of the image dataset (`energies`, with `energies_units`).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

import h5py

from ...engine.errors import InputError
from ..h5tools import (
    EXTENSIONS,
    check_virtual_sources,
    is_hdf5,
    linked_files,
    list_datasets,
    open_h5,
    per_image_attribute,
    per_image_values,
    pixel_size_nm,
    plain,
    read_references,
)
from ..lazy import H5Array
from ..registry import Reader, register_reader
from ..stack_data import StackData
from ..units import to_degrees, to_electronvolts

ENERGY_NAMES = ("energies", "energy", "X_eng", "energy_eV")
ANGLE_NAMES = ("angles", "angle", "theta", "thetas")
FLAT_NAMES = ("flats", "flat", "img_bkg", "data_white")
DARK_NAMES = ("darks", "dark", "img_dark", "data_dark")
PIXEL_NAMES = ("pixel_size_nm", "Pixel Size", "pixel_size")


def _choose_dataset(path: str, handle: h5py.File, dataset: Optional[str]) -> str:
    if dataset:
        try:
            item = handle.get(dataset)
        except (KeyError, OSError, RuntimeError) as error:
            raise InputError(f"{path}:{dataset} cannot be opened (a broken link?): {error}") from error
        if not isinstance(item, h5py.Dataset):
            names = ", ".join(name for name, _, _ in list_datasets(path)) or "none"
            raise InputError(f"{path} has no dataset {dataset} (3-D datasets: {names})")
        return dataset
    candidates = list_datasets(path)
    if len(candidates) == 1:
        return candidates[0][0]
    if not candidates:
        raise InputError(f"{path} holds no 3-D dataset (image stack)")
    listing = "; ".join(f"{name} {'x'.join(map(str, shape))} {dtype}" for name, shape, dtype in candidates)
    raise InputError(f"{path} holds several 3-D datasets, choose one: {listing}")


def _beside(group_list: Iterable[Any], lookup: Callable[[Any], Any]) -> Any:
    """The first non-None `lookup(group)` over the groups, or None."""
    for group in group_list:
        value = lookup(group)
        if value is not None:
            return value
    return None


def read_hdf5(path: str, dataset: Optional[str] = None) -> StackData:
    with open_h5(path) as handle:
        name = _choose_dataset(path, handle, dataset)
        item = handle[name]
        if item.ndim != 3:
            raise InputError(f"{path}:{name} has shape {item.shape}; an image stack (N x H x W) is needed")
        check_virtual_sources(item, f"{path}:{name}")
        count, frame = item.shape[0], item.shape[1:]
        parent = handle[name.rstrip("/").rpartition("/")[0] or "/"]
        groups = [parent] if parent.name == "/" else [parent, handle]
        metadata: dict[str, Any] = {"format": "hdf5", "linked_files": linked_files(item, path)}
        lookups = {
            "energies": lambda g: per_image_values(g, ENERGY_NAMES, count, to_electronvolts, metadata=metadata,
                                                   kind="energies"),
            "angles": lambda g: per_image_values(g, ANGLE_NAMES, count, to_degrees, metadata=metadata,
                                                 kind="angles"),
            "flats": lambda g: read_references(g, FLAT_NAMES, frame, metadata, "flat-field"),
            "darks": lambda g: read_references(g, DARK_NAMES, frame, metadata, "dark"),
            "pixel_size_nm": lambda g: pixel_size_nm(g, PIXEL_NAMES),
        }
        found = {key: _beside(groups, lookup) for key, lookup in lookups.items()}
        for key, names, convert in (("energies", ENERGY_NAMES, to_electronvolts), ("angles", ANGLE_NAMES, to_degrees)):
            found[key] = per_image_attribute(item, names, count, convert) if found[key] is None else found[key]
        metadata["attributes"] = {key: plain(value) for key, value in item.attrs.items()}
    return StackData(images=H5Array(path, name), path=path, dataset=name, metadata=metadata, **found)


register_reader(Reader("hdf5", "HDF5 (choose a 3-D dataset)", EXTENSIONS, is_hdf5, read_hdf5, priority=80))
