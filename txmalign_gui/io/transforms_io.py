"""The transforms table (N x 3: dy, dx, angle_deg) as CSV, and reading it back from CSV or an aligned HDF5."""

from __future__ import annotations

import csv
import os
from typing import Any, Dict, Iterable, List, Optional

import h5py
import numpy as np
from numpy.typing import NDArray

from ..engine.errors import InputError
from .atomic import atomic_output
from .h5tools import is_hdf5, open_h5

COLUMNS = ("dy", "dx", "angle_deg")


def as_transforms(transforms: Iterable[Any], count: Optional[int] = None) -> NDArray[np.float64]:
    """(N, 3) float array [dy, dx, angle_deg] from such an array, an (N, 2) shift array or Transform objects."""
    rows = [t.as_tuple() if hasattr(t, "as_tuple") else t for t in transforms]
    table = np.asarray(rows, dtype=float)
    if table.ndim == 2 and table.shape[1] == 2:
        table = np.column_stack([table, np.zeros(len(table))])
    if table.ndim != 2 or table.shape[1] != 3:
        raise InputError(f"transforms must be an N x 3 table (dy, dx, angle_deg), got shape {table.shape}")
    if count is not None and len(table) != count:
        raise InputError(f"{len(table)} transforms given for {count} images")
    if not np.isfinite(table).all():
        raise InputError("transforms contain NaN or infinite values")
    return table


def write_transforms_csv(path: str, transforms: Iterable[Any], *, input_path: Optional[str] = None,
                         extra_columns: Optional[Dict[str, Any]] = None) -> None:
    """Write `index,dy,dx,angle_deg` rows (atomically; never over `input_path`); `extra_columns` maps
    further column names to one number per image (readers find columns by name, so these are ignored)."""
    table = as_transforms(transforms)
    extra = {name: np.asarray(values, dtype=float) for name, values in (extra_columns or {}).items()}
    with atomic_output(path, [input_path]) as temporary:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(("index",) + COLUMNS + tuple(extra))
            for index, row in enumerate(table):
                writer.writerow([index] + [repr(float(v)) for v in row]
                                + [repr(float(values[index])) for values in extra.values()])


def _read_csv(path: str) -> np.ndarray:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle) if row and not row[0].lstrip().startswith("#")]
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the transforms file {path}: {error}") from error
    header = [name.strip().lower() for name in rows[0]] if rows else []
    if "dy" not in header or "dx" not in header:
        raise InputError(f"{path} is not a transforms table: its first line must name the columns "
                         "(index,dy,dx,angle_deg)")
    columns = [header.index(name) for name in COLUMNS if name in header]
    try:
        table = np.array([[float(row[c]) for c in columns] for row in rows[1:]])
    except (ValueError, IndexError) as error:
        raise InputError(f"{path}: a row is not numeric or is short ({error})") from error
    table = as_transforms(table.reshape(-1, len(columns)))
    if "index" not in header:
        return table
    ordered: np.ndarray = table[_row_order(path, [row[header.index("index")] for row in rows[1:]])]
    return ordered


def _row_order(path: str, indices: List[str]) -> np.ndarray:
    """The row of each image 0..N-1 from the `index` column, which must name each image exactly once."""
    try:
        numbers = np.array([float(v) for v in indices])
    except ValueError as error:
        raise InputError(f"{path}: the index column is not numeric ({error})") from error
    count = len(numbers)
    if not np.array_equal(numbers, np.round(numbers)) or sorted(numbers.astype(int).tolist()) != list(range(count)):
        raise InputError(f"{path}: the index column must name each image 0..{count - 1} exactly once")
    return np.argsort(numbers.astype(int))


def _read_h5(path: str) -> np.ndarray:
    with open_h5(path) as handle:
        item = handle.get("transforms")
        if not isinstance(item, h5py.Dataset):
            raise InputError(f"{path} holds no /transforms table (is it an aligned file written by txmalign?)")
        return as_transforms(item[()])


def read_transforms(path: str) -> np.ndarray:
    """(N, 3) float array [dy, dx, angle_deg] from a transforms CSV or an aligned HDF5 file."""
    if not os.path.isfile(path):
        raise InputError(f"file not found: {path}")
    return _read_h5(path) if is_hdf5(path) else _read_csv(path)
