"""Write the aligned result as one self-describing HDF5 file, atomically.

Layout: /aligned (N, H, W) float32, /transforms (N, 3) with attribute `columns` = dy, dx, angle_deg,
optional /costs, /confidences, /statuses, /energies (eV), /angles (degrees), and /provenance
(JSON text, also in the root attribute `provenance` when it is short).  The generic HDF5 reader opens it again.
"""

from __future__ import annotations

from typing import Optional

import h5py
import numpy as np

from .. import __version__
from ..engine.errors import InputError
from .atomic import atomic_output
from .provenance import provenance_json
from .transforms_io import COLUMNS, as_transforms

FORMAT_NAME = "txmalign aligned stack"
_ATTRIBUTE_LIMIT = 60_000  # HDF5 attributes above 64 kB fail; the /provenance dataset has no limit


def _per_image(values, count: int, name: str, dtype=float) -> Optional[np.ndarray]:
    if values is None:
        return None
    values = np.asarray(values, dtype=dtype)
    if values.shape != (count,):
        raise InputError(f"{len(np.ravel(values))} {name} given for {count} images")
    return values


def write_aligned_hdf5(path: str, aligned, transforms, *, costs=None, confidences=None, statuses=None,
                       energies=None, angles=None, provenance: Optional[dict] = None,
                       input_path: Optional[str] = None, extras: Optional[dict] = None) -> None:
    """Write the aligned stack and everything about how it was made; refuses to overwrite the input
    (`input_path`, or `provenance["input_path"]`).  `extras` maps further dataset names (e.g.
    `tomo/slice_before`) to arrays stored beside the stack."""
    shape = tuple(getattr(aligned, "shape", np.shape(aligned)))
    if len(shape) != 3:
        raise InputError(f"cannot write {path}: the aligned stack must be N x H x W, got shape {shape}")
    count = shape[0]
    table = as_transforms(transforms, count)
    columns = {
        "costs": _per_image(costs, count, "costs"),
        "confidences": _per_image(confidences, count, "confidences"),
        "statuses": _per_image(statuses, count, "statuses", dtype=object),
        "energies": _per_image(energies, count, "energies"),
        "angles": _per_image(angles, count, "angles"),
    }
    units = {"energies": "eV", "angles": "degrees"}
    provenance = dict(provenance or {})
    with atomic_output(path, [input_path, provenance.get("input_path")]) as temporary:
        with h5py.File(temporary, "w") as handle:
            handle.attrs["format"] = FORMAT_NAME
            handle.attrs["txmalign_version"] = __version__
            data = handle.create_dataset("aligned", shape=shape, dtype=np.float32, chunks=(1,) + shape[1:])
            for index in range(count):
                data[index] = np.asarray(aligned[index], dtype=np.float32)
            data.attrs["description"] = "images resampled onto the anchor (NaN = no data)"
            handle.create_dataset("transforms", data=table).attrs["columns"] = list(COLUMNS)
            for name, values in columns.items():
                if values is None:
                    continue
                if values.dtype == object:
                    handle.create_dataset(name, data=[str(v) for v in values], dtype=h5py.string_dtype())
                else:
                    handle.create_dataset(name, data=values)
                if name in units:
                    handle[name].attrs["units"] = units[name]
            for name, values in (extras or {}).items():
                if values is not None:
                    handle.create_dataset(name, data=np.asarray(values))
            text = provenance_json(provenance)
            handle.create_dataset("provenance", data=text, dtype=h5py.string_dtype())
            if len(text) < _ATTRIBUTE_LIMIT:
                handle.attrs["provenance"] = text
