"""Fixed HDF5 layouts described as data (image dataset, flats, darks, energies, angles), read lazily."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

import numpy as np

from ...engine.errors import InputError
from ..h5tools import (
    EXTENSIONS,
    check_virtual_sources,
    is_hdf5,
    is_linked,
    linked_files,
    open_h5,
    per_image_values,
    pixel_size_nm,
    plain,
    read_references,
    scalar_value,
)
from ..lazy import H5Array
from ..registry import Reader, register_reader
from ..stack_data import StackData
from ..units import to_degrees, to_electronvolts


@dataclass(frozen=True)
class Layout:
    """Where one beamline's HDF5 files keep each piece; names are tried in order, None = not stored.

    `energy_unit`/`angle_unit` apply when the dataset has no `units` attribute (None = guess from
    the values); `single_energy` names a scalar energy of the whole scan, kept in the metadata.
    `exports_normalised`: the beamline's export tools write the images already flat/dark-normalised
    (floating point, around 1) next to the raw flats; such files are recognised and their flats not
    applied a second time.
    """

    name: str
    description: str
    images: str
    kind: str
    flats: Tuple[str, ...] = ()
    darks: Tuple[str, ...] = ()
    energies: Tuple[str, ...] = ()
    angles: Tuple[str, ...] = ()
    pixel_size: Tuple[str, ...] = ()
    energy_unit: Optional[str] = None
    angle_unit: Optional[str] = None
    single_energy: Optional[str] = None
    exports_normalised: bool = False


# A normalised image is a fraction of the beam: its median is far below the flat's median counts.
_NORMALISED_RATIO = 0.1


def _already_normalised(item: Any, flats: Optional[np.ndarray], darks: Optional[np.ndarray]) -> bool:
    """True when floating-point images are a small fraction of the flats' counts (already divided)."""
    if flats is None or item.dtype.kind != "f":
        return False
    frame = np.asarray(item[0], dtype=np.float64)
    beam = np.asarray(flats, dtype=np.float64) - (np.mean(darks, axis=0) if darks is not None and np.ndim(darks) == 3
                                                  else (darks if darks is not None else 0.0))
    level = float(np.nanmedian(beam))
    return level > 0 and float(np.nanmedian(np.abs(frame))) < _NORMALISED_RATIO * level


def _identify(layout: Layout, path: str) -> bool:
    if not is_hdf5(path):
        return False
    with open_h5(path) as handle:
        return layout.images in handle


def _read(layout: Layout, path: str, dataset: Optional[str] = None) -> StackData:
    with open_h5(path) as handle:
        if is_linked(handle, layout.images) and not dataset:
            raise InputError(f"{path}:{layout.images} is stored in another file (external link or virtual "
                             f"dataset); name it to follow the link: {path}:{layout.images}")
        item = handle[layout.images]
        check_virtual_sources(item, f"{path}:{layout.images}")
        count, frame = (item.shape[0], item.shape[1:]) if item.ndim == 3 else (0, ())
        metadata: dict[str, Any] = {"format": layout.name, "attributes": {k: plain(v) for k, v in handle.attrs.items()},
                    "linked_files": linked_files(item, path)}
        energy = scalar_value(handle, layout.single_energy) if layout.single_energy else None
        if energy is not None:
            metadata["energy_eV"] = float(to_electronvolts(energy, layout.energy_unit))
        found: dict[str, Any] = dict(
            energies=per_image_values(handle, layout.energies, count, to_electronvolts, layout.energy_unit,
                                      metadata, "energies"),
            angles=per_image_values(handle, layout.angles, count, to_degrees, layout.angle_unit, metadata, "angles"),
            flats=read_references(handle, layout.flats, frame, metadata, "flat-field"),
            darks=read_references(handle, layout.darks, frame, metadata, "dark"),
            pixel_size_nm=pixel_size_nm(handle, layout.pixel_size),
        )
        if layout.exports_normalised and count and _already_normalised(item, found["flats"], found["darks"]):
            found["flats"] = found["darks"] = None
            metadata["already_normalised"] = True
            metadata.setdefault("warnings", []).append(
                f"{layout.images} is already flat-field normalised (an exported {layout.description.split(' (')[0]} "
                "file: floating point, a fraction of the flat counts); flat-field correction is off")
    return StackData(images=H5Array(path, layout.images), path=path, dataset=layout.images,
                     kind=layout.kind, metadata=metadata, **found)


def register_layout(layout: Layout) -> Reader:
    """Register a reader for `layout`, tried before the generic HDF5 reader."""
    return register_reader(Reader(
        layout.name, layout.description, EXTENSIONS,
        identify=lambda path: _identify(layout, path),
        read=lambda path, dataset: _read(layout, path, dataset),
        main_dataset=layout.images, priority=20))
