"""The transforms table as CSV, and reading it back from CSV or an aligned HDF5.

Rigid tables keep their columns (dy, dx, angle_deg); similarity tables add `scale`; affine tables are
dy, dx, a11, a12, a21, a22 (the convention of `engine.transform`).  Readers find columns by name, so a file
written before similarity and affine existed reads as before.
"""

from __future__ import annotations

import csv
import os
from typing import Any, Dict, Iterable, List, Optional, Tuple

import h5py
import numpy as np
from numpy.typing import NDArray

from ..engine.errors import InputError
from ..engine.transform import as_table
from .atomic import atomic_output
from .h5tools import is_hdf5, open_h5

COLUMNS = ("dy", "dx", "angle_deg")
KIND_COLUMNS = {"rigid": COLUMNS, "similarity": COLUMNS + ("scale",),
                "affine": ("dy", "dx", "a11", "a12", "a21", "a22")}
_WIDTHS = {len(columns): kind for kind, columns in KIND_COLUMNS.items()}


def columns_of(table: np.ndarray) -> Tuple[str, ...]:
    """The column names of an (N, 3 | 4 | 6) table."""
    return KIND_COLUMNS[_WIDTHS[table.shape[1]]]


def as_transforms(transforms: Iterable[Any], count: Optional[int] = None) -> NDArray[np.float64]:
    """(N, 3 | 4 | 6) float table from such an array, an (N, 2) shift array or transform objects (of mixed
    kinds: each is widened to the most general)."""
    items = list(transforms)
    if items and all(hasattr(t, "to_row") for t in items):
        table = as_table(items)
    else:
        table = np.asarray(items, dtype=float)
    if table.ndim == 2 and table.shape[1] == 2:
        table = np.column_stack([table, np.zeros(len(table))])
    if table.ndim != 2 or table.shape[1] not in _WIDTHS:
        raise InputError("transforms must be an N x 3 (dy, dx, angle_deg), N x 4 (+ scale) or N x 6 (dy, dx, "
                         f"a11, a12, a21, a22) table, got shape {table.shape}")
    if count is not None and len(table) != count:
        raise InputError(f"{len(table)} transforms given for {count} images")
    if not np.isfinite(table).all():
        raise InputError("transforms contain NaN or infinite values")
    return table


def write_transforms_csv(path: str, transforms: Iterable[Any], *, input_path: Optional[str] = None,
                         extra_columns: Optional[Dict[str, Any]] = None) -> None:
    """Write `index,dy,dx,angle_deg` rows (`,scale` for similarity; `index,dy,dx,a11,a12,a21,a22` for affine)
    atomically, never over `input_path`; `extra_columns` maps further column names to one number per image
    (readers find columns by name, so these are ignored)."""
    table = as_transforms(transforms)
    extra = {name: np.asarray(values, dtype=float) for name, values in (extra_columns or {}).items()}
    with atomic_output(path, [input_path]) as temporary:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(("index",) + columns_of(table) + tuple(extra))
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
    kind = "affine" if "a11" in header else "similarity" if "scale" in header else "rigid"
    missing = [name for name in KIND_COLUMNS[kind] if name not in header and name != "angle_deg"]
    if missing:
        raise InputError(f"{path}: a {kind} transforms table needs the columns {', '.join(KIND_COLUMNS[kind])}; "
                         f"missing {', '.join(missing)}")
    if kind == "similarity" and "angle_deg" not in header:
        raise InputError(f"{path}: a similarity transforms table needs an angle_deg column beside scale")
    columns = [header.index(name) for name in KIND_COLUMNS[kind] if name in header]
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
    """(N, 3 | 4 | 6) float table (rigid, similarity, affine) from a transforms CSV or an aligned HDF5 file."""
    if not os.path.isfile(path):
        raise InputError(f"file not found: {path}")
    return _read_h5(path) if is_hdf5(path) else _read_csv(path)
