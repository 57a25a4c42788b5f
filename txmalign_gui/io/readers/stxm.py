"""ALS STXM image stacks: a `.hdr` text header (scan definition) with one `.xim` text image per energy.

The header's `StackAxis` lists the photon energies (eV), `PAxis`/`QAxis` the sample x/y positions (um);
frame k of channel a is `<stem>_a<k>.xim` (k = energy index, zero-padded), a whitespace-separated table
of QAxis rows by PAxis columns.  Frames that are missing are left out with a warning (the stack then
holds the frames present, each with its own energy).  Open the `.hdr` file.
"""

from __future__ import annotations

import os
import re
from typing import Dict, Optional, Sequence

import numpy as np

from ...engine.errors import InputError
from ..registry import Reader, register_reader
from ..stack_data import StackData

_SIGNATURE = b"ScanDefinition"
_FRAME = re.compile(r"_a(\d+)\.xim$", re.IGNORECASE)


def _axis_points(text: str, axis: str, path: str) -> np.ndarray:
    """The `Points = (n, v1, ..., vn)` list of `axis` in the header text."""
    start = text.find(axis)
    points = text.find("Points", start) if start >= 0 else -1
    opening = text.find("(", points) if points >= 0 else -1
    closing = text.find(")", opening) if opening >= 0 else -1
    if closing < 0:
        raise InputError(f"{path}: the header has no {axis} points list")
    try:
        values = [float(v) for v in text[opening + 1:closing].replace("\n", " ").split(",") if v.strip()]
    except ValueError as error:
        raise InputError(f"{path}: the {axis} points are not numbers ({error})") from error
    count = int(values[0]) if values else -1
    if count < 1 or len(values) != count + 1:
        raise InputError(f"{path}: the {axis} declares {count} points but lists {len(values) - 1}")
    return np.array(values[1:])


def read_xim(path: str, shape: Sequence[int]) -> np.ndarray:
    """One `.xim` frame (text table) as float32, checked against the header's `shape`."""
    try:
        frame = np.loadtxt(path, dtype=np.float32, ndmin=2)
    except (OSError, ValueError) as error:
        raise InputError(f"cannot read {path} as an STXM .xim text image: {str(error)[:120]}") from error
    if frame.shape != tuple(shape):
        raise InputError(f"{path} is {frame.shape[0]} x {frame.shape[1]} but its header says "
                         f"{shape[0]} x {shape[1]}")
    return frame


def _frames(path: str) -> Dict[int, str]:
    """{energy index: .xim path} of channel a next to the header."""
    folder = os.path.dirname(os.path.abspath(path))
    stem = os.path.splitext(os.path.basename(path))[0]
    found: Dict[int, str] = {}
    for name in os.listdir(folder):
        match = _FRAME.search(name)
        if match and name[:match.start()] == stem:
            found[int(match.group(1))] = os.path.join(folder, name)
    return found


def read_stxm(path: str, dataset: Optional[str] = None) -> StackData:
    try:
        with open(path, encoding="latin-1") as handle:
            text = handle.read()
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from error
    energies = _axis_points(text, "StackAxis", path)
    columns = _axis_points(text, "PAxis", path)
    rows = _axis_points(text, "QAxis", path)
    frames = {k: v for k, v in _frames(path).items() if k < len(energies)}
    if not frames:
        raise InputError(f"{path}: no {os.path.splitext(os.path.basename(path))[0]}_a###.xim frames beside the "
                         "header")
    order = sorted(frames)
    metadata = {"format": "als stxm", "files": [os.path.basename(frames[k]) for k in order],
                "energy_indices": order}
    if len(order) < len(energies):
        metadata["warnings"] = [f"{len(order)} of the {len(energies)} frames the header lists are present; "
                                "the stack holds those"]
    step_um = round(abs(float(columns[1] - columns[0])), 6) if len(columns) > 1 else 0.0
    shape = (len(rows), len(columns))
    images = np.stack([read_xim(frames[k], shape) for k in order])  # small text frames: read and checked now
    return StackData(images=images, path=path, kind="xanes", energies=energies[order],
                     pixel_size_nm=step_um * 1000.0 or None, metadata=metadata)


def _is_stxm_header(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(64).lstrip().startswith(_SIGNATURE)
    except OSError:
        return False


register_reader(Reader("als-stxm", "ALS STXM stack (.hdr with .xim frames)", (".hdr",), _is_stxm_header, read_stxm))
