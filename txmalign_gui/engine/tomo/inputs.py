"""Checks that turn a bad projection series or angle list into a clear `InputError` before any maths runs."""

from __future__ import annotations

import numpy as np

from ..errors import InputError

MIN_PROJECTIONS = 2
MIN_WIDTH = 16
# Tomographic consistency needs this many projections over at least this range; below, align_tomo
# falls back to pairwise registration.
MIN_CONSISTENCY_PROJECTIONS = 30
MIN_CONSISTENCY_SPAN_DEG = 90.0


def check_projections(projections) -> np.ndarray:
    """The series as a finite float32 (N, rows, cols) array, or `InputError`."""
    if projections is None:
        raise InputError("no projections given")
    array = np.asarray(projections)
    if not np.issubdtype(array.dtype, np.number):
        raise InputError(f"projections are not numeric (dtype {array.dtype})")
    if array.ndim != 3:
        raise InputError(f"projections must be a 3-D stack (angles, rows, columns), got shape {array.shape}")
    count, rows, cols = array.shape
    if count < MIN_PROJECTIONS:
        raise InputError(f"tomography alignment needs at least {MIN_PROJECTIONS} projections, got {count}")
    if rows < 8 or cols < MIN_WIDTH:
        raise InputError(f"projections of {rows} x {cols} px are too small (need at least 8 rows and "
                         f"{MIN_WIDTH} columns)")
    array = array.astype(np.float32, copy=False)
    bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
    if bad:
        raise InputError(f"projections contain {bad} NaN or infinite pixel(s); fix flat/dark correction "
                         "(zero or negative intensities give infinite -ln) before aligning")
    return array


def check_angles(angles_deg, count: int) -> np.ndarray:
    """The angles in degrees as a float64 (N,) array matching the projections, or `InputError`."""
    if angles_deg is None:
        raise InputError("tomography alignment needs the rotation angle of every projection")
    angles = np.asarray(angles_deg, dtype=np.float64).ravel()
    if angles.size != count:
        raise InputError(f"got {angles.size} angles for {count} projections; give one angle per projection")
    if not np.isfinite(angles).all():
        raise InputError("the angles contain NaN or infinite values")
    return angles


def consistency_refusal(angles: np.ndarray) -> str:
    """Why tomographic consistency cannot be used on a series with these angles, or "" when it can."""
    if len(angles) < MIN_CONSISTENCY_PROJECTIONS:
        return (f"{len(angles)} projections are too few for tomographic consistency (it needs "
                f"{MIN_CONSISTENCY_PROJECTIONS})")
    if np.ptp(angles) < MIN_CONSISTENCY_SPAN_DEG:
        return (f"the angles span only {np.ptp(angles):.1f} deg; tomographic consistency needs at least "
                f"{MIN_CONSISTENCY_SPAN_DEG:.0f} deg")
    return ""
