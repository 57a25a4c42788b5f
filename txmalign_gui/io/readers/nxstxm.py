"""NeXus NXstxm files (STXM at Canadian Light Source, SLS, Soleil...): an NXentry whose `definition` is
NXstxm, holding NXdata groups (one per detector channel) with `data` (energy, y, x), `energy` (eV) and
`sample_x`/`sample_y` (um).  Image stacks ("sample image stack") are read; the first channel is used
and the others are named in a warning.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import h5py
import numpy as np

from ...engine.errors import InputError
from ..h5tools import EXTENSIONS, is_hdf5, open_h5, per_image_values
from ..lazy import H5Array
from ..registry import Reader, register_reader
from ..stack_data import StackData
from ..units import to_electronvolts


def _text(value: Any) -> str:
    value = value[()] if isinstance(value, h5py.Dataset) else value
    if isinstance(value, np.ndarray):
        value = value.ravel()[0] if value.size else ""
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _stxm_entry(handle: h5py.File) -> Optional[h5py.Group]:
    """The first top-level group whose `definition` (dataset or attribute) is NXstxm; broken links skipped."""
    for name in handle:
        try:
            item = handle.get(name)
            if isinstance(item, h5py.Group) and _text(item.get("definition", item.attrs.get("definition", ""))) \
                    .strip().lower() == "nxstxm":
                return item
        except (KeyError, OSError, RuntimeError, ValueError):
            continue
    return None


def _channels(entry: h5py.Group) -> List[Tuple[str, h5py.Dataset]]:
    """NXdata groups of the entry holding a 3-D `data`."""
    found: List[Tuple[str, h5py.Dataset]] = []
    for name, item in entry.items():
        if isinstance(item, h5py.Group) and _text(item.attrs.get("NX_class", "")) == "NXdata":
            data = item.get("data")
            if isinstance(data, h5py.Dataset):
                found.append((name, data))
    return found


def read_nxstxm(path: str, dataset: Optional[str] = None) -> StackData:
    with open_h5(path) as handle:
        entry = _stxm_entry(handle)
        channels = _channels(entry) if entry is not None else []
        if entry is None or not channels:
            raise InputError(f"{path} is an NXstxm file without an NXdata group holding data")
        name, data = channels[0]
        if data.ndim != 3:
            scan = _text(entry.get("counter0/stxm_scan_type", data.parent.get("stxm_scan_type", "")))
            raise InputError(f"{path}:{data.name} is {data.ndim}-D ({scan or 'not an image stack'}); an image "
                             "stack (energy x y x x) is needed")
        metadata: dict[str, Any] = {"format": "nxstxm", "channel": name}
        if len(channels) > 1:
            metadata["warnings"] = [f"{len(channels)} detector channels; using {name} "
                                    f"(others: {', '.join(n for n, _ in channels[1:])})"]
        energies = per_image_values(data.parent, ("energy",), data.shape[0], to_electronvolts, metadata=metadata,
                                    kind="energies")
        x = data.parent.get("sample_x")
        pixel_nm = None
        if isinstance(x, h5py.Dataset) and x.size > 1:
            pixel_nm = abs(float(x[1] - x[0])) * 1000.0 or None
        source = data.name
    return StackData(images=H5Array(path, source), path=path, dataset=source, kind="xanes",
                     energies=energies, pixel_size_nm=pixel_nm, metadata=metadata)


def _identify(path: str) -> bool:
    if not is_hdf5(path):
        return False
    with open_h5(path) as handle:
        return _stxm_entry(handle) is not None


register_reader(Reader("nxstxm", "NeXus NXstxm (HDF5)", EXTENSIONS, _identify, read_nxstxm, priority=15))
