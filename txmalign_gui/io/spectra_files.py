"""Files around XANES spectra: an I0 spectrum (two columns energy, counts, e.g. an ALS STXM `.xsp`), a
spectra CSV with `#` header lines, and a /spectra group added to an aligned HDF5 file."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple, Union

import h5py
import numpy as np
import numpy.typing as npt

from ..engine.checks.table import csv_text
from ..engine.errors import InputError
from .atomic import atomic_output
from .units import to_electronvolts

SPECTRA_GROUP = "spectra"


def read_i0_spectrum(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """(energies in eV, counts) from a text file of two numeric columns; `#` lines and word headers are
    skipped, energies below 100 are taken as keV."""
    rows = []
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                fields = [f for f in re.split(r"[\s,;]+", line.strip()) if f]
                if len(fields) < 2 or fields[0].startswith("#"):
                    continue
                try:
                    rows.append((float(fields[0]), float(fields[1])))
                except ValueError:
                    continue
    except OSError as error:
        raise InputError(f"cannot read the I0 spectrum {path}: {error.strerror or error}") from error
    if len(rows) < 2:
        raise InputError(f"{path} is not an I0 spectrum: expected two numeric columns (energy, counts)")
    table = np.array(rows)
    return to_electronvolts(table[:, 0]), table[:, 1]


def write_spectra_csv(path: str, header_lines: Iterable[str], names: Sequence[str],
                      columns: Sequence[Union[np.ndarray, Sequence[float]]], protect: Iterable[Optional[str]] = ()
                      ) -> None:
    """Write `#`-prefixed `header_lines`, then a CSV of `columns` named `names`, atomically."""
    text = "".join(f"# {line}\n" for line in header_lines) + csv_text(names, columns)
    with atomic_output(path, protect) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)


def add_spectra_to_hdf5(path: str, name: str, energies: npt.ArrayLike, od: npt.ArrayLike,
                        normalized: Optional[npt.ArrayLike] = None, attributes: Optional[Dict[str, Any]] = None,
                        replace: bool = False) -> str:
    """Store one spectrum as /spectra/<name>/{energy_eV, od[, normalized]} in the existing HDF5 file
    `path` (e.g. an aligned stack), with `attributes` (region, I0 source, edge energy, step) on the group.
    Refuses to replace an existing spectrum of that name unless `replace`.  Returns the group path."""
    name = str(name).strip().replace("/", "_")
    if not name:
        raise InputError("a spectrum needs a name to be stored in HDF5")
    energies, od = np.asarray(energies, dtype=float), np.asarray(od, dtype=float)
    if energies.shape != od.shape or (normalized is not None and np.shape(normalized) != od.shape):
        raise InputError("energies, OD and normalised values must have the same length")
    group_path = f"/{SPECTRA_GROUP}/{name}"
    try:
        with h5py.File(path, "r+") as handle:
            if group_path in handle:
                if not replace:
                    raise InputError(f"{path} already holds a spectrum named {name!r}; choose another name")
                del handle[group_path]
            group = handle.require_group(SPECTRA_GROUP).create_group(name)
            group.create_dataset("energy_eV", data=energies).attrs["units"] = "eV"
            group.create_dataset("od", data=od).attrs["description"] = "optical density -ln(I/I0)"
            if normalized is not None:
                group.create_dataset("normalized", data=np.asarray(normalized, dtype=float))
            for key, value in (attributes or {}).items():
                group.attrs[key] = value if not isinstance(value, (tuple, list)) else np.asarray(value)
    except OSError as error:
        raise InputError(f"cannot add spectra to {path}: {error}") from error
    return group_path
