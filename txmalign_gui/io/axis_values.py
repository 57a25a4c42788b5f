"""Energies and angles from a text file, an HDF5 dataset or attribute, or a text file found next to a stack.

Scans often record extra leading values for the dark and flat frames taken before the images; `skip`
drops that many values from the start.  `check_values` refuses values no instrument produces
(non-finite, energies outside 1 eV..1 MeV, angles beyond +-36000 degrees).
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict, Optional, Tuple

import h5py
import numpy as np
import numpy.typing as npt

from ..engine.errors import InputError
from .h5tools import open_h5
from .paths import split_source
from .units import to_degrees, to_electronvolts

_TEXT_EXTENSIONS = (".txt", ".csv", ".dat")
_WORDS = {"energies": ("energ", "x_eng", "kev", "_ev"), "angles": ("angle", "theta")}


def read_text_values(path: str) -> Tuple[np.ndarray, str]:
    """(first numeric column, header text) of a text file; `#` comments and word headers are skipped."""
    values, header = [], []
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                fields = [f for f in re.split(r"[\s,;]+", line.strip()) if f]
                if not fields:
                    continue
                try:
                    values.append(float(fields[0]))
                except ValueError:
                    header.append(line)
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from error
    if not values:
        raise InputError(f"{path} holds no numbers (one value per line expected)")
    return np.array(values), " ".join(header)


def _unit_hint(text: str) -> Optional[str]:
    for unit in ("kev", "ev", "rad", "deg"):
        if re.search(rf"(?<![a-z]){unit}", text, re.IGNORECASE):
            return unit
    return None


def _h5_values(path: str, name: str) -> Tuple[np.ndarray, Any]:
    """(values, unit) of dataset `name`, or of an attribute when `name` is `object/attribute`."""
    try:
        with open_h5(path) as handle:
            if name in handle and isinstance(handle[name], h5py.Dataset):
                return np.asarray(handle[name][()], dtype=float), handle[name].attrs.get("units")
            parent, _, attribute = name.rstrip("/").rpartition("/")
            owner = handle[parent or "/"] if (parent or "/") in handle else None
            if owner is not None and attribute in owner.attrs:
                return np.asarray(owner.attrs[attribute], dtype=float), owner.attrs.get(f"{attribute}_units")
    except (TypeError, ValueError) as error:
        raise InputError(f"{path}:{name} is not numeric") from error
    raise InputError(f"{path} has no dataset or attribute {name}")


_ENERGY_RANGE_EV = (1.0, 1e6)
_ANGLE_LIMIT_DEG = 36000.0  # a hundred turns: more is a unit or parsing error


def check_values(values: npt.ArrayLike, kind: str, origin: str) -> np.ndarray:
    """`values` (eV or degrees) as a float array, or `InputError` when they cannot be real."""
    values = np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    if not np.isfinite(values).all():
        raise InputError(f"{origin}: the {kind} contain NaN or infinite values")
    if kind == "energies" and values.size and not (
            _ENERGY_RANGE_EV[0] <= values.min() and values.max() <= _ENERGY_RANGE_EV[1]):
        raise InputError(f"{origin}: energies from {values.min():g} to {values.max():g} eV are not photon "
                         "energies (expected 1 eV to 1 MeV; keV values below 100 are converted)")
    if kind == "angles" and values.size and np.abs(values).max() > _ANGLE_LIMIT_DEG:
        raise InputError(f"{origin}: an angle of {np.abs(values).max():g} degrees is not a rotation angle "
                         f"(expected within +-{_ANGLE_LIMIT_DEG:g})")
    return values


def skip_values(values: np.ndarray, skip: int, origin: str) -> np.ndarray:
    """`values` without their first `skip` entries (dark/flat frames recorded in the same file)."""
    if skip < 0:
        raise InputError(f"the number of values to skip must be 0 or more, got {skip}")
    if skip >= len(values):
        raise InputError(f"{origin} holds {len(values)} values; cannot skip the first {skip}")
    return values[skip:]


def _load(spec: str, kind: str, skip: int = 0) -> np.ndarray:
    path, name, _ = split_source(spec)
    if name is not None:
        values, unit = _h5_values(path, name)
        unit = unit or _unit_hint(name)
    else:
        values, header = read_text_values(path)
        unit = _unit_hint(os.path.basename(path) + " " + header)
    values = skip_values(np.atleast_1d(values).ravel(), skip, spec) if skip else np.atleast_1d(values).ravel()
    converted = to_electronvolts(values, unit) if kind == "energies" else to_degrees(values, unit)
    return check_values(converted, kind, spec)


def load_energies(spec: str, skip: int = 0) -> np.ndarray:
    """Energies in eV from a text file (one per line) or `file.h5:/dataset` / `file.h5:/object/attribute`,
    without the first `skip` values."""
    return _load(spec, "energies", skip)


def load_angles(spec: str, skip: int = 0) -> np.ndarray:
    """Angles in degrees from a text file (one per line) or `file.h5:/dataset` / `file.h5:/object/attribute`,
    without the first `skip` values."""
    return _load(spec, "angles", skip)


def find_sidecar(path: str, kind: str) -> Optional[str]:
    """The one text file next to `path` (or inside it, for a folder) whose name says it holds `kind`."""
    folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
    stem = os.path.splitext(os.path.basename(path))[0].lower()
    candidates = [os.path.join(folder, n) for n in sorted(os.listdir(folder))
                  if n.lower().endswith(_TEXT_EXTENSIONS) and any(w in n.lower() for w in _WORDS[kind])]
    if len(candidates) > 1 and not os.path.isdir(path):
        candidates = [c for c in candidates if os.path.basename(c).lower().startswith(stem.split("_")[0])]
    return candidates[0] if len(candidates) == 1 else None


def sidecar_values(path: str, shape: Tuple[int, ...], metadata: Dict[str, Any]) -> Dict[str, Any]:
    """{"energies": ..., "angles": ...} from text files next to `path` holding one value per image.

    `shape` is the stack's shape; anything but a 3-D stack gets {}.
    A file with the wrong count or unreadable values is skipped and noted in `metadata["warnings"]`
    rather than failing the whole load, because it was guessed from its name, not chosen by the user;
    `metadata["axis_sources"]` keeps it so that `StackData.skipping_axis_values` can use it.
    """
    found: Dict[str, Any] = {}
    if len(shape) != 3:
        return found
    count = shape[0]
    for kind, loader in (("energies", load_energies), ("angles", load_angles)):
        sidecar = find_sidecar(path, kind)
        if sidecar is None:
            continue
        metadata.setdefault("axis_sources", {})[kind] = sidecar
        try:
            values = loader(sidecar)
        except InputError as error:
            metadata.setdefault("warnings", []).append(f"{os.path.basename(sidecar)} not used: {error}")
            continue
        if len(values) == count:
            found[kind] = values
            metadata[f"{kind}_file"] = sidecar
        else:
            metadata.setdefault("warnings", []).append(
                f"{os.path.basename(sidecar)} holds {len(values)} {kind} for {count} images; not used")
    return found
