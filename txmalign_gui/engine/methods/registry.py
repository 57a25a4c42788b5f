"""The registry of pair-registration methods; each method module registers one `MethodSpec`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..errors import InputError
from ..params import ParamSet
from ..progress import Progress
from ..result import MethodOutcome

# run(fixed, moving, params, fixed_mask, moving_mask, progress) -> MethodOutcome
MethodRun = Callable[[np.ndarray, np.ndarray, dict, Optional[np.ndarray], Optional[np.ndarray], Progress],
                     MethodOutcome]


@dataclass(frozen=True)
class MethodSpec:
    """A registration method: its name, a one-line description, its parameters and its function.

    `run` receives float64 images already validated and cropped to the ROI, the
    resolved parameter dict, boolean masks (True = usable) or None, and a
    `Progress` it must update regularly.  A method that computes in float32 anyway
    (`float32`) receives float32 images unconverted: converting a 1024 px pair to
    float64 and back cost about a tenth of a TVDM registration.
    """

    name: str
    label: str
    description: str
    params: ParamSet
    run: MethodRun
    supports_rotation: bool = False
    float32: bool = False

    def resolve(self, overrides=None) -> dict:
        return self.params.resolve(overrides, owner=self.name)

    def describe(self) -> dict:
        return {"name": self.name, "label": self.label, "description": self.description,
                "supports_rotation": self.supports_rotation,
                "params": [p.describe() for p in self.params]}


_METHODS: dict[str, MethodSpec] = {}


def register_method(spec: MethodSpec) -> MethodSpec:
    if spec.name in _METHODS:
        raise ValueError(f"method {spec.name!r} registered twice")
    _METHODS[spec.name] = spec
    return spec


def get_method(name: str) -> MethodSpec:
    try:
        return _METHODS[name]
    except KeyError:
        known = ", ".join(sorted(_METHODS))
        raise InputError(f"unknown method '{name}'; available methods: {known}") from None


def available_methods() -> list[MethodSpec]:
    return list(_METHODS.values())
