"""Learned coarse step: a residual CNN reads each projection next to its reprojection and returns the jitter.

Following Zhang et al. (J. Synchrotron Rad. 2021), the series is reconstructed as measured, reprojected,
and a trained network regresses (dy, dx) for every (measured, reprojected) pair in one pass, without
iterating.  The network runs in numpy (`engine.learned`) on a fixed grid (the projections are resampled
to it and the answer scaled back); it was trained by `training/train_tomo_jitter.py` on the synthetic
particles of `jitter_data`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import ndimage

from ..learned import load_network, weights_path
from .coarse import background, centre_of_mass_columns
from .jitter_data import reproject_series
from .sinusoid import fit_sinusoid, remove_sample_motion

WEIGHTS = "tomo_jitter.npz"


@lru_cache(maxsize=1)
def jitter_network():
    """The shipped jitter network (loaded once)."""
    return load_network(weights_path(WEIGHTS))


def resample_series(projections: np.ndarray, size: int) -> np.ndarray:
    """The series resampled to (N, size, size) (linear; averaged first when shrinking by 2 or more)."""
    count, rows, cols = projections.shape
    data = np.asarray(projections, dtype=np.float32)
    by_y, by_x = max(rows // size, 1), max(cols // size, 1)
    if by_y > 1 or by_x > 1:
        data = data[:, :rows // by_y * by_y, :cols // by_x * by_x]
        data = data.reshape(count, rows // by_y, by_y, cols // by_x, by_x).mean(axis=(2, 4))
    factors = (1.0, size / data.shape[1], size / data.shape[2])
    return ndimage.zoom(data, factors, order=1, mode="nearest", grid_mode=True).astype(np.float32)


def prepare_pairs(measured: np.ndarray, reprojected: np.ndarray) -> np.ndarray:
    """(N, 2, H, W) network input: each pair scaled by its reprojection's mean and spread."""
    pairs = np.stack([measured, reprojected], axis=1).astype(np.float32)
    mean = reprojected.mean(axis=(1, 2), dtype=np.float64)[:, None, None, None]
    spread = reprojected.std(axis=(1, 2), dtype=np.float64)[:, None, None, None]
    return ((pairs - mean) / np.maximum(spread, 1e-6)).astype(np.float32)


def learned_shifts(projections: np.ndarray, angles_deg: np.ndarray, network=None) -> tuple:
    """Corrections (dy, dx) in full-size pixels for a (N, rows, cols) series, without sample motion."""
    network = network or jitter_network()
    size = network.input_shape[-1]
    scale = float(network.spec["target_scale"])
    rows, cols = projections.shape[1:]
    small = resample_series(projections, size)
    outputs = network(prepare_pairs(small, reproject_series(small, angles_deg))) * scale
    dy = outputs[:, 0].astype(np.float64) * rows / size
    dx = outputs[:, 1].astype(np.float64) * cols / size
    return remove_sample_motion(dy, dx, angles_deg)


def learned_coarse(projections: np.ndarray, angles_deg: np.ndarray, progress) -> tuple:
    """Coarse (dy, dx) for `align_tomo`: centre the axis by the centre-of-mass sinusoid (the network was
    trained on centred series), then let the network find the jitter."""
    progress.update(0.0, "coarse (learned): centring the rotation axis")
    count, _, cols = projections.shape
    centres = centre_of_mass_columns(projections, background(projections), np.zeros(count))
    centring = (cols - 1) / 2.0 - fit_sinusoid(centres, angles_deg)[2]
    centred = np.stack([ndimage.shift(p, (0.0, centring), order=1, mode="nearest") for p in projections])
    progress.update(0.3, "coarse (learned): reprojecting and running the network")
    dy, dx = learned_shifts(centred, angles_deg)
    progress.update(1.0, "coarse (learned): done")
    return dy, dx + centring
