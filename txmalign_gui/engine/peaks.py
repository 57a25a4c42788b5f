"""Subpixel location of a maximum on a sampled surface (correlation peaks, edge-agreement windows)."""

from __future__ import annotations

from typing import SupportsIndex, Tuple

import numpy as np


def quadratic_peak(surface: np.ndarray, index: Tuple[SupportsIndex, ...]) -> np.ndarray:
    """Subpixel offset (dy, dx) of a maximum at integer `index` from a quadratic fit to its 3 x 3 neighbours.

    Falls back to one parabola per axis when the 2-D fit is not a maximum; an edge peak gets offset 0.
    """
    iy, ix = (int(v) for v in index)
    if not (0 < iy < surface.shape[0] - 1 and 0 < ix < surface.shape[1] - 1):
        return np.zeros(2)
    patch = surface[iy - 1:iy + 2, ix - 1:ix + 2].astype(np.float64)
    gy = (patch[2, 1] - patch[0, 1]) / 2.0
    gx = (patch[1, 2] - patch[1, 0]) / 2.0
    hyy = patch[2, 1] - 2.0 * patch[1, 1] + patch[0, 1]
    hxx = patch[1, 2] - 2.0 * patch[1, 1] + patch[1, 0]
    hxy = (patch[2, 2] - patch[2, 0] - patch[0, 2] + patch[0, 0]) / 4.0
    hessian = np.array([[hyy, hxy], [hxy, hxx]])
    if hyy < 0 and hxx < 0 and np.linalg.det(hessian) > 0:
        offset = -np.linalg.solve(hessian, np.array([gy, gx]))
    else:
        offset = np.array([-gy / hyy if hyy < 0 else 0.0, -gx / hxx if hxx < 0 else 0.0])
    return np.clip(offset, -0.5, 0.5)
