"""Energies and angles from a text file, an HDF5 dataset or attribute, or a text file found next to a stack."""

from __future__ import annotations

import os
import re
from typing import Optional

import h5py
import numpy as np

from ..engine.errors import InputError
from .paths import split_source
from .units import to_degrees, to_electronvolts

_TEXT_EXTENSIONS = (".txt", ".csv", ".dat")
_WORDS = {"energies": ("energ", "x_eng", "kev", "_ev"), "angles": ("angle", "theta")}


def read_text_values(path: str) -> tuple:
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


def _h5_values(path: str, name: str) -> tuple:
    """(values, unit) of dataset `name`, or of an attribute when `name` is `object/attribute`."""
    try:
        with h5py.File(path, "r") as handle:
            if name in handle and isinstance(handle[name], h5py.Dataset):
                return np.asarray(handle[name][()], dtype=float), handle[name].attrs.get("units")
            parent, _, attribute = name.rstrip("/").rpartition("/")
            owner = handle[parent or "/"] if (parent or "/") in handle else None
            if owner is not None and attribute in owner.attrs:
                return np.asarray(owner.attrs[attribute], dtype=float), owner.attrs.get(f"{attribute}_units")
    except OSError as error:
        raise InputError(f"cannot open {path} as HDF5: {error}") from error
    except (TypeError, ValueError) as error:
        raise InputError(f"{path}:{name} is not numeric") from error
    raise InputError(f"{path} has no dataset or attribute {name}")


def _load(spec: str, kind: str) -> np.ndarray:
    path, name, _ = split_source(spec)
    if name is not None:
        values, unit = _h5_values(path, name)
        unit = unit or _unit_hint(name)
    else:
        values, header = read_text_values(path)
        unit = _unit_hint(os.path.basename(path) + " " + header)
    values = np.atleast_1d(values).ravel()
    return to_electronvolts(values, unit) if kind == "energies" else to_degrees(values, unit)


def load_energies(spec: str) -> np.ndarray:
    """Energies in eV from a text file (one per line) or `file.h5:/dataset` / `file.h5:/object/attribute`."""
    return _load(spec, "energies")


def load_angles(spec: str) -> np.ndarray:
    """Angles in degrees from a text file (one per line) or `file.h5:/dataset` / `file.h5:/object/attribute`."""
    return _load(spec, "angles")


def find_sidecar(path: str, kind: str) -> Optional[str]:
    """The one text file next to `path` (or inside it, for a folder) whose name says it holds `kind`."""
    folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
    stem = os.path.splitext(os.path.basename(path))[0].lower()
    candidates = [os.path.join(folder, n) for n in sorted(os.listdir(folder))
                  if n.lower().endswith(_TEXT_EXTENSIONS) and any(w in n.lower() for w in _WORDS[kind])]
    if len(candidates) > 1 and not os.path.isdir(path):
        candidates = [c for c in candidates if os.path.basename(c).lower().startswith(stem.split("_")[0])]
    return candidates[0] if len(candidates) == 1 else None


def sidecar_values(path: str, shape: tuple, metadata: dict) -> dict:
    """{"energies": ..., "angles": ...} from text files next to `path` holding one value per image.

    `shape` is the stack's shape; anything but a 3-D stack gets {}.
    A file with the wrong count is skipped and noted in `metadata["warnings"]` rather than failing
    the whole load, because it was guessed from its name, not chosen by the user.
    """
    found = {}
    if len(shape) != 3:
        return found
    count = shape[0]
    for kind, loader in (("energies", load_energies), ("angles", load_angles)):
        sidecar = find_sidecar(path, kind)
        if sidecar is None:
            continue
        values = loader(sidecar)
        if len(values) == count:
            found[kind] = values
            metadata[f"{kind}_file"] = sidecar
        else:
            metadata.setdefault("warnings", []).append(
                f"{os.path.basename(sidecar)} holds {len(values)} {kind} for {count} images; not used")
    return found
