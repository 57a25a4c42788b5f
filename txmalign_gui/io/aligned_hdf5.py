"""Write the aligned result as one self-describing HDF5 file, atomically.

Layout: /aligned (N, H, W) float32, /transforms (N, 3) with attribute `columns` = dy, dx, angle_deg (rigid;
(N, 4) with `scale` added for similarity, (N, 6) dy, dx, a11, a12, a21, a22 for affine, and attribute `kind`),
optional /costs, /confidences, /statuses, /energies (eV), /angles (degrees), and /provenance
(JSON text, also in the root attribute `provenance` when it is short).  The generic HDF5 reader opens it again.

The same datasets are also reachable as a NeXus NXdata group (/entry/data: `data`, `energy` or
`rotation_angle`; hard links, no copy) so that silx view and h5web plot the stack by default.  With
`data_exchange=True` (tomography) the file also has the Data Exchange layout that dxchange's
`read_aps_32id` and TomoPy's standard pipeline (normalize, minus_log, reconstruct) read unchanged:
/exchange/data, data_white (ones), data_dark (zeros) and theta (degrees, which dxchange converts to
radians), /measurement/sample (where the projections came from), /process/txmalign (how they were
aligned) and the root dataset `implements`.  /exchange/data holds transmissions: exp(-aligned) when the
aligned projections are line integrals, so that minus_log gives them back instead of taking a second log.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import h5py
import numpy as np
import numpy.typing as npt

from .. import __version__
from ..engine.errors import InputError
from .atomic import atomic_output
from .h5tools import new_h5
from .provenance import provenance_json
from .transforms_io import COLUMNS, as_transforms, columns_of

FORMAT_NAME = "txmalign aligned stack"
_ATTRIBUTE_LIMIT = 60_000  # HDF5 attributes above 64 kB fail; the /provenance dataset has no limit


def _per_image(values: Optional[npt.ArrayLike], count: int, name: str, dtype: npt.DTypeLike = float
               ) -> Optional[np.ndarray]:
    if values is None:
        return None
    values = np.asarray(values, dtype=dtype)
    if values.shape != (count,):
        raise InputError(f"{len(np.ravel(values))} {name} given for {count} images")
    return values


def write_aligned_hdf5(path: str, aligned: Any, transforms: Any, *, costs: Optional[npt.ArrayLike] = None,
                       confidences: Optional[npt.ArrayLike] = None, statuses: Optional[npt.ArrayLike] = None,
                       energies: Optional[npt.ArrayLike] = None, angles: Optional[npt.ArrayLike] = None,
                       provenance: Optional[Dict[str, Any]] = None,
                       input_path: Optional[str] = None, extras: Optional[Dict[str, Any]] = None,
                       data_exchange: bool = False) -> None:
    """Write the aligned stack and everything about how it was made; refuses to overwrite the input
    (`input_path`, or `provenance["input_path"]`).  `extras` maps further dataset names (e.g.
    `tomo/slice_before`) to arrays stored beside the stack; `data_exchange` adds the TomoPy layout."""
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
    if data_exchange and columns["angles"] is None:
        raise InputError(f"cannot write {path} in the Data Exchange layout: no rotation angles")
    with atomic_output(path, [input_path, provenance.get("input_path")]) as temporary:
        copies = 2 if data_exchange and (provenance.get("preprocessing") or {}).get("minus_log") else 1
        with new_h5(temporary, expected_bytes=4 * copies * int(np.prod(shape))) as handle:
            handle.attrs["format"] = FORMAT_NAME
            handle.attrs["txmalign_version"] = __version__
            data = handle.create_dataset("aligned", shape=shape, dtype=np.float32, chunks=(1,) + shape[1:])
            for index in range(count):
                data[index] = np.asarray(aligned[index], dtype=np.float32)
            data.attrs["description"] = "images resampled onto the anchor (NaN = no data)"
            saved = handle.create_dataset("transforms", data=table)
            saved.attrs["columns"] = list(columns_of(table))
            if table.shape[1] != len(COLUMNS):  # rigid files keep exactly their former attributes
                saved.attrs["kind"] = "similarity" if table.shape[1] == 4 else "affine"
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
            _nexus_links(handle, columns)
            if data_exchange:
                _data_exchange(handle, shape, provenance)
            text = provenance_json(provenance)
            handle.create_dataset("provenance", data=text, dtype=h5py.string_dtype())
            if len(text) < _ATTRIBUTE_LIMIT:
                handle.attrs["provenance"] = text


def _nexus_links(handle: h5py.File, columns: Dict[str, Optional[np.ndarray]]) -> None:
    """/entry/data as an NXdata group over the stack and its energy or angle axis (hard links)."""
    handle.attrs["NX_class"] = "NXroot"
    handle.attrs["default"] = "entry"
    entry = handle.create_group("entry")
    entry.attrs["NX_class"] = "NXentry"
    entry.attrs["default"] = "data"
    group = entry.create_group("data")
    group.attrs["NX_class"] = "NXdata"
    group.attrs["signal"] = "data"
    group["data"] = handle["aligned"]
    handle["aligned"].attrs["interpretation"] = "image"
    axis = "."
    for name, nexus_name in (("energies", "energy"), ("angles", "rotation_angle")):
        if columns[name] is not None:
            group[nexus_name] = handle[name]
            axis = nexus_name
            group.attrs[f"{nexus_name}_indices"] = 0
            break
    group.attrs["axes"] = [axis, ".", "."]


def _data_exchange(handle: h5py.File, shape: Tuple[int, ...], provenance: Dict[str, Any]) -> None:
    """/exchange, /measurement and /process as the Data Exchange layout defines them (see the module
    docstring).  White = 1 and dark = 0 make TomoPy's normalize an identity: the projections are already
    flat-field corrected."""
    handle.create_dataset("implements", data="exchange:measurement:process", dtype=h5py.string_dtype())
    exchange = handle.create_group("exchange")
    prepared = provenance.get("preprocessing") or {}
    if prepared.get("minus_log"):
        data = exchange.create_dataset("data", shape=shape, dtype=np.float32, chunks=(1,) + shape[1:])
        for index in range(shape[0]):
            data[index] = np.exp(-handle["aligned"][index])
        quantity = ("transmissions exp(-p) of the aligned line integrals p in /aligned: TomoPy's normalize "
                    "and minus_log give p back")
    else:
        exchange["data"] = handle["aligned"]
        quantity = "the aligned flat-field corrected intensities (the same data as /aligned)"
    exchange["data"].attrs["axes"] = "theta:y:x"
    exchange.create_dataset("data_white", data=np.ones((1,) + shape[1:], dtype=np.float32))
    exchange.create_dataset("data_dark", data=np.zeros((1,) + shape[1:], dtype=np.float32))
    exchange["theta"] = handle["angles"]
    exchange.attrs["description"] = (f"aligned projections by txmalign; data holds {quantity}; "
                                     "NaN where a shifted projection has no data")
    sample = handle.create_group("measurement").create_group("sample")
    sample.create_dataset("file_name", data=str(provenance.get("input_path") or ""), dtype=h5py.string_dtype())
    if provenance.get("input_dataset"):
        sample.create_dataset("dataset", data=str(provenance["input_dataset"]), dtype=h5py.string_dtype())
    process = handle.create_group("process").create_group("txmalign")
    process.create_dataset("program", data=f"txmalign {__version__}", dtype=h5py.string_dtype())
    process.create_dataset("parameters", data=provenance_json(provenance), dtype=h5py.string_dtype())
    process["transforms"] = handle["transforms"]
    for name, unit in (("axis_tilt_deg", "degrees"), ("centre_offset", "pixels")):
        if provenance.get(name) is not None:
            process.create_dataset(name, data=float(provenance[name])).attrs["units"] = unit
