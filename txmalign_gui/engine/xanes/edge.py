"""The edge energy of a spectrum: where the smoothed derivative peaks, or where the normalised spectrum
first reaches half the edge step."""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from ..errors import InputError


def _check(energies: npt.ArrayLike, mu: npt.ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    e = np.asarray(energies, dtype=float).ravel()
    mu = np.asarray(mu, dtype=float).ravel()
    if e.shape != mu.shape or len(e) < 3:
        raise InputError("an edge needs at least three (energy, value) points of equal count")
    if np.any(np.diff(e) <= 0):
        raise InputError("energies must increase from frame to frame to find an edge")
    return e, mu


def parabolic_peak(x: np.ndarray, y: np.ndarray, index: int) -> float:
    """x at the vertex of the parabola through points index-1, index, index+1 (x may be unevenly spaced)."""
    if index <= 0 or index >= len(x) - 1:
        return float(x[index])
    coeffs = np.polyfit(x[index - 1:index + 2], y[index - 1:index + 2], 2)
    if coeffs[0] >= 0:
        return float(x[index])
    vertex = -coeffs[1] / (2 * coeffs[0])
    return float(np.clip(vertex, x[index - 1], x[index + 1]))


def smoothed_derivative(energies: npt.ArrayLike, mu: npt.ArrayLike, smooth_ev: float, axis: int = 0) -> np.ndarray:
    """d(mu)/dE after a Gaussian smoothing of `smooth_ev` along the energy axis (0 = no smoothing).

    The smoothing is in frames of the median energy step, so an uneven scan is treated approximately.
    """
    e = np.asarray(energies, dtype=float)
    step = float(np.median(np.diff(e)))
    values = np.asarray(mu, dtype=float)
    if smooth_ev > 0:
        values = ndimage.gaussian_filter1d(values, smooth_ev / step, axis=axis, mode="nearest")
    derivative: np.ndarray = np.gradient(values, e, axis=axis)
    return derivative


def edge_energy_derivative(energies: npt.ArrayLike, mu: npt.ArrayLike, window: Optional[Tuple[float, float]] = None,
                           smooth_ev: float = 0.0) -> float:
    """Energy of the largest derivative of `mu` inside `window` = (e_min, e_max) (default: all),
    refined to a fraction of a step with a parabola through the three highest points."""
    e, mu = _check(energies, mu)
    derivative = smoothed_derivative(e, mu, smooth_ev)
    inside = np.ones(len(e), dtype=bool) if window is None else (e >= window[0]) & (e <= window[1])
    if inside.sum() < 1 or not np.isfinite(derivative[inside]).any():
        raise InputError("no energy inside the edge window; widen it")
    masked = np.where(inside & np.isfinite(derivative), derivative, -np.inf)
    return parabolic_peak(e, np.where(np.isfinite(masked), masked, np.nanmin(derivative[inside])),
                          int(np.argmax(masked)))


def edge_energy_half_step(energies: npt.ArrayLike, normalized: npt.ArrayLike, start: Optional[float] = None) -> float:
    """First energy (from `start`, default the first point) at which `normalized` reaches 0.5, linearly
    interpolated between the two points around the crossing; NaN when it never does."""
    e, norm = _check(energies, normalized)
    first = 0 if start is None else int(np.searchsorted(e, start))
    for i in range(max(first, 1), len(e)):
        a, b = norm[i - 1], norm[i]
        if np.isfinite(a) and np.isfinite(b) and a < 0.5 <= b:
            return float(e[i - 1] + (0.5 - a) / (b - a) * (e[i] - e[i - 1]))
    return float("nan")
