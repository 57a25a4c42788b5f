"""Fixed HDF5 layouts described as data (image dataset, flats, darks, energies, angles), read lazily."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..h5tools import (EXTENSIONS, is_hdf5, open_h5, per_image_values, pixel_size_nm, plain, read_references,
                       scalar_value)
from ..lazy import H5Array
from ..registry import Reader, register_reader
from ..stack_data import StackData
from ..units import to_degrees, to_electronvolts


@dataclass(frozen=True)
class Layout:
    """Where one beamline's HDF5 files keep each piece; names are tried in order, None = not stored.

    `energy_unit`/`angle_unit` apply when the dataset has no `units` attribute (None = guess from
    the values); `single_energy` names a scalar energy of the whole scan, kept in the metadata.
    """

    name: str
    description: str
    images: str
    kind: str
    flats: tuple = ()
    darks: tuple = ()
    energies: tuple = ()
    angles: tuple = ()
    pixel_size: tuple = ()
    energy_unit: Optional[str] = None
    angle_unit: Optional[str] = None
    single_energy: Optional[str] = None


def _identify(layout: Layout, path: str) -> bool:
    if not is_hdf5(path):
        return False
    with open_h5(path) as handle:
        return layout.images in handle


def _read(layout: Layout, path: str) -> StackData:
    with open_h5(path) as handle:
        item = handle[layout.images]
        count, frame = (item.shape[0], item.shape[1:]) if item.ndim == 3 else (0, ())
        metadata = {"format": layout.name, "attributes": {k: plain(v) for k, v in handle.attrs.items()}}
        energy = scalar_value(handle, layout.single_energy) if layout.single_energy else None
        if energy is not None:
            metadata["energy_eV"] = float(to_electronvolts(energy, layout.energy_unit))
        found = dict(
            energies=per_image_values(handle, layout.energies, count, to_electronvolts, layout.energy_unit),
            angles=per_image_values(handle, layout.angles, count, to_degrees, layout.angle_unit),
            flats=read_references(handle, layout.flats, frame),
            darks=read_references(handle, layout.darks, frame),
            pixel_size_nm=pixel_size_nm(handle, layout.pixel_size),
        )
    return StackData(images=H5Array(path, layout.images), path=path, dataset=layout.images,
                     kind=layout.kind, metadata=metadata, **found)


def register_layout(layout: Layout) -> Reader:
    """Register a reader for `layout`, tried before the generic HDF5 reader."""
    return register_reader(Reader(
        layout.name, layout.description, EXTENSIONS,
        identify=lambda path: _identify(layout, path),
        read=lambda path, dataset=None: _read(layout, path),
        main_dataset=layout.images, priority=20))
