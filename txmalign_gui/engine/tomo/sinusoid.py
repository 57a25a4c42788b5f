"""The sinusoid a cos(t) + b sin(t) + c that a fixed point traces across parallel-beam projections.

A translation of the whole sample adds exactly such a sinusoid to the horizontal positions, so it is also
the part of a horizontal correction that the projections cannot determine and that alignment must not
invent.
"""

from __future__ import annotations

import numpy as np


def fit_sinusoid(values, angles_deg) -> np.ndarray:
    """Least-squares (a, b, c) of values ~ a cos(t) + b sin(t) + c over the angles t."""
    design = _design(angles_deg)
    coefficients, *_ = np.linalg.lstsq(design, np.asarray(values, dtype=float), rcond=None)
    return coefficients


def sinusoid(coefficients, angles_deg) -> np.ndarray:
    """Evaluate a cos(t) + b sin(t) + c at the angles."""
    return _design(angles_deg) @ np.asarray(coefficients, dtype=float)


def remove_sample_motion(dy, dx, angles_deg) -> tuple:
    """Drop the parts of per-projection shifts that only move the sample: mean dy, sinusoidal dx.

    The constant part of dx is kept: it moves the rotation axis, which the projections do determine.
    """
    a, b, _ = fit_sinusoid(dx, angles_deg)
    dx = np.asarray(dx, dtype=float) - sinusoid((a, b, 0.0), angles_deg)
    dy = np.asarray(dy, dtype=float)
    return dy - dy.mean(), dx


def _design(angles_deg) -> np.ndarray:
    theta = np.deg2rad(np.asarray(angles_deg, dtype=float))
    return np.stack([np.cos(theta), np.sin(theta), np.ones_like(theta)], axis=1)
