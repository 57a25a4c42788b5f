"""Unit conversions for what beamline files store: energies to eV, angles to degrees, pixel sizes to nm."""

from __future__ import annotations

import math
import re
from typing import Any, Optional

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

_KEV_LIMIT = 100.0  # X-ray microscopy energies below this number can only be keV
_LENGTH_NM = {"nm": 1.0, "um": 1e3, "µm": 1e3, "μm": 1e3, "micron": 1e3, "microns": 1e3, "mm": 1e6, "m": 1e9}
_NAME_ENERGY = re.compile(r"(?<![\d.])(\d+(?:[._]\d+)?)\s*_?(k?ev)(?![a-z])", re.IGNORECASE)


def _unit_text(unit: Any) -> str:
    if isinstance(unit, bytes):
        unit = unit.decode(errors="replace")
    return str(unit or "").strip().lower()


def to_electronvolts(values: npt.ArrayLike, unit: Any = None) -> NDArray[np.float64]:
    """`values` in eV; `unit` "keV"/"eV" if the file says, else values below 100 are taken as keV."""
    values = np.asarray(values, dtype=float)
    unit = _unit_text(unit)
    if unit == "kev" or (unit != "ev" and values.size and np.nanmax(np.abs(values)) < _KEV_LIMIT):
        return values * 1000.0
    return values


def to_degrees(values: npt.ArrayLike, unit: Any = None) -> NDArray[np.float64]:
    """`values` in degrees; `unit` "rad"/"deg" if the file says, else degrees (files at beamlines use degrees)."""
    values = np.asarray(values, dtype=float)
    return np.degrees(values) if _unit_text(unit).startswith("rad") else values


def length_to_nm(value: Any, default_unit: str = "nm") -> Optional[float]:
    """A pixel size such as 21.3, b"21.3nm" or "0.039 um" in nm; None when it is absent, zero or unreadable."""
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    if isinstance(value, np.ndarray):
        value = value.item() if value.size == 1 else None
    unit = default_unit
    if isinstance(value, str):
        match = re.match(r"\s*([-+0-9.eE]+)\s*([a-zA-Zµμ]*)", value)
        if not match:
            return None
        value, unit = match.group(1), (match.group(2) or default_unit)
    try:
        number = float(value) * _LENGTH_NM[unit.lower()]
    except (TypeError, ValueError, KeyError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def energy_from_name(name: str) -> Optional[float]:
    """The energy in eV written in a file name (`..._8353_0eV.xrm`, `..._08324.0_eV_001.xrm`, `x_8.3keV`), or None."""
    matches = _NAME_ENERGY.findall(name)
    if not matches:
        return None
    number, unit = matches[-1]
    value = float(number.replace("_", "."))
    return value * 1000.0 if unit.lower() == "kev" else value
