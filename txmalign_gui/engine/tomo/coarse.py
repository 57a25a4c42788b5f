"""Coarse alignment of a projection series from two invariants of parallel-beam tomography.

Vertically, the total absorption in each detector row (a slab of the sample) does not depend on the angle,
so row-sum profiles are registered to their mean.  Horizontally, the projected centre of mass follows
a cos(t) + b sin(t) + c exactly; what departs from the fitted sinusoid is jitter, and c is the column of
the rotation axis.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.registration import phase_cross_correlation

from ..errors import InputError
from .sinusoid import fit_sinusoid, sinusoid

_PROFILE_PASSES = 3


def background(projections: np.ndarray) -> np.ndarray:
    """Per-projection level of the empty beam: the median of the two outermost columns on each side."""
    edges = np.concatenate([projections[:, :, :2], projections[:, :, -2:]], axis=2)
    return np.median(edges.reshape(len(projections), -1), axis=1)


def register_profiles(profiles: np.ndarray) -> np.ndarray:
    """Subpixel shifts (N,), mean zero, aligning 1-D profiles with their aligned mean.

    Slopes (Gaussian derivative, which tempers noise) are compared rather than values, so a profile cut
    off at the field edge adds only a small step where it meets the zero padding.
    """
    count, length = profiles.shape
    prepared = ndimage.gaussian_filter1d(profiles, 1.5, axis=1, order=1)
    reference = prepared[count // 2]
    shifts = np.zeros(count)
    for _ in range(_PROFILE_PASSES):
        padded_ref = np.pad(reference, (0, length))
        for i in range(count):
            shift, _, _ = phase_cross_correlation(padded_ref, np.pad(prepared[i], (0, length)),
                                                  upsample_factor=100, normalization=None)
            shifts[i] = shift[0]
        shifts -= shifts.mean()
        reference = np.mean([ndimage.shift(p, s, order=3, mode="nearest")
                             for p, s in zip(prepared, shifts)], axis=0)
    return shifts


def vertical_shifts(projections: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Row shifts (N,) that align the projections vertically, from their row-sum profiles."""
    profiles = projections.sum(axis=2, dtype=np.float64) - level[:, None] * projections.shape[2]
    return register_profiles(profiles)


def centre_of_mass_columns(projections: np.ndarray, level: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Column of each projection's centre of mass, over the rows that every projection still sees after dy."""
    rows = projections.shape[1]
    margin = int(np.ceil(np.abs(dy).max())) + 1
    if rows - 2 * margin < 4:
        raise InputError(f"vertical jitter of {np.abs(dy).max():.1f} px leaves too few common rows "
                         f"in {rows}-row projections")
    columns = np.arange(projections.shape[2], dtype=np.float64)
    centres = np.empty(len(projections))
    for i, image in enumerate(projections):
        moved = ndimage.shift(image, (dy[i], 0.0), order=1, mode="nearest")[margin:rows - margin]
        mass = moved.sum(axis=0, dtype=np.float64) - level[i] * moved.shape[0]
        total = mass.sum()
        if total <= 0:
            raise _no_sample(i)
        centres[i] = float(mass @ columns) / total
    return centres


def _no_sample(index: int) -> InputError:
    return InputError(f"projection {index} has no absorbing sample above the background; projections "
                      "must be line integrals (e.g. -ln(I/I0)), not transmitted intensity")


def coarse_alignment(projections: np.ndarray, angles_deg: np.ndarray, progress) -> tuple:
    """Shifts (dy, dx) per projection that remove jitter and centre the rotation axis, and the axis offset.

    The offset is the axis column minus the central column (cols - 1) / 2, in pixels.
    """
    level = background(projections)
    totals = projections.sum(axis=(1, 2), dtype=np.float64) - level * projections[0].size
    if (totals <= 0).any():
        raise _no_sample(int(np.argmax(totals <= 0)))
    progress.update(0.0, "coarse: row profiles")
    dy = vertical_shifts(projections, level)
    progress.update(0.5, "coarse: centre of mass")
    centres = centre_of_mass_columns(projections, level, dy)
    a, b, c = fit_sinusoid(centres, angles_deg)
    dx = sinusoid((a, b, 0.0), angles_deg) - centres + (projections.shape[2] - 1) / 2.0
    progress.update(1.0, "coarse: done")
    return dy, dx, float(c - (projections.shape[2] - 1) / 2.0)
