"""Synthetic jittered projection series of random particles, for training and testing the learned jitter
estimator (and for benchmarks): exact projections, known jitter, Gaussian noise, salt-and-pepper outliers.

Each series gives, per projection, the pair the estimator sees in use: the measured (jittered, noisy)
projection and its reprojection from a filtered back-projection of the whole jittered series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .phantom import Ellipsoid, rasterise
from .projector import ParallelProjector
from .sinusoid import remove_sample_motion


@dataclass(frozen=True)
class JitteredSeries:
    """Measured projections (N, rows, cols), angles (deg), the jitter (N, 2) put in (dy, dx) and the
    reprojections (N, rows, cols) of the series' own reconstruction."""

    projections: np.ndarray
    angles_deg: np.ndarray
    jitter: np.ndarray
    reprojections: np.ndarray


def random_particle(rng: np.random.Generator, size: int) -> list:
    """A particle about the axis: a body (ellipsoid, random shape and turn) with dense grains and pores."""
    r = size / 2.0
    body_axes = rng.uniform(0.35, 0.55, 3) * r
    body_axes[2] = rng.uniform(0.4, 0.8) * r
    centre = rng.uniform(-0.08, 0.08, 3) * r
    shapes = [Ellipsoid(tuple(centre), tuple(body_axes), float(rng.uniform(0, 180)), 1.0)]
    for _ in range(int(rng.integers(3, 14))):
        axes = rng.uniform(0.04, 0.18, 3) * r
        offset = rng.uniform(-0.7, 0.7, 3) * body_axes
        density = float(rng.choice([-0.8, 0.6, 1.5, 3.0]) * rng.uniform(0.5, 1.0))
        shapes.append(Ellipsoid(tuple(centre + offset), tuple(axes), float(rng.uniform(0, 180)), density))
    return shapes


def gauge_free_jitter(rng: np.random.Generator, angles_deg: np.ndarray, amplitude: float) -> np.ndarray:
    """Uniform jitter (N, 2) in +-amplitude without the parts that only move the sample (see sinusoid)."""
    raw = rng.uniform(-amplitude, amplitude, (len(angles_deg), 2))
    dy, dx = remove_sample_motion(raw[:, 0], raw[:, 1], angles_deg)
    return np.stack([dy, dx - dx.mean()], axis=1)


def add_noise(projections: np.ndarray, rng: np.random.Generator, gaussian: float, salt_pepper: float):
    """Gaussian noise (sigma as a share of the maximum) and a share `salt_pepper` of pixels set to 0 or
    to the maximum (half each), as the paper's outlier test."""
    top = float(projections.max())
    noisy = projections + rng.normal(0.0, gaussian * top, projections.shape).astype(np.float32)
    if salt_pepper > 0:
        hit = rng.random(projections.shape) < salt_pepper
        noisy[hit] = np.where(rng.random(int(hit.sum())) < 0.5, 0.0, top)
    return noisy.astype(np.float32)


def reproject_series(projections: np.ndarray, angles_deg: np.ndarray, projector=None) -> np.ndarray:
    """Reprojections (N, rows, cols) of the filtered back-projection of every row of the series."""
    projector = projector or ParallelProjector(projections.shape[2], angles_deg)
    return projector.forward(projector.reconstruct(projections)).astype(np.float32)


def jittered_series(rng: np.random.Generator, size: int = 128, count: int = 90, amplitude: float = 10.0,
                    gaussian: float = 0.02, salt_pepper: float = 0.0, span_deg: float = 180.0,
                    projector=None) -> JitteredSeries:
    """One random particle's series with known jitter and noise, and its reprojections.

    The particle is rasterised and projected with `ParallelProjector` (fast), then each projection is
    moved by its jitter with cubic splines, edges repeated.
    """
    angles = np.linspace(0.0, span_deg, count, endpoint=False)
    projector = projector or ParallelProjector(size, angles)
    jitter = gauge_free_jitter(rng, angles, amplitude)
    exact = projector.forward(rasterise(random_particle(rng, size), size, size))
    clean = np.stack([ndimage.shift(p, s, order=3, mode="nearest") for p, s in zip(exact, jitter)])
    measured = add_noise(clean, rng, gaussian, salt_pepper)
    return JitteredSeries(measured, angles, jitter, reproject_series(measured, angles, projector))
